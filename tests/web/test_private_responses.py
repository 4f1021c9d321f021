"""What a browser or a proxy may keep: nothing of what a signed-in person or the API is shown,
and no personal data in cookies."""

import pytest
from django.test import Client
from django.urls import get_resolver

from consentry.api.models import ApiToken
from tests.access.test_every_url import _reverse, _url_kwargs, _walk
from tests.world import make_leaflet


def never_stored(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


@pytest.mark.parametrize("persona", ["leadership", "parent"])
def test_every_response_to_a_signed_in_person_is_never_stored(world, persona):
    """Every URL pattern, whatever the answer (a page, an export, a redirect, a 404)."""
    client = Client()
    client.force_login(getattr(world, persona))
    kwargs = _url_kwargs(world, make_leaflet(world.school, label="versie 2027"))
    for _route, name in _walk(get_resolver()):
        response = client.get(_reverse(name, kwargs))
        assert never_stored(response), (name, response.status_code, response.get("Cache-Control"))


def test_an_export_download_is_never_stored(world):
    client = Client()
    client.force_login(world.parent)
    response = client.get(f"/pupils/{world.emma.pk}/data.json")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert never_stored(response)


def test_every_api_response_is_never_stored_whoever_asks(world):
    token = ApiToken.issue(world.school, "photo gate")[1]
    with_token = Client(headers={"Authorization": f"Bearer {token}"})
    assert never_stored(with_token.get("/api/v1/groups"))
    assert never_stored(with_token.get(f"/api/v1/pupils/{world.emma.pk}"))
    anonymous = Client().get("/api/v1/groups")
    assert anonymous.status_code == 401 and never_stored(anonymous)
    assert never_stored(Client().get("/api/v1/no-such-thing"))


def test_public_pages_stay_cacheable_for_visitors(world):
    """(allauth marks its sign-in pages never_cache itself.)"""
    for path in (
        f"/breaches/report/{world.school.pk}/",
        f"/schools/{world.school.pk}/leaflet/",
    ):
        response = Client().get(path)
        assert response.status_code == 200, path
        assert "no-store" not in response.get("Cache-Control", ""), path


def test_messages_stay_on_the_server_not_in_a_cookie(world):
    """A message names the child ("Every guardian of Emma ... gets a receipt")."""
    client = Client()
    client.force_login(world.parent)
    response = client.post(f"/pupils/{world.emma.pk}/", {"category_4": "yes"})
    assert response.status_code == 302
    assert "messages" not in response.cookies
    assert world.emma.full_name in client.get(response["Location"]).text
