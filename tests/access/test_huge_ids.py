"""An id too large for the database is not found (404 or the API's 404), never a 500; a
damaged OneRoster ZIP is a clear error, never a 500."""

import io
import re
import zipfile

import pytest
from django.test import Client
from django.urls import get_resolver
from django.utils import translation

from consentry.api.models import ApiToken
from consentry.roster.oneroster import read_zip
from consentry.roster.records import Roster
from tests.access.test_every_url import _walk
from tests.roster import builders as b

HUGE = "10000000000000000000"  # 10**19: beyond a signed 64-bit integer


def _staff(user) -> Client:
    client = Client(headers={"accept-language": "en"}, raise_request_exception=False)
    client.force_login(user)
    return client


def _with_huge_ids(route: str) -> str | None:
    """The route with every id in it made huge; None for routes without an id."""
    if "<id:" not in route:
        return None
    path = re.sub(r"<id:\w+>", HUGE, route)
    return "/" + re.sub(r"<\w+:\w+>|<\w+>", "x", path).lstrip("^").rstrip("$")


def test_every_url_with_a_huge_id_is_not_found(world):
    routes = [url for route, _name in _walk(get_resolver()) if (url := _with_huge_ids(route))]
    assert len(routes) > 40 and "/schools/" + HUGE + "/leaflet/" in routes
    for user in (world.leadership, world.parent):
        client = _staff(user)
        for url in routes:
            assert client.get(url).status_code == 404, url
            assert client.post(url).status_code in (404, 405), url
    assert Client().get(f"/breaches/report/{HUGE}/received/").status_code == 404


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("get", f"/api/v1/pupils/{HUGE}", None),
        ("get", f"/api/v1/groups/{HUGE}/pupils", None),
        ("post", "/api/v1/check", {"category": 4, "pupil_ids": [int(HUGE)]}),
    ],
)
def test_the_api_answers_a_huge_id_with_404(world, method, path, body):
    token = ApiToken.issue(world.school, "website")[1]
    client = Client(headers={"Authorization": f"Bearer {token}"}, raise_request_exception=False)
    if body is None:
        response = client.get(path)
    else:
        response = client.post(path, body, content_type="application/json")
    assert response.status_code == 404
    if body is not None:
        assert response.json() == {"detail": f"Unknown pupil(s): {HUGE}."}


def _lying_crc(zipped: bytes) -> bytes:
    """The same ZIP, with users.csv's stored CRC-32 changed (in both headers)."""
    archive = zipfile.ZipFile(io.BytesIO(zipped))
    crc = archive.getinfo("users.csv").CRC.to_bytes(4, "little")
    assert zipped.count(crc) == 2
    return zipped.replace(crc, bytes(4 - i for i in range(4)))


def test_a_oneroster_zip_with_a_lying_checksum_is_a_clear_error():
    from tests.roster.test_oneroster import small

    roster = Roster("oneroster", "", "x.zip")
    with translation.override("en"):  # the English source text; the Dutch is in the catalogue
        assert read_zip(_lying_crc(b.zipped(small())), "x.zip", roster) == {}
    assert roster.errors[0].message == "the ZIP archive is damaged: users.csv cannot be read"
