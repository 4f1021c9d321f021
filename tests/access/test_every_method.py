"""DELETE, PATCH, PUT and TRACE on every URL pattern: no page answers them.

Each view answers the methods it was written for (`require_GET`, `require_POST`,
`require_http_methods`; the sign-in pages GET and POST) and 405 to the rest. Where a rule
answers before the view does (sign in first, the API's 401, a 403 or 404 for what is not
yours, allauth sending signed-in people home) that answer may come instead, but never a
200 and never a change. Where the persona would be shown the page (a 200 for GET in
test_every_url.EXPECTED), only 405 will do.

The personas are those who together are shown every page.
"""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import get_resolver

from tests.access.test_every_url import EXPECTED, _reverse, _snapshot, _url_kwargs, _walk
from tests.world import make_leaflet

METHODS = ("delete", "patch", "put", "trace")
RULES_FIRST = {302, 401, 403, 404, 405}


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
        allowed = {405} if EXPECTED.get((name, "GET"), {}).get(persona) == 200 else RULES_FIRST
        for method in METHODS:
            with transaction.atomic():  # each request's changes are undone
                before = _snapshot()
                response = getattr(client, method)(url)
                after = _snapshot()
                transaction.set_rollback(True)
            what = f"{persona} {method.upper()} {url} ({name})"
            if response.status_code not in allowed:
                failures.append(f"{what}: {response.status_code}, expected one of {allowed}")
            if after != before:
                failures.append(f"{what}: changed data ({before} -> {after})")
    assert not failures, "\n".join(failures)
