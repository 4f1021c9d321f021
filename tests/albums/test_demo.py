"""The demo shows the albums at once: Sanne's class album with both photos of Zonnebloem
(Lotte visible on the schoolyard), and a public feed with one released photo."""

import re
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from consentry.accounts.models import User
from consentry.albums.models import FeedRelease, Newsletter
from consentry.demo.personas import PERSONA_EMAILS
from consentry.photos.models import Publication
from consentry.schools.models import Group, Pupil, School


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield django_settings.DATA_DIR
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded, db, settings):
    settings.DATA_DIR = seeded  # the seed's renditions, not this test's fresh folder
    settings.LANGUAGE_CODE = "en"
    return School.objects.get(brin="12AB")


def _as(persona: str) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(User.objects.get(email=PERSONA_EMAILS[persona]))
    return client


def test_sanne_sees_both_photos_in_lottes_class_album(demo):
    zonnebloem = Group.objects.get(school=demo, name="Zonnebloem")
    page = _as("guardian").get(reverse("album_group", args=[zonnebloem.pk]))
    images = re.findall(r'src="(/albums/images/\d+/)"', page.content.decode())
    assert len(images) == 2
    lotte = Pupil.objects.get(school=demo, given_name="Lotte", family_name="Vries")
    with_lotte = Publication.objects.filter(category=2, visible_pupils__pupil=lotte)
    assert with_lotte.count() == 1 and f"/albums/images/{with_lotte.get().pk}/" in images
    for image in images:
        assert _as("guardian").get(image).status_code == 200


def test_the_public_feed_shows_the_released_photo_without_lotte(demo):
    release = FeedRelease.objects.get(school=demo)
    assert release.publication.category == 4
    assert not release.publication.visible_pupils.filter(pupil__given_name="Lotte").exists()
    page = Client().get(reverse("public_feed", args=[demo.pk])).content.decode()
    assert f"/feed/images/{release.token}.jpg" in page
    assert Newsletter.objects.filter(school=demo).count() == 1
