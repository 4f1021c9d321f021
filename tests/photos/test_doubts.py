"""Fail safe: a photo the detector was unsure of is never published before someone has
looked at every face by eye, on "Who is who", and said so."""

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from consentry.audit.models import AuditEntry
from consentry.photos.models import Face, Photo, Publication
from consentry.photos.services import detect, retry_detection
from tests.photos.helpers import astronaut, astronaut_jpeg, encode, make_photo


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def panorama_jpeg() -> bytes:
    """4400 x 600 px: even at half size (the least the detector shrinks a photo) it is
    wider than one detection tile, so it is searched in parts."""
    canvas = np.full((600, 4400, 3), 120, dtype=np.uint8)
    canvas[40:552, 2000:2512] = astronaut()
    return encode(canvas, "JPEG", quality=90)


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_very_large_photo_waits_for_a_check_by_eye_before_it_is_published(world):
    photo = make_photo(world, panorama_jpeg())
    photo.refresh_from_db()
    assert (photo.status, photo.doubts, photo.needs_check) == ("ready", "very_large", True)
    assert photo.faces.filter(x__gte=2000, x__lt=2512).exists()  # the face was still found
    client = _client(world.teacher)

    tag_page = client.get(reverse("photo_tag", args=[photo.pk])).content.decode()
    assert "Look at every face by eye" in tag_page
    assert "The photo is very large and was searched in parts." in tag_page
    review = client.get(reverse("photo_review", args=[photo.pk])).content.decode()
    assert "The detector was unsure about this photo" in review
    assert ">Publish</button>" not in review

    refused = client.post(reverse("photo_review", args=[photo.pk]), {"audience": "2"}, follow=True)
    assert _messages(refused)[0].startswith("The detector was unsure about this photo.")
    assert not Publication.objects.exists()

    checked = client.post(reverse("photo_checked", args=[photo.pk]), follow=True)
    assert _messages(checked) == ["Thank you: the photo can now be published."]
    photo.refresh_from_db()
    assert (photo.checked_by, photo.needs_check) == (world.teacher, False)
    entry = AuditEntry.objects.get(action="photo.faces_checked")
    assert (entry.actor_id, entry.data["doubts"]) == (world.teacher.pk, "very_large")
    assert "Every face was checked by eye by" in checked.content.decode()

    published = client.post(
        reverse("photo_review", args=[photo.pk]), {"audience": "2"}, follow=True
    )
    assert _messages(published) == ["Published."]
    assert Publication.objects.count() == 1


def test_detecting_again_asks_for_a_new_check(world):
    photo = make_photo(world, panorama_jpeg())
    _client(world.teacher).post(reverse("photo_checked", args=[photo.pk]))
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.FAILED, error="damaged")
    assert retry_detection(Photo.objects.get(pk=photo.pk), actor=world.teacher)
    detect(photo.pk)  # what the worker does (test settings run jobs at once)
    photo.refresh_from_db()
    assert (photo.status, photo.needs_check, photo.checked_at) == ("ready", True, None)


def test_an_ordinary_photo_needs_no_check(world):
    photo = make_photo(world, astronaut_jpeg())
    photo.refresh_from_db()
    assert (photo.doubts, photo.needs_check) == ("", False)
    photo.faces.update(kind=Face.Kind.UNKNOWN)
    response = _client(world.teacher).post(
        reverse("photo_review", args=[photo.pk]), {"audience": "2"}, follow=True
    )
    assert _messages(response) == ["Published."]


def test_only_those_who_may_tag_can_confirm(world):
    photo = make_photo(world, panorama_jpeg())
    response = _client(world.privacy_officer).post(reverse("photo_checked", args=[photo.pk]))
    assert response.status_code == 403
    photo.refresh_from_db()
    assert photo.needs_check
    assert not AuditEntry.objects.filter(action="photo.faces_checked").exists()
