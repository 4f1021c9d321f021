"""Parents' own photos: a guardian uploads into the group's queue, the teacher sees it marked
as from a parent, and the guardian sees only their own uploads (never another child's face)."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from consentry.audit.models import AuditEntry
from consentry.consent.services import decide
from consentry.photos import parent_photos
from consentry.photos.models import Face, Photo
from consentry.photos.publishing import publish
from consentry.photos.services import read_original
from tests.photos.helpers import astronaut_jpeg, make_photo, small_jpeg, upload
from tests.photos.parent_helpers import parent_upload
from tests.photos.test_gate import _sharpness


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _post_photos(client, group, *files):
    return client.post(reverse("my_photos"), {"group": str(group.pk), "photos": list(files)})


def test_a_parents_upload_reaches_the_teachers_queue_marked_as_from_a_parent(world):
    parent = _client(world.parent)
    page = parent.get(reverse("children")).content.decode()
    assert 'href="/my-photos/"' in page  # "Share trip photos with the school"
    form = parent.get(reverse("my_photos")).content.decode()
    assert f'<option value="{world.group.pk}">Zon (Emma)</option>' in form

    response = _post_photos(parent, world.group, upload(astronaut_jpeg(), "zoo.jpg"))
    assert response.status_code == 302
    photo = Photo.objects.get()
    assert (photo.group, photo.uploaded_by, photo.from_guardian) == (
        world.group,
        world.parent,
        True,
    )
    assert read_original(photo) == astronaut_jpeg()  # stored whole, encrypted
    assert photo.status == Photo.Status.READY and photo.faces.count() == 1  # the same gate
    entry = AuditEntry.objects.get(action="photo.uploaded")
    assert entry.data["from_guardian"] is True

    queue = _client(world.teacher).get(reverse("photos_group", args=[world.group.pk]))
    assert "From a parent: Parent of Emma" in queue.content.decode()
    teachers_own = make_photo(world, small_jpeg())
    queue = _client(world.teacher).get(reverse("photos_group", args=[world.group.pk]))
    assert queue.content.decode().count("From a parent") == 1
    assert not teachers_own.from_guardian


def test_a_parent_uploads_only_to_the_groups_of_their_children(world):
    for user, group in (
        (world.parent, world.other_group),  # Noah's group, not Emma's
        (world.another_parent, world.group),
        (world.teacher, world.group),  # staff upload on the group's own page
        (world.other_leadership, world.group),
    ):
        response = _post_photos(_client(user), group, upload(small_jpeg()))
        assert response.status_code == 404, user
    assert not Photo.objects.exists()


def test_no_uploads_once_the_child_has_left(world):
    world.emma.left_on = timezone.localdate()
    world.emma.save(update_fields=["left_on"])
    parent = _client(world.parent)
    assert _post_photos(parent, world.group, upload(small_jpeg())).status_code == 404
    page = parent.get(reverse("my_photos")).content.decode()
    assert 'name="photos"' not in page
    assert "You can upload photos for the groups of your children who are at school." in page


def test_a_composed_group_counts_as_the_childs_group(world):
    world.emma.extra_groups.add(world.other_group)
    response = _post_photos(_client(world.parent), world.other_group, upload(small_jpeg()))
    assert response.status_code == 302 and Photo.objects.get().group == world.other_group


def test_a_bad_file_is_reported_by_name_and_the_good_ones_stored(world):
    parent = _client(world.parent)
    response = _post_photos(
        parent, world.group, upload(b"not a photo", "notes.txt"), upload(small_jpeg(), "ok.jpg")
    )
    shown = [str(m) for m in parent.get(response["Location"]).context["messages"]]
    assert shown == [
        "notes.txt: This is not a photo in a supported format (JPEG, PNG, WebP, HEIC).",
        "ok.jpg: Received: the teacher will look at it.",
    ]
    assert list(Photo.objects.values_list("original_name", flat=True)) == ["ok.jpg"]


def test_too_many_files_at_once_are_refused_whole(world):
    files = [upload(small_jpeg(), f"{n}.jpg") for n in range(parent_photos.FILES_PER_REQUEST + 1)]
    parent = _client(world.parent)
    response = _post_photos(parent, world.group, *files)
    shown = [str(m) for m in parent.get(response["Location"]).context["messages"]]
    assert shown == [f"Upload at most {parent_photos.FILES_PER_REQUEST} photos at once."]
    assert not Photo.objects.exists()


def test_a_parent_uploads_at_most_so_many_photos_a_day(world, monkeypatch):
    monkeypatch.setattr(parent_photos, "PHOTOS_PER_DAY", 2)
    yesterday = parent_upload(world, small_jpeg())
    Photo.objects.filter(pk=yesterday.pk).update(created_at=timezone.now() - timedelta(hours=25))
    parent_upload(world, small_jpeg())  # today: one left
    parent = _client(world.parent)
    response = _post_photos(
        parent, world.group, upload(small_jpeg(), "a.jpg"), upload(small_jpeg(), "b.jpg")
    )
    shown = [str(m) for m in parent.get(response["Location"]).context["messages"]]
    assert shown == [
        "a.jpg: Received: the teacher will look at it.",
        "b.jpg: Not stored: you can upload at most 2 photos a day.",
    ]
    assert Photo.objects.count() == 3
    # The limit is the parent's own: the other parent still has room.
    assert _post_photos(_client(world.other_parent), world.group, upload(small_jpeg()))
    assert Photo.objects.filter(uploaded_by=world.other_parent).count() == 1


def test_a_parent_sees_only_their_own_uploads_and_never_an_original(world):
    mine = parent_upload(world, name="mine.jpg")
    theirs = parent_upload(world, by=world.other_parent, name="theirs.jpg")
    teachers = make_photo(world, small_jpeg())
    parent = _client(world.parent)
    page = parent.get(reverse("my_photos")).content.decode()
    assert "mine.jpg" in page and "theirs.jpg" not in page and teachers.original_name not in page
    assert parent.get(reverse("my_photo_thumbnail", args=[mine.pk])).status_code == 200
    for photo in (theirs, teachers):
        assert parent.get(reverse("my_photo_thumbnail", args=[photo.pk])).status_code == 404
    for name in ("photo_original", "photo_preview", "photo_tag", "photo_review"):
        assert parent.get(reverse(name, args=[mine.pk])).status_code == 404, name
    # Staff do not get a parent's thumbnail either: they have the group's own pages.
    assert (
        _client(world.teacher).get(reverse("my_photo_thumbnail", args=[mine.pk])).status_code == 404
    )


def test_the_thumbnail_is_small_without_metadata_and_blurs_every_face(world):
    photo = parent_upload(world)
    response = _client(world.parent).get(reverse("my_photo_thumbnail", args=[photo.pk]))
    assert response["Cache-Control"] == "private, no-store"
    thumbnail = Image.open(io.BytesIO(response.content))
    assert thumbnail.format == "JPEG" and max(thumbnail.size) == 320
    assert not thumbnail.getexif()
    face = photo.faces.get()
    scale = 320 / photo.width
    box = tuple(round(v * scale) for v in (face.x, face.y, face.w, face.h))
    original = Image.open(io.BytesIO(astronaut_jpeg())).resize(thumbnail.size)
    plain = io.BytesIO()
    original.save(plain, "JPEG", quality=95)
    assert _sharpness(response.content, box) < _sharpness(plain.getvalue(), box) / 10


def test_no_thumbnail_before_the_faces_are_known_or_checked(world):
    photo = parent_upload(world)
    url = reverse("my_photo_thumbnail", args=[photo.pk])
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.STORED)
    assert _client(world.parent).get(url).status_code == 404
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.READY, doubts="uncertain")
    assert _client(world.parent).get(url).status_code == 404
    page = _client(world.parent).get(reverse("my_photos")).content.decode()
    assert url not in page


def test_the_parent_sees_what_the_teacher_decided(world):
    photo = parent_upload(world)
    parent = _client(world.parent)
    assert "not published (yet)" in parent.get(reverse("my_photos")).content.decode()
    photo.faces.update(kind=Face.Kind.PUPIL, pupil=world.emma)
    decide(world.parent, world.emma, {2: True})
    publish(photo, 2, "blur", actor=world.teacher)
    page = parent.get(reverse("my_photos")).content.decode()
    assert "published for: 2 · the class group" in page
    assert "with the teacher" in page


def test_the_teacher_publishes_a_parents_photo_through_the_same_gate(world):
    """Emma has no consent for the public: she is blurred in the parent's photo as in any."""
    photo = parent_upload(world)
    photo.faces.update(kind=Face.Kind.PUPIL, pupil=world.emma)
    decide(world.parent, world.emma, {2: True, 4: False})
    teacher = _client(world.teacher)
    review = teacher.get(reverse("photo_review", args=[photo.pk]), {"audience": "4"})
    assert "Face 1 (Emma): blurred: no consent for this audience" in review.content.decode()
    assert (
        teacher.post(reverse("photo_review", args=[photo.pk]), {"audience": "4"}).status_code == 302
    )
    assert photo.publications.get().snapshot == [
        {"pupil_id": world.emma.pk, "state": "no", "visible": False}
    ]
