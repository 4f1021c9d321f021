"""The demo's parents' photos: Sanne's upload in the teacher's queue, marked as from a
parent, and a question to share that reached the other parents and gave Sanne a version in
which only the children with a yes are recognisable."""

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from consentry.accounts.models import User
from consentry.adhoc.services import coverage
from consentry.demo.personas import PERSONA_EMAILS
from consentry.photos.models import Face, Photo, Publication, ShareRequest


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        yield django_settings.DATA_DIR, django_settings.STORAGES
        transaction.set_rollback(True)


@pytest.fixture
def sanne(seeded, db, settings) -> User:
    # The seed's files, not this test's fresh folder (or fresh place on the S3 server).
    settings.DATA_DIR, settings.STORAGES = seeded
    settings.LANGUAGE_CODE = "en"
    return User.objects.get(email=PERSONA_EMAILS["guardian"])


def _client(email: str) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(User.objects.get(email=email))
    return client


def test_sannes_photos_are_in_the_teachers_queue_marked_as_from_a_parent(sanne):
    photos = list(Photo.objects.filter(uploaded_by=sanne).order_by("pk"))
    assert [p.original_name for p in photos] == ["kinderboerderij-1.jpg", "kinderboerderij-2.jpg"]
    assert all(p.from_guardian and p.group.name == "Zonnebloem" for p in photos)
    queue = _client(PERSONA_EMAILS["teacher"]).get(
        reverse("photos_group", args=[photos[0].group_id])
    )
    page = queue.content.decode()
    assert page.count("From a parent: Sanne de Vries") == 2
    assert "Sanne de Vries would like to share it (het fotoboek van de klas)." in page


def test_the_question_reached_the_other_parents_and_sanne_has_a_version_to_share(sanne):
    share = ShareRequest.objects.get(asked_by=sanne, status="sent")
    asked = share.consent_request
    pupils = set(asked.pupils.all())
    tagged = {f.pupil for f in share.photo.faces.filter(kind=Face.Kind.PUPIL)}
    assert pupils == tagged and len(pupils) == 3
    other = next(p for p in pupils if p.given_name != "Lotte")
    parent = other.guardianships.filter(has_parental_authority=True).first().guardian
    assert asked.purpose in _client(parent.email).get(reverse("children")).content.decode()

    release = Publication.objects.get(consent_request=asked, withdrawn_at=None)
    visible = {e["pupil_id"] for e in release.snapshot if e["visible"]}
    assert visible == set(coverage(asked).approved) and len(visible) == 2
    assert release.published_by == sanne
    page = _client(sanne.email).get(reverse("my_photos")).content.decode()
    assert "So far 2 children may be recognisable" in page
    download = _client(sanne.email).get(reverse("photo_share_download", args=[share.pk]))
    assert download.status_code == 200 and download.content[:3] == b"\xff\xd8\xff"
