"""Parental authority is never assumed: a guardian whose authority no file stated cannot
decide until the leadership confirms it on the roster pages, and a "no authority" there
takes down what only that guardian's yes allowed."""

import pytest
from django.test import Client
from django.urls import reverse

from consentry.audit.models import AuditEntry
from consentry.consent.models import ConsentEvent
from consentry.consent.services import consent_overview, decide
from consentry.photos.models import Face, TakeDown
from consentry.photos.publishing import publish
from consentry.schools.models import Guardianship
from tests.photos.helpers import make_photo


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def test_a_new_guardianship_has_unknown_authority(world):
    link = Guardianship.objects.create(guardian=world.teacher, pupil=world.noah)
    assert link.has_parental_authority is None


def test_unknown_authority_cannot_decide_until_the_leadership_confirms(world):
    link = Guardianship.objects.get(guardian=world.parent, pupil=world.emma)
    link.has_parental_authority = None
    link.save()
    parent = _client(world.parent)
    consent_url = reverse("pupil_consent", args=[world.emma.pk])
    parent.post(consent_url, {"category_2": "yes"})
    assert not ConsentEvent.objects.filter(guardian=world.parent).exists()

    leadership = _client(world.leadership)
    page = reverse("roster_authority", args=[world.school.pk])
    listed = leadership.get(page).content.decode()
    assert "Parent of Emma" in listed and "Other parent" not in listed
    guardians_page = leadership.get(reverse("roster_guardians", args=[world.school.pk]))
    assert "parental authority is not known yet" in guardians_page.text
    # Another school's leadership cannot touch it.
    other = _client(world.other_leadership)
    assert other.post(page, {"guardianship": link.pk, "authority": "yes"}).status_code == 404
    assert leadership.post(page, {"guardianship": "x", "authority": "yes"}).status_code == 404
    response = leadership.post(page, {"guardianship": link.pk, "authority": "yes"})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.has_parental_authority is True
    entry = AuditEntry.objects.get(action="guardian.authority_set")
    assert entry.data["before"] is None and entry.data["has_authority"] is True
    after = leadership.get(page).content.decode()
    assert "Saved: Parent of Emma for Emma Test." in after
    assert "Every guardian's parental authority is known." in after

    parent.post(consent_url, {"category_2": "yes"})
    assert ConsentEvent.objects.filter(guardian=world.parent, category_number=2).exists()


def test_no_authority_takes_down_what_only_that_yes_allowed(
    world, django_capture_on_commit_callbacks
):
    photo = make_photo(world)
    photo.faces.update(kind=Face.Kind.PUPIL, pupil=world.emma)
    decide(world.parent, world.emma, {2: True})
    publish(photo, 2, "blur", actor=world.teacher)
    link = Guardianship.objects.get(guardian=world.parent, pupil=world.emma)
    with django_capture_on_commit_callbacks(execute=True):
        _client(world.leadership).post(
            reverse("roster_authority", args=[world.school.pk]),
            {"guardianship": link.pk, "authority": "no"},
        )
    assert consent_overview([world.emma])[world.emma.pk][2].state == "unanswered"
    assert TakeDown.objects.get(pupil=world.emma).status == "done"
