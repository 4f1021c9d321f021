"""Who is who: the tagging page, its checks and its audit entries."""

import pytest
from django.test import Client
from django.urls import reverse

from consentry.audit.models import AuditEntry
from consentry.photos.models import Face
from tests.photos.helpers import make_photo
from tests.world import make_pupil


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_page_shows_numbered_boxes_and_the_groups_names_sorted(world):
    make_pupil(world.school, world.group, "1003", "Anna")
    photo = make_photo(world)
    face = photo.faces.get()
    response = _client(world.teacher).get(reverse("photo_tag", args=[photo.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'viewBox="0 0 {photo.width} {photo.height}"' in page
    assert f'<rect x="{face.x}" y="{face.y}" width="{face.w}" height="{face.h}"/>' in page
    assert page.index("Anna Test") < page.index("Emma Test")
    assert "Noah" not in page  # another group
    assert "style=" not in page


def test_tagging_a_face_as_a_pupil_is_stored_and_audited_with_ids_only(world):
    photo = make_photo(world)
    face = photo.faces.get()
    url = reverse("photo_tag", args=[photo.pk])
    response = _client(world.teacher).post(url, {f"face-{face.pk}": world.emma.pk}, follow=True)
    assert _messages(response) == ["Saved."]
    face.refresh_from_db()
    assert (face.kind, face.pupil_id) == (Face.Kind.PUPIL, world.emma.pk)
    entry = AuditEntry.objects.get(action="photo.tagged")
    assert entry.data == {"faces": [face.pk], "pupils": [world.emma.pk]}


@pytest.mark.parametrize(
    ("value", "kind", "consents"),
    [
        ("adult", Face.Kind.ADULT, False),
        ("adult-consents", Face.Kind.ADULT, True),
        ("unknown", Face.Kind.UNKNOWN, False),
        ("", Face.Kind.UNTAGGED, False),
    ],
)
def test_adults_and_unknown_faces(world, value, kind, consents):
    photo = make_photo(world)
    face = photo.faces.get()
    face.kind = Face.Kind.PUPIL
    face.pupil = world.emma
    face.save()
    _client(world.teacher).post(reverse("photo_tag", args=[photo.pk]), {f"face-{face.pk}": value})
    face.refresh_from_db()
    assert (face.kind, face.pupil_id, face.consents) == (kind, None, consents)


def test_a_pupil_is_tagged_at_most_once_per_photo(world):
    photo = make_photo(world)
    first = photo.faces.get()
    second = Face.objects.create(photo=photo, x=1, y=1, w=20, h=20, source="manual")
    body = {f"face-{first.pk}": world.emma.pk, f"face-{second.pk}": world.emma.pk}
    url = reverse("photo_tag", args=[photo.pk])
    response = _client(world.teacher).post(url, body, follow=True)
    assert _messages(response) == ["A pupil can be tagged only once in a photo."]
    assert not photo.faces.exclude(kind=Face.Kind.UNTAGGED).exists()


def test_tampered_tags_change_nothing(world):
    photo = make_photo(world)
    other = make_photo(world, group=world.other_group)
    face, foreign = photo.faces.get(), other.faces.get()
    client = _client(world.teacher)
    url = reverse("photo_tag", args=[photo.pk])
    wrong_face = client.post(url, {f"face-{foreign.pk}": "unknown"}, follow=True)
    assert _messages(wrong_face) == ["A face is not one of this photo's faces. Reload the page."]
    for pupil in (world.noah, world.other_pupil):
        wrong_pupil = client.post(url, {f"face-{face.pk}": pupil.pk}, follow=True)
        assert _messages(wrong_pupil) == [
            "Choose a pupil of this group, an adult or unknown for each face."
        ]
    assert not Face.objects.exclude(kind=Face.Kind.UNTAGGED).exists()
    assert not AuditEntry.objects.filter(action="photo.tagged").exists()


def test_save_and_next_goes_to_the_next_untagged_photo(world):
    later_done, untagged, current = make_photo(world), make_photo(world), make_photo(world)
    later_done.faces.update(kind=Face.Kind.UNKNOWN)
    face = current.faces.get()
    url = reverse("photo_tag", args=[current.pk])
    response = _client(world.teacher).post(url, {f"face-{face.pk}": "unknown", "next": "1"})
    assert response["Location"] == reverse("photo_tag", args=[untagged.pk])


def test_a_missed_face_is_added_inside_the_photo_only(world):
    photo = make_photo(world)
    client = _client(world.teacher)
    url = reverse("photo_add_face", args=[photo.pk])
    ok = client.post(url, {"x": 10, "y": 20, "w": 30, "h": 40}, follow=True)
    assert _messages(ok) == ["The face was added."]
    added = photo.faces.get(source=Face.Source.MANUAL)
    assert (added.x, added.y, added.w, added.h, added.kind) == (10, 20, 30, 40, "untagged")
    outside = client.post(url, {"x": 500, "y": 20, "w": 30, "h": 40}, follow=True)
    assert _messages(outside) == ["The box must lie inside the photo (512 × 512 pixels)."]
    garbage = client.post(url, {"x": "-1", "y": "a", "w": 0, "h": 40}, follow=True)
    assert _messages(garbage) == ["Give the box as four whole numbers of pixels."]
    assert photo.faces.filter(source=Face.Source.MANUAL).count() == 1


def test_the_privacy_officer_sees_but_does_not_tag(world):
    photo = make_photo(world)
    face = photo.faces.get()
    client = _client(world.privacy_officer)
    assert client.get(reverse("photo_tag", args=[photo.pk])).status_code == 200
    url = reverse("photo_tag", args=[photo.pk])
    assert client.post(url, {f"face-{face.pk}": "unknown"}).status_code == 403


def test_the_preview_is_a_small_jpeg_never_cached(world):
    photo = make_photo(world)
    response = _client(world.teacher).get(reverse("photo_preview", args=[photo.pk]))
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"\xff\xd8")
