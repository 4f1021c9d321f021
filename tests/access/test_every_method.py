"""DELETE, PATCH, PUT and TRACE on every URL pattern: no page answers them.

Each view answers the methods it was written for (`require_GET`, `require_POST`,
`require_http_methods`; the sign-in pages GET and POST; the API its operations) and 405 to
the rest. Only where an access rule answers a GET before the view does (sign in first, the
API's 401, a 403 or 404 for what is not yours) may that same answer come instead; never a
page, never a redirect of the view's own, never a change.

The personas are those who together are shown every page.
"""

from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import get_resolver

from tests.access.test_every_url import (
    EXPECTED,
    LOGIN,
    _reverse,
    _snapshot,
    _url_kwargs,
    _walk,
)
from tests.world import make_leaflet

METHODS = ("delete", "patch", "put", "trace")
ACCESS_RULES = {LOGIN, 401, 403, 404}


def outcome(response) -> int | tuple[int, str]:
    if response.status_code == 302:
        return 302, urlsplit(response["Location"]).path
    return response.status_code


@pytest.mark.parametrize(
    "persona", ["leadership", "privacy_officer", "teacher", "parent", "intern", "anonymous"]
)
def test_no_url_answers_delete_patch_put_or_trace(world, persona, settings):
    settings.DEMO_MODE = False
    kwargs = _url_kwargs(world, make_leaflet(world.school, label="versie 2027"))
    client = Client()
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    failures = []
    for _route, name in _walk(get_resolver()):
        url = _reverse(name, kwargs)
        allowed: set[int | tuple[int, str]] = {405}
        get = EXPECTED.get((name, "GET"), {}).get(persona)
        if get in ACCESS_RULES:
            allowed.add(get)
        for method in METHODS:
            with transaction.atomic():  # each request's changes are undone
                before = _snapshot()
                response = getattr(client, method)(url)
                after = _snapshot()
                transaction.set_rollback(True)
            what = f"{persona} {method.upper()} {url} ({name})"
            if outcome(response) not in allowed:
                failures.append(f"{what}: {outcome(response)}, expected one of {allowed}")
            if after != before:
                failures.append(f"{what}: changed data ({before} -> {after})")
    assert not failures, "\n".join(failures)
