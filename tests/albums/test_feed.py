"""The public feed: only what the leadership released, gone at once when consent lapses, by
addresses that cannot be guessed and that stop working, and never a pupil's name."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from consentry.albums import feed
from consentry.albums.models import FeedRelease
from consentry.audit.models import AuditEntry
from consentry.consent.services import decide
from consentry.photos import takedowns
from consentry.photos.models import Publication
from consentry.photos.publishing import publish
from tests.albums.helpers import client_of, emma_consents, photo_of_emma, published_of_emma


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _feed_images(school_id: int) -> list[str]:
    page = client_of(None).get(reverse("public_feed", args=[school_id])).content.decode()
    return re.findall(r'<img src="http://testserver(/feed/images/[\w-]+\.jpg)"', page)


def _release(world, publication):
    url = reverse("feed_releases", args=[world.school.pk])
    return client_of(world.leadership).post(url, {"publication": publication.pk})


def test_the_feed_shows_only_the_released_public_photos(world):
    released = published_of_emma(world, 4)
    published_of_emma(world, 4)  # published for the public, not released
    published_of_emma(world, 3)  # the school, not public
    assert _feed_images(world.school.pk) == []

    assert _release(world, released).status_code == 302
    release = FeedRelease.objects.get()
    assert _feed_images(world.school.pk) == [f"/feed/images/{release.token}.jpg"]
    entry = AuditEntry.objects.get(action="albums.feed.released")
    assert entry.actor_id == world.leadership.pk and entry.data["publication"] == released.pk


def test_the_image_address_is_a_token_not_an_id(world):
    release = feed.release(published_of_emma(world, 4), school=world.school, actor=world.leadership)
    assert len(release.token) >= 40  # 256 random bits, URL-safe
    other = feed.release(published_of_emma(world, 4), school=world.school, actor=world.leadership)
    assert other.token != release.token
    anyone = client_of(None)
    response = anyone.get(reverse("public_feed_image", args=[release.token]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "no-store"
    assert b"Exif" not in response.content and b"Album test camera" not in response.content
    guessed = release.token[:-1] + ("A" if release.token[-1] != "A" else "B")
    assert anyone.get(reverse("public_feed_image", args=[guessed])).status_code == 404


def test_a_withdrawal_removes_the_image_from_the_feed_at_once(world):
    publication = published_of_emma(world, 4)
    release = feed.release(publication, school=world.school, actor=world.leadership)
    image = reverse("public_feed_image", args=[release.token])
    decide(world.other_parent, world.emma, {4: False})  # the take-down has not run yet

    assert Publication.objects.get(pk=publication.pk).withdrawn_at is None
    assert _feed_images(world.school.pk) == []
    assert client_of(None).get(image).status_code == 404
    json_feed = client_of(None).get(reverse("public_feed_json", args=[world.school.pk])).json()
    assert json_feed["items"] == []

    # The take-down replaces it with Emma hidden; nobody released that one for the public.
    takedowns.take_down_for_pupil(world.emma.pk)
    assert _feed_images(world.school.pk) == []
    assert client_of(None).get(image).status_code == 404
    page = client_of(world.leadership).get(reverse("feed_releases", args=[world.school.pk]))
    assert "Released, but taken down" in page.content.decode()
    decide(world.other_parent, world.emma, {4: True})  # a yes again does not bring it back
    assert client_of(None).get(image).status_code == 404


def test_retracting_stops_the_address_at_once(world):
    release = feed.release(published_of_emma(world, 4), school=world.school, actor=world.leadership)
    image = reverse("public_feed_image", args=[release.token])
    assert client_of(None).get(image).status_code == 200
    url = reverse("feed_release_retract", args=[release.pk])
    assert client_of(world.teacher).post(url).status_code == 404  # only the leadership
    assert client_of(world.leadership).post(url).status_code == 302
    assert client_of(None).get(image).status_code == 404
    assert _feed_images(world.school.pk) == []
    assert AuditEntry.objects.filter(action="albums.feed.retracted").count() == 1


def test_only_public_photos_that_may_be_shown_can_be_released(world):
    school_photo = published_of_emma(world, 3)
    with pytest.raises(feed.ReleaseError):
        feed.release(school_photo, school=world.school, actor=world.leadership)
    public = published_of_emma(world, 4)
    decide(world.parent, world.emma, {4: False})
    with pytest.raises(feed.ReleaseError):
        feed.release(public, school=world.school, actor=world.leadership)
    with pytest.raises(feed.ReleaseError):
        feed.release(public, school=world.other_school, actor=world.other_leadership)
    url = reverse("feed_releases", args=[world.other_school.pk])
    other = client_of(world.other_leadership).post(url, {"publication": public.pk})
    assert other.status_code == 404
    assert not FeedRelease.objects.exists()


def test_releasing_twice_is_refused(world):
    public = published_of_emma(world, 4)
    feed.release(public, school=world.school, actor=world.leadership)
    with pytest.raises(feed.ReleaseError):
        feed.release(public, school=world.school, actor=world.leadership)
    assert FeedRelease.objects.count() == 1


def test_rss_and_json_feed_carry_the_images_and_no_names(world):
    emma_consents(world, 4)
    photo = photo_of_emma(world, name="emma-test-birthday.jpg")
    release = feed.release(
        publish(photo, 4, "blur", actor=world.teacher), school=world.school, actor=world.leadership
    )
    anyone = client_of(None)
    image = f"http://testserver/feed/images/{release.token}.jpg"

    rss = anyone.get(reverse("public_feed_rss", args=[world.school.pk]))
    assert rss["Content-Type"].startswith("application/rss+xml")
    assert rss["Access-Control-Allow-Origin"] == "*" and rss["Cache-Control"] == "no-store"
    channel = ET.fromstring(rss.content).find("channel")
    assert channel is not None
    [item] = channel.findall("item")
    enclosure = item.find("enclosure")
    assert enclosure is not None and enclosure.get("url") == image
    assert enclosure.get("type") == "image/jpeg"

    feed_json = anyone.get(reverse("public_feed_json", args=[world.school.pk]))
    assert feed_json["Content-Type"].startswith("application/feed+json")
    body = json.loads(feed_json.content)
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    assert [i["image"] for i in body["items"]] == [image]
    assert body["items"][0]["title"].startswith("Photo from De Test-Loofhut")

    page = anyone.get(reverse("public_feed", args=[world.school.pk]))
    for response in (rss, feed_json, page):
        text = response.content.decode()
        for secret in ("Emma", "emma-test-birthday", "Teacher of Zon", world.teacher.email):
            assert secret not in text


def test_a_feed_of_a_school_that_does_not_exist_is_not_found(world):
    assert client_of(None).get(reverse("public_feed", args=[999999])).status_code == 404
