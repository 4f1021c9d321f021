"""Material: only members see it, only while covered, stored privately, bad files refused."""

import io

import pytest

try:
    import pillow_heif
except ImportError:  # pragma: no cover - depends on the installation
    pillow_heif = None
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from consentry.audit.models import AuditEntry
from consentry.consent.services import decide
from consentry.research.models import Material
from tests.files import read_stored, stored_files
from tests.research.helpers import MP4, PDF, WEBM, add_material, jpeg_with_gps, make_project, png


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def upload(user, project, content: bytes, name: str, **fields):
    body = {
        "file": SimpleUploadedFile(name, content),
        "description": "Les",
        "others": "nobody",
        **fields,
    }
    if "pupils" not in fields:
        body["no_pupils"] = "on"
    url = reverse("research_material_upload", args=[project.pk])
    return client_for(user).post(url, body)


@pytest.fixture
def project(world):
    return make_project(world, 7, members=[world.teacher, world.other_teacher])


def test_non_members_get_404_on_material(world, project):
    decide(world.parent, world.emma, {7: True})
    material = add_material(project, [world.emma], by=world.teacher)
    url = reverse("research_material", args=[material.pk])
    for user in (
        world.leadership,  # manages the project, but is not a member
        world.privacy_officer,
        world.parent,
        world.intern,
        world.other_leadership,
    ):
        assert client_for(user).get(url).status_code == 404, user
    assert client_for(None).get(url).status_code == 302  # to the login page
    response = client_for(world.other_teacher).get(url)  # a member
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == material.file.open("rb").read()


def test_material_with_an_uncovered_pupil_cannot_be_downloaded(world, project):
    material = add_material(project, [world.noah], by=world.teacher)  # unanswered
    url = reverse("research_material", args=[material.pk])
    assert client_for(world.teacher).get(url).status_code == 403
    html = client_for(world.teacher).get(reverse("research_project", args=[project.pk]))
    assert f'href="{url}"' not in html.content.decode()


def test_managers_see_coverage_but_no_download_link(world, project):
    material = add_material(project, [], by=world.teacher)
    response = client_for(world.leadership).get(reverse("research_project", args=[project.pk]))
    html = response.content.decode()
    assert "Only members can open the material." in html
    assert f'href="{reverse("research_material", args=[material.pk])}"' not in html


def test_material_has_no_public_url(world, project):
    material = add_material(project, [])
    with pytest.raises(ValueError, match="no URL"):
        material.file.url  # noqa: B018


@pytest.mark.parametrize(
    "content, name, kind, content_type",
    [
        (PDF, "verslag.pdf", "document", "application/pdf"),
        (MP4, "les.mp4", "video", "video/mp4"),
        (WEBM, "les.webm", "video", "video/webm"),
        (png(), "les.png", "photo", "image/jpeg"),
    ],
)
def test_a_good_file_is_stored_privately(world, project, content, name, kind, content_type):
    response = upload(world.teacher, project, content, name)
    assert response.status_code == 302
    material = Material.objects.get()
    assert (material.kind, material.content_type) == (kind, content_type)
    assert material.original_name == name
    [stored] = stored_files()
    assert stored.startswith("research/") and stored == material.file.name
    assert name.split(".")[0] not in stored
    entry = AuditEntry.objects.get(action="research.material_uploaded")
    assert entry.data["sha256"] == material.sha256 and entry.school_id == world.school.pk


@pytest.mark.skipif(pillow_heif is None, reason="pillow-heif is not installed")
def test_a_heic_photo_goes_through_the_image_engine_and_loses_its_gps(world, project):
    """HEIC starts with an `ftyp` box like MP4: it must be re-encoded, never kept as video."""
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 0.0)}  # GPSInfo
    heic = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (64, 48), (200, 30, 30))).save(
        heic, format="HEIF", exif=exif.tobytes()
    )
    assert heic.getvalue()[4:8] == b"ftyp" and b"GPS" not in heic.getvalue()[:8]
    assert upload(world.teacher, project, heic.getvalue(), "IMG_0002.HEIC").status_code == 302
    material = Material.objects.get()
    assert (material.kind, material.content_type) == ("photo", "image/jpeg")
    [name] = stored_files()
    with Image.open(io.BytesIO(read_stored(name))) as stored:
        assert stored.format == "JPEG" and not stored.getexif()


def test_a_photo_is_stored_without_its_metadata(world, project):
    assert upload(world.teacher, project, jpeg_with_gps(), "IMG_0001.jpg").status_code == 302
    [name] = stored_files()
    with Image.open(io.BytesIO(read_stored(name))) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif()


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"hello", "notes.txt", "is not a photo"),
        (b"<html><script>alert(1)</script>", "les.png", "is not a photo"),
        # What begins as a video but is none is a damaged video (the video engine's view).
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", "les.mov", "damaged or cut short"),
        # First bytes prove nothing: an `ftyp` box before HTML, a PDF header before nothing.
        (
            b"\x00\x00\x00\x10ftypisom<html>" + b"<script>alert(1)</script>",
            "les.mp4",
            "damaged or cut short",
        ),
        (b"%PDF-1.7\n<html><script>alert(1)</script>", "brief.pdf", "PDF document is damaged"),
        (MP4[: len(MP4) // 3], "half.mp4", "is not a photo"),  # its index is cut off
        (png()[:100], "half.png", "cannot be used"),
        (b"", "empty.pdf", "The submitted file is empty."),
    ],
)
def test_a_bad_file_is_refused_and_nothing_is_stored(world, project, content, name, message):
    response = upload(world.teacher, project, content, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Material.objects.exists()
    assert stored_files() == []
    assert not AuditEntry.objects.filter(action__startswith="research.").exists()


def test_a_file_over_the_limit_is_refused(world, project, settings):
    settings.RESEARCH_MATERIAL_MAX_BYTES = len(PDF) - 1
    response = upload(world.teacher, project, PDF, "big.pdf")
    assert "The file is larger than" in response.content.decode()
    assert not Material.objects.exists() and stored_files() == []


def test_the_uploader_must_say_who_is_in_it(world, project):
    body = {"file": SimpleUploadedFile("a.pdf", PDF)}
    url = reverse("research_material_upload", args=[project.pk])
    response = client_for(world.teacher).post(url, body)
    assert "Tick every pupil who appears in it" in response.content.decode()
    assert not Material.objects.exists() and stored_files() == []


def test_a_failed_save_leaves_no_file(world, project, monkeypatch):
    from consentry.research import services

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_audit", broken)
    with pytest.raises(RuntimeError):
        upload(world.teacher, project, PDF, "a.pdf")
    assert not Material.objects.exists()
    assert stored_files() == []


def test_only_pupils_the_uploader_may_see_can_be_tagged(world, project):
    response = upload(world.teacher, project, PDF, "a.pdf", pupils=[world.noah.pk])
    assert response.status_code == 200  # Noah is in the other teacher's group
    assert not Material.objects.exists()
    response = upload(world.teacher, project, PDF, "a.pdf", pupils=[world.emma.pk])
    assert response.status_code == 302
    assert list(Material.objects.get().pupils.all()) == [world.emma]


def test_only_members_upload(world, project):
    for user in (world.leadership, world.privacy_officer):
        assert upload(user, project, PDF, "a.pdf").status_code == 403
    for user in (world.parent, world.intern, world.other_leadership):
        assert upload(user, project, PDF, "a.pdf").status_code == 404
    assert not Material.objects.exists()


def test_the_uploader_corrects_the_tags_and_frees_the_material(world, project):
    decide(world.parent, world.emma, {7: True})
    material = add_material(project, [world.emma, world.noah], by=world.teacher)
    download = reverse("research_material", args=[material.pk])
    assert client_for(world.teacher).get(download).status_code == 403
    url = reverse("research_material_tags", args=[material.pk])
    assert client_for(world.other_teacher).post(url, {"no_pupils": "on"}).status_code == 403
    response = client_for(world.teacher).post(url, {"pupils": [world.emma.pk], "others": "nobody"})
    assert response.status_code == 302
    assert list(material.pupils.all()) == [world.emma]
    assert client_for(world.teacher).get(download).status_code == 200
    assert AuditEntry.objects.filter(action="research.material_tagged").count() == 1


def test_members_and_managers_destroy_material_by_hand(
    world, project, django_capture_on_commit_callbacks
):
    material = add_material(project, [world.emma], by=world.teacher)
    url = reverse("research_material_destroy", args=[material.pk])
    assert client_for(world.intern).post(url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.privacy_officer).post(url)
    assert response.status_code == 302
    material.refresh_from_db()
    assert material.is_destroyed and material.destroyed_under == "research.by_hand"
    assert stored_files() == []
    assert client_for(world.teacher).post(url).status_code == 404  # gone


def test_a_half_uploaded_photo_is_refused_even_if_pillow_allows_truncated_images(
    world, project, monkeypatch
):
    """WeasyPrint's import switches on Pillow's process-wide LOAD_TRUNCATED_IMAGES."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    response = upload(world.teacher, project, png()[:100], "half.png")
    assert "cannot be used" in response.content.decode()
    assert not Material.objects.exists() and stored_files() == []
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # left as it was
