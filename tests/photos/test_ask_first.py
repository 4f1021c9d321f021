"""Ask first: a parent asks to share their photo outside, the teacher tags it and sends the
question to the parents of the tagged pupils, and the asking parent gets a version in which
only the children whose parents said yes are recognisable; a later "no" takes it down."""

import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from consentry.adhoc.models import ConsentRequest
from consentry.adhoc.services import answer
from consentry.audit.models import AuditEntry
from consentry.consent.services import set_never_flag
from consentry.mail.models import OutgoingMail
from consentry.photos import parent_photos, storage
from consentry.photos.models import Publication, ShareRequest, TakeDown
from consentry.photos.publishing import read_rendition
from tests.photos.helpers import make_photo
from tests.photos.parent_helpers import (
    add_classmates,
    faces_in_reading_order,
    four_faces_jpeg,
    parent_upload,
    send,
    tag,
)
from tests.photos.test_gate import _sharpness


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def classmates(world):
    return add_classmates(world)


@pytest.fixture
def photo(world, classmates):
    """The parent's photo of four faces: Emma, Mila, Bram and someone unknown."""
    photo = parent_upload(world, four_faces_jpeg())
    tag(
        world,
        photo,
        str(world.emma.pk),
        str(classmates.mila.pk),
        str(classmates.bram.pk),
        "unknown",
    )
    return photo


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _boxes(photo) -> list[tuple[int, int, int, int]]:
    return [(f.x, f.y, f.w, f.h) for f in faces_in_reading_order(photo)]


def _sharp(jpeg: bytes, photo) -> list[bool]:
    """Per face in reading order: still as sharp as in the original (not blurred)."""
    return [_sharpness(jpeg, box) > _sharpness(four_faces_jpeg(), box) / 3 for box in _boxes(photo)]


def _ask(world, photo, where="the family app", client=None):
    client = client or _client(world.parent)
    return client.post(reverse("my_photo_share", args=[photo.pk]), {"where": where})


def _send_page(client, share, **changes):
    body = {
        "purpose": "Sharing a trip photo: the family app",
        "description": "A parent asks first.",
        "deadline": (timezone.localdate() + timedelta(days=7)).isoformat(),
        **changes,
    }
    return client.post(reverse("photo_share", args=[share.pk]), body)


def test_the_parent_asks_and_the_teacher_sends_the_question_to_the_tagged_pupils_parents(
    world, classmates, photo
):
    assert _ask(world, photo).status_code == 302
    share = ShareRequest.objects.get()
    assert (share.photo, share.asked_by, share.status) == (photo, world.parent, "asked")
    mine = _client(world.parent).get(reverse("my_photos")).content.decode()
    assert "You asked to share it (the family app)" in mine

    teacher = _client(world.teacher)
    queue = teacher.get(reverse("photos_group", args=[world.group.pk])).content.decode()
    assert "Parents ask to share a photo" in queue
    assert "Parent of Emma would like to share it (the family app)." in queue
    page = teacher.get(reverse("photo_share", args=[share.pk])).content.decode()
    for name in ("Emma Test", "Mila Test", "Bram Test"):
        assert f"<li>{name}</li>" in page
    assert "Sharing a trip photo: the family app" in page  # the question, for her to change

    response = _send_page(teacher, share, purpose="May we share the zoo photo?")
    assert response.status_code == 302
    share.refresh_from_db()
    asked = share.consent_request
    assert share.status == "sent" and asked.status == ConsentRequest.Status.OPEN
    assert (asked.purpose, asked.created_by) == ("May we share the zoo photo?", world.teacher)
    assert set(asked.pupils.all()) == {world.emma, classmates.mila, classmates.bram}
    recipients = set(OutgoingMail.objects.values_list("recipient__email", flat=True))
    assert recipients == {
        world.parent.email,
        world.other_parent.email,
        classmates.mila_parent.email,
        classmates.bram_parent.email,
    }
    assert AuditEntry.objects.filter(action="photo.share_sent").count() == 1

    # Mila's parent sees the question on their page, with the photo every face blurred.
    mila_parent = _client(classmates.mila_parent)
    assert "May we share the zoo photo?" in mila_parent.get(reverse("children")).content.decode()
    served = mila_parent.get(reverse("consent_request_preview", args=[asked.pk]))
    preview = b"".join(served.streaming_content)
    small = Image.open(io.BytesIO(preview))
    assert small.format == "JPEG" and not small.getexif()
    scale = small.width / photo.width
    original = Image.open(io.BytesIO(four_faces_jpeg())).resize(small.size)
    plain = io.BytesIO()
    original.save(plain, "JPEG", quality=95)
    for x, y, w, h in _boxes(photo):
        box = tuple(round(v * scale) for v in (x, y, w, h))
        assert _sharpness(preview, box) < _sharpness(plain.getvalue(), box) / 10


def test_the_asking_parent_gets_a_version_with_only_the_consenting_children(
    world, classmates, photo
):
    _ask(world, photo)
    share = ShareRequest.objects.get()
    send(world, share)
    share.refresh_from_db()
    answer(world.parent, share.consent_request, world.emma, True)
    answer(classmates.mila_parent, share.consent_request, classmates.mila, True)
    answer(classmates.bram_parent, share.consent_request, classmates.bram, False)

    parent = _client(world.parent)
    page = parent.get(reverse("my_photos")).content.decode()
    assert "The parents of 3 children were asked" in page
    assert "So far 2 children may be recognisable" in page
    download = reverse("photo_share_download", args=[share.pk])
    assert parent.get(download).status_code == 404  # nothing made yet
    assert parent.post(reverse("photo_share_release", args=[share.pk])).status_code == 302
    response = parent.get(download)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith('attachment; filename="photo-')
    assert not Image.open(io.BytesIO(response.content)).getexif()
    assert _sharp(response.content, photo) == [True, True, False, False]  # Bram, unknown

    release = Publication.objects.get()
    assert (release.consent_request, release.published_by) == (share.consent_request, world.parent)
    assert {e["pupil_id"] for e in release.snapshot if e["visible"]} == {
        world.emma.pk,
        classmates.mila.pk,
    }
    assert AuditEntry.objects.filter(action="photo.released").count() == 1
    # The same answers make no new version.
    parent.post(reverse("photo_share_release", args=[share.pk]))
    assert Publication.objects.count() == 1


def test_a_new_yes_makes_a_new_version_that_replaces_the_old_one(
    world, classmates, photo, after_commit
):
    _ask(world, photo)
    share = ShareRequest.objects.get()
    send(world, share)
    share.refresh_from_db()
    answer(world.parent, share.consent_request, world.emma, True)
    first = parent_photos.release(share, world.parent)
    assert _sharp(read_rendition(first), photo) == [True, False, False, False]
    answer(classmates.mila_parent, share.consent_request, classmates.mila, True)
    with after_commit():
        second = parent_photos.release(share, world.parent)
    assert second != first and parent_photos.current_release(share) == second
    first.refresh_from_db()
    assert first.withdrawn_at is not None and not storage.storage().exists(first.storage_name)
    assert _sharp(read_rendition(second), photo) == [True, True, False, False]


def test_a_later_no_takes_the_shared_version_down_and_asks_the_parent_to_remove_it(
    world, classmates, photo, after_commit
):
    world.parent.preferred_language = "en"
    world.parent.save(update_fields=["preferred_language"])
    _ask(world, photo)
    share = ShareRequest.objects.get()
    send(world, share)
    share.refresh_from_db()
    for guardian, pupil in ((world.parent, world.emma), (classmates.mila_parent, classmates.mila)):
        answer(guardian, share.consent_request, pupil, True)
    shared = parent_photos.release(share, world.parent)

    with after_commit():
        answer(classmates.mila_parent, share.consent_request, classmates.mila, False)
    takedown = TakeDown.objects.get()
    assert (takedown.publication, takedown.kind, takedown.status) == (shared, "external", "open")
    shared.refresh_from_db()
    assert shared.withdrawn_at is not None  # Consentry no longer serves it
    parent = _client(world.parent)
    served = parent.get(reverse("photo_share_download", args=[share.pk])).content
    assert _sharp(served, photo) == [True, False, False, False]  # Mila blurred now
    mail = OutgoingMail.objects.get(recipient=world.parent, subject__startswith="Remove")
    assert f"/takedowns/{takedown.pk}/" in mail.body and "Mila" not in mail.body

    page = parent.get(reverse("my_photos")).content.decode()
    assert "A child may no longer be shown in a version you downloaded." in page
    assert parent.post(reverse("takedown_confirm", args=[takedown.pk])).status_code == 302
    takedown.refresh_from_db()
    assert (takedown.status, takedown.done_by) == ("done", world.parent)
    assert "A child may no longer be shown" not in parent.get(reverse("my_photos")).content.decode()


def test_every_face_must_be_tagged_before_the_question_is_sent(world, classmates):
    photo = parent_upload(world, four_faces_jpeg())
    tag(world, photo, str(world.emma.pk), "", "", "")  # three faces not tagged yet
    _ask(world, photo)
    share = ShareRequest.objects.get()
    teacher = _client(world.teacher)
    page = teacher.get(reverse("photo_share", args=[share.pk])).content.decode()
    assert "Say who is who for every face first." in page
    assert "Send the question" not in page
    response = _send_page(teacher, share)
    shown = [str(m) for m in teacher.get(response["Location"]).context["messages"]]
    assert shown == ["Say who is who for every face first."]
    assert not ConsentRequest.objects.exists()
    share.refresh_from_db()
    assert share.status == "asked"


def test_a_never_photographed_pupil_is_not_asked_and_stays_blurred(world, classmates, photo):
    set_never_flag(world.leadership, classmates.bram, active=True, reason="Safeguarding.")
    _ask(world, photo)
    share = ShareRequest.objects.get()
    send(world, share)
    share.refresh_from_db()
    assert set(share.consent_request.pupils.all()) == {world.emma, classmates.mila}
    assert not OutgoingMail.objects.filter(recipient=classmates.bram_parent).exists()
    answer(world.parent, share.consent_request, world.emma, True)
    released = parent_photos.release(share, world.parent)
    assert _sharp(read_rendition(released), photo) == [True, False, False, False]


def test_the_question_is_sent_once(world, classmates, photo):
    _ask(world, photo)
    share = ShareRequest.objects.get()
    teacher = _client(world.teacher)
    _send_page(teacher, share)
    response = _send_page(teacher, share)
    shown = [str(m) for m in teacher.get(response["Location"]).context["messages"]]
    assert shown[-1] == "This question has already been decided."
    assert ConsentRequest.objects.count() == 1


def test_the_teacher_declines_and_the_parent_sees_why_and_may_ask_again(world, classmates, photo):
    _ask(world, photo)
    share = ShareRequest.objects.get()
    teacher = _client(world.teacher)
    url = reverse("photo_share_decline", args=[share.pk])
    assert teacher.post(url, {"note": "Too many children in it."}).status_code == 302
    share.refresh_from_db()
    assert (share.status, share.decided_by, share.note) == (
        "declined",
        world.teacher,
        "Too many children in it.",
    )
    page = _client(world.parent).get(reverse("my_photos")).content.decode()
    assert "The teacher did not ask the other parents. Too many children in it." in page
    _ask(world, photo, where="a photo book")
    assert ShareRequest.objects.filter(status="asked", where="a photo book").exists()
    assert not ConsentRequest.objects.exists()


def test_a_parent_asks_one_question_at_a_time_and_only_about_their_own_photo(
    world, classmates, photo
):
    parent = _client(world.parent)
    _ask(world, photo, client=parent)
    response = _ask(world, photo, where="again", client=parent)
    shown = [str(m) for m in parent.get(response["Location"]).context["messages"]]
    assert shown[-1] == "You have already asked to share this photo."
    other = _client(world.other_parent)
    assert other.get(reverse("my_photo_share", args=[photo.pk])).status_code == 404
    assert other.post(reverse("my_photo_share", args=[photo.pk]), {"where": "x"}).status_code == 404
    teachers = make_photo(world)
    assert _ask(world, teachers).status_code == 404
    assert ShareRequest.objects.count() == 1


def test_only_the_asking_parent_makes_and_downloads_the_version(world, classmates, photo):
    _ask(world, photo)
    share = ShareRequest.objects.get()
    send(world, share)
    parent_photos.release(ShareRequest.objects.get(), world.parent)
    for user in (world.other_parent, classmates.mila_parent, world.teacher, world.leadership):
        client = _client(user)
        assert client.get(reverse("photo_share_download", args=[share.pk])).status_code == 404
        assert client.post(reverse("photo_share_release", args=[share.pk])).status_code == 404
    assert (
        _client(world.parent).get(reverse("photo_share_download", args=[share.pk])).status_code
        == 200
    )


def test_only_staff_who_change_the_groups_photos_send_or_decline(world, classmates, photo):
    _ask(world, photo)
    share = ShareRequest.objects.get()
    page = reverse("photo_share", args=[share.pk])
    decline = reverse("photo_share_decline", args=[share.pk])
    for user, seen, change in (
        (world.privacy_officer, 200, 403),
        (world.other_teacher, 404, 404),
        (world.parent, 404, 404),
        (world.other_leadership, 404, 404),
    ):
        client = _client(user)
        assert client.get(page).status_code == seen, user
        assert _send_page(client, share).status_code == change, user
        assert client.post(decline).status_code == change, user
    share.refresh_from_db()
    assert share.status == "asked" and not ConsentRequest.objects.exists()
    assert "Send the question" not in _client(world.privacy_officer).get(page).content.decode()


def test_the_new_pages_keep_the_markup_rules(world, classmates, photo):
    _ask(world, photo)
    share = ShareRequest.objects.get()
    pages = [
        (world.parent, reverse("my_photos")),
        (world.parent, reverse("my_photo_share", args=[photo.pk])),
        (world.teacher, reverse("photo_share", args=[share.pk])),
    ]
    send(world, share)
    pages.append((world.teacher, reverse("photo_share", args=[share.pk])))
    for user, url in pages:
        html = _client(user).get(url).content.decode()
        assert len(re.findall(r"<h1[ >]", html)) == 1, url
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        for label_for in re.findall(r'<label for="([^"]+)"', html):
            assert f'id="{label_for}"' in html, f"{url}: label for a missing field: {label_for}"
