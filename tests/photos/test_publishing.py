"""Review, then publish: the review page, the rendition, publications and their downloads."""

import hashlib
import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from consentry.audit.models import AuditEntry
from consentry.consent.services import decide, set_never_flag
from consentry.photos import publishing, storage
from consentry.photos.models import Face, Photo, Publication
from consentry.photos.services import delete_photo
from tests.adhoc.helpers import ask
from tests.photos.helpers import make_photo


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def photo(world):
    photo = make_photo(world)
    photo.faces.update(kind=Face.Kind.PUPIL, pupil=world.emma)
    for guardian in (world.parent, world.other_parent):
        decide(guardian, world.emma, {2: True, 4: False})
    return photo


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _review(client, photo, **query):
    return client.get(reverse("photo_review", args=[photo.pk]), query)


def test_the_review_says_per_audience_who_is_visible(world, photo):
    client = _client(world.teacher)
    class_group = _review(client, photo, audience="2").content.decode()
    assert "Face 1 (Emma): visible: consent for this audience" in class_group
    public = _review(client, photo, audience="4").content.decode()
    assert "Face 1 (Emma): blurred: no consent for this audience" in public
    assert f'src="/photos/{photo.pk}/rendition/?audience=4&amp;mode=blur"' in public


def test_the_review_never_tells_of_a_never_flag(world, photo):
    set_never_flag(world.leadership, world.emma, active=True, reason="Safeguarding.")
    page = _review(_client(world.teacher), photo, audience="2").content.decode()
    assert "blurred: no consent for this audience" in page
    assert "never" not in page.lower()


def test_the_rendition_is_drawn_on_the_fly_and_never_cached(world, photo):
    client = _client(world.teacher)
    url = reverse("photo_rendition", args=[photo.pk])
    response = client.get(url, {"audience": "4", "mode": "pixelate"})
    assert response["Cache-Control"] == "private, no-store"
    assert Image.open(io.BytesIO(response.content)).format == "JPEG"
    assert client.get(url, {"audience": "6"}).status_code == 404  # not a photo audience


def test_publishing_stores_the_rendition_encrypted_with_hash_and_snapshot(world, photo):
    client = _client(world.teacher)
    url = reverse("photo_review", args=[photo.pk])
    response = client.post(url, {"audience": "4", "mode": "solid"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Published."]
    publication = Publication.objects.get()
    assert (publication.category, publication.mode, publication.published_by) == (
        4,
        "solid",
        world.teacher,
    )
    assert publication.snapshot == [{"pupil_id": world.emma.pk, "state": "no", "visible": False}]
    rendition = publishing.read_rendition(publication)
    assert hashlib.sha256(rendition).hexdigest() == publication.sha256
    with storage.storage().open(publication.storage_name, "rb") as handle:
        assert rendition[100:200] not in handle.read()  # encrypted at rest
    entry = AuditEntry.objects.get(action="photo.published")
    assert entry.data == {"photo": photo.pk, "audience": "4", "mode": "solid"}

    download = client.get(reverse("publication_download", args=[publication.pk]))
    assert download.content == rendition
    assert download["Content-Disposition"] == (
        f'attachment; filename="photo-{photo.pk}-4-{publication.pk}.jpg"'
    )


def test_after_publishing_the_review_stays_on_the_chosen_audience(world, photo):
    client = _client(world.teacher)
    url = reverse("photo_review", args=[photo.pk])
    response = client.post(url, {"audience": "4", "mode": "pixelate"})
    assert response.url == f"{url}?audience=4&mode=pixelate"
    page = client.get(response.url).content.decode()
    assert '<option value="4" selected>' in page
    assert "Face 1 (Emma): blurred: no consent for this audience" in page  # audience 4's words


def test_a_photo_whose_faces_are_not_found_yet_is_not_published(world, photo):
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.DETECTING)
    url = reverse("photo_review", args=[photo.pk])
    response = _client(world.teacher).post(url, {"audience": "2"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Faces are not found in this photo yet; it cannot be published."
    ]
    assert not Publication.objects.exists()


def test_the_zip_holds_the_latest_publication_per_photo_without_names(world, photo):
    second = make_photo(world)
    old = publishing.publish(photo, 2, "blur", actor=world.teacher)
    new = publishing.publish(photo, 2, "pixelate", actor=world.teacher)
    other = publishing.publish(second, 2, "blur", actor=world.teacher)
    publishing.publish(photo, 4, "blur", actor=world.teacher)  # another audience
    url = reverse("publications_zip", args=[world.group.pk, "2"])
    response = _client(world.teacher).get(url)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == sorted(
        [publishing.filename(new), publishing.filename(other)]
    )
    assert publishing.filename(old) not in archive.namelist()
    assert all("Emma" not in name and "trip" not in name for name in archive.namelist())


def test_others_get_404(world, photo):
    publication = publishing.publish(photo, 2, "blur", actor=world.teacher)
    urls = [
        reverse("photo_review", args=[photo.pk]),
        reverse("photo_rendition", args=[photo.pk]),
        reverse("publication_download", args=[publication.pk]),
        reverse("publications_zip", args=[world.group.pk, "2"]),
    ]
    for person in (world.other_teacher, world.parent, world.intern, world.other_leadership):
        assert [_client(person).get(url).status_code for url in urls] == [404] * 4
    assert all(Client().get(url).status_code == 302 for url in urls)


def test_deleting_the_photo_destroys_its_renditions(
    world, photo, django_capture_on_commit_callbacks
):
    publishing.publish(photo, 2, "blur", actor=world.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        delete_photo(photo, actor=world.teacher)
    assert not Publication.objects.exists()
    assert storage.storage().listdir(publishing.FOLDER)[1] == []


def test_a_separate_request_is_an_audience_and_a_foreign_one_is_not(world, photo):
    about_emma = ask(world)
    about_noah = ask(world, world.noah)  # a request about another group's pupil
    client = _client(world.teacher)
    page = _review(client, photo, audience=f"r{about_emma.pk}").content.decode()
    assert "Separate request: Photo in the regional paper" in page
    assert "Face 1 (Emma): blurred: no consent for this audience" in page
    assert _review(client, photo, audience=f"r{about_noah.pk}").status_code == 404
    url = reverse("photo_review", args=[photo.pk])
    assert client.post(url, {"audience": f"r{about_noah.pk}"}).status_code == 404
    assert not Publication.objects.exists()
