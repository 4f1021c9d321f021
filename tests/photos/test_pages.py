"""The photo pages: upload per group, status, try again, the original, who may do what."""

import pytest
from django.test import Client
from django.urls import reverse

from consentry.audit.models import AuditEntry
from consentry.photos import storage
from consentry.photos.models import Face, Photo
from consentry.photos.services import detect
from tests.photos.helpers import astronaut, astronaut_jpeg, encode, make_photo, upload


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _post(client, group, *files, **headers):
    url = reverse("photos_group", args=[group.pk])
    return client.post(url, {"photos": list(files)}, headers=headers, follow=not headers)


def test_teacher_uploads_a_batch_good_files_stored_bad_ones_named(world):
    good = upload(astronaut_jpeg(), "astronaut.jpg")
    png = upload(encode(astronaut(), "PNG"), "astronaut.png")
    bad = upload(b"%PDF-1.7 not a photo", "letter.jpg")
    response = _post(_client(world.teacher), world.group, good, png, bad)
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert "astronaut.jpg: Stored; faces are being found." in texts
    assert any(t.startswith("letter.jpg: This is not a photo") for t in texts)
    photos = Photo.objects.order_by("original_name")
    assert [p.original_name for p in photos] == ["astronaut.jpg", "astronaut.png"]
    assert {p.content_type for p in photos} == {"image/jpeg", "image/png"}
    assert all((p.width, p.height) == (512, 512) for p in photos)
    assert all(p.status == Photo.Status.READY and p.faces.exists() for p in photos)
    assert storage.stored_names() == {p.storage_name for p in photos}
    entries = AuditEntry.objects.filter(action="photo.uploaded")
    assert entries.count() == 2
    assert "astronaut" not in str(list(entries.values_list("data", flat=True)))  # ids only


def test_detection_finds_the_astronauts_face_in_original_pixels(world):
    photo = make_photo(world)
    [face] = photo.faces.all()
    assert face.source == Face.Source.DETECTOR
    assert abs(face.x - 177) < 30 and abs(face.y - 54) < 40 and 60 < face.w < 140


def test_detection_runs_twice_without_duplicating_faces(world):
    photo = make_photo(world)
    count = photo.faces.count()
    assert detect(photo.pk) == "skipped"  # ready: nothing to do
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.DETECTING)
    assert detect(photo.pk) == "ready"
    assert photo.faces.count() == count
    assert detect(10**9) == "skipped"  # deleted meanwhile


def test_the_upload_answers_json_per_file_for_the_progress_script(world):
    client = _client(world.teacher)
    ok = _post(client, world.group, upload(astronaut_jpeg()), x_requested_with="XMLHttpRequest")
    assert ok.status_code == 200
    assert ok.json()["files"][0]["ok"] is True
    bad = _post(client, world.group, upload(b"", "empty.jpg"), x_requested_with="XMLHttpRequest")
    assert bad.status_code == 400
    assert bad.json()["files"] == [
        {"name": "empty.jpg", "ok": False, "message": "This file is empty."}
    ]


def test_heic_from_an_iphone_is_accepted(world):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    try:
        data = encode(astronaut(), "HEIF", quality=80)
    except (KeyError, OSError, ValueError) as exc:
        pytest.skip(f"this pillow-heif cannot write HEIC: {exc}")
    response = _post(_client(world.teacher), world.group, upload(data, "IMG_0001.HEIC"))
    assert response.status_code == 200
    photo = Photo.objects.get()
    assert photo.content_type == "image/heic"
    assert photo.status == Photo.Status.READY


def test_the_page_shows_status_faces_and_the_script_with_its_nonce(world):
    make_photo(world)
    response = _client(world.teacher).get(reverse("photos_group", args=[world.group.pk]))
    html = response.text
    assert "faces found" in html and 'name="photos"' in html and "multiple" in html
    assert 'src="/static/photos/upload.js"' in html and 'nonce="' in html
    assert "style=" not in html


def test_failed_photo_shows_its_error_and_can_be_tried_again(world):
    photo = make_photo(world)
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.FAILED, error="detection_failed")
    client = _client(world.teacher)
    page = client.get(reverse("photos_group", args=[world.group.pk])).text
    assert "Finding faces failed. Try again." in page and "Try again</button>" in page
    response = client.post(reverse("photo_retry", args=[photo.pk]), follow=True)
    assert response.status_code == 200
    photo.refresh_from_db()
    assert photo.status == Photo.Status.READY and photo.attempts == 2 and photo.error == ""


def test_a_photo_stuck_in_detection_is_shown_as_stuck(world, settings):
    photo = make_photo(world)
    settings.JOB_LEASE_SECONDS = 0
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.DETECTING)
    page = _client(world.teacher).get(reverse("photos_group", args=[world.group.pk])).text
    assert "Stuck while finding faces" in page and "Try again</button>" in page


def test_the_original_is_served_decrypted_and_never_cached(world):
    data = astronaut_jpeg()
    photo = make_photo(world, data)
    response = _client(world.leadership).get(reverse("photo_original", args=[photo.pk]))
    assert response.status_code == 200
    assert response.content == data
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("persona", ["other_teacher", "parent", "intern", "other_leadership"])
def test_others_get_404_for_the_page_the_original_and_the_upload(world, persona):
    photo = make_photo(world)
    client = _client(getattr(world, persona))
    assert client.get(reverse("photos_group", args=[world.group.pk])).status_code == 404
    assert client.get(reverse("photo_original", args=[photo.pk])).status_code == 404
    assert client.post(reverse("photo_delete", args=[photo.pk])).status_code == 404
    response = client.post(
        reverse("photos_group", args=[world.group.pk]), {"photos": [upload(astronaut_jpeg())]}
    )
    assert response.status_code == 404
    assert Photo.objects.count() == 1


def test_anonymous_is_sent_to_sign_in(world):
    photo = make_photo(world)
    response = Client().get(reverse("photo_original", args=[photo.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_privacy_officer_looks_but_does_not_upload(world):
    client = _client(world.privacy_officer)
    assert client.get(reverse("photos_group", args=[world.group.pk])).status_code == 200
    response = _post(client, world.group, upload(astronaut_jpeg()), x_requested_with="x")
    assert response.status_code == 403
    assert not Photo.objects.exists() and storage.stored_names() == set()


def test_a_failing_row_write_leaves_no_file(world, monkeypatch):
    from consentry.photos import services

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "record", broken)
    with pytest.raises(RuntimeError):
        make_photo(world)
    assert not Photo.objects.exists()
    assert storage.stored_names() == set()


def test_a_request_with_too_many_files_is_refused_whole(world):
    """Each photo is decoded in turn: a request may carry at most 30 files (Django answers
    400 before any is read), and none of them is stored."""
    files = [upload(astronaut_jpeg(), f"{n}.jpg") for n in range(31)]
    response = _post(_client(world.teacher), world.group, *files, **{"accept": "text/html"})
    assert response.status_code == 400
    assert not Photo.objects.exists()
