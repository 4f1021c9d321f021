"""Kind 6: research about one pupil rests on a separate request to the subject's guardians."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consentry.adhoc import services as adhoc
from consentry.adhoc.models import ConsentRequest
from consentry.audit.models import AuditEntry
from consentry.consent.services import decide
from consentry.mail.models import OutgoingMail
from consentry.research.coverage import coverage
from consentry.research.models import Material, Project
from consentry.schools.models import Guardianship
from tests.research.helpers import PDF, add_material
from tests.world import make_user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def create(user, world, **fields):
    today = timezone.localdate()
    body = {
        "kind": "6",
        "title": "Observatie in de groep",
        "external_party": "Orthopedagoog Praktijk De Brug",
        "purpose": "Beter begrijpen wat het kind in de groep nodig heeft.",
        "subject": str(world.emma.pk),
        "members": [str(world.teacher.pk)],
        "ends_on": (today + timedelta(days=60)).isoformat(),
        "request_deadline": (today + timedelta(days=10)).isoformat(),
        **fields,
    }
    return client_for(user).post(reverse("research_project_create", args=[world.school.pk]), body)


@pytest.fixture
def project(world, django_capture_on_commit_callbacks) -> Project:
    with django_capture_on_commit_callbacks(execute=True):
        response = create(world.leadership, world)
    assert response.status_code == 302, response.content.decode()
    return Project.objects.get()


def subject_covered(project: Project) -> bool:
    project.refresh_from_db()
    return coverage(project).pupils[project.subject_id].covered


def test_a_kind_6_project_sends_a_separate_request_about_the_subject(world, project):
    request = project.consent_request
    assert request.status == ConsentRequest.Status.OPEN
    assert list(request.pupils.all()) == [world.emma]
    assert "Observatie in de groep" in request.purpose
    assert "Orthopedagoog" in request.description
    recipients = set(OutgoingMail.objects.values_list("to_address", flat=True))
    assert {world.parent.email, world.other_parent.email, world.teacher.email} <= recipients
    assert AuditEntry.objects.filter(action="research.project_created").count() == 1
    assert AuditEntry.objects.filter(action="adhoc.request.opened").count() == 1
    page = client_for(world.leadership).get(reverse("research_project", args=[project.pk]))
    assert reverse("consent_request", args=[request.pk]) in page.content.decode()
    assert "(the pupil the research is about)" in page.content.decode()  # not covered yet


def test_the_subject_is_covered_only_when_every_guardian_with_authority_said_yes(world, project):
    request = project.consent_request
    Guardianship.objects.create(
        guardian=make_user("stepparent@example.nl", "Stepparent"),
        pupil=world.emma,
        has_parental_authority=False,  # does not count, either way
    )
    assert not subject_covered(project)
    adhoc.answer(world.parent, request, world.emma, True)
    assert adhoc.request_allows(request, world.emma)  # enough for a photo, not for research
    assert not subject_covered(project)
    [cover] = coverage(project).uncovered
    assert cover.is_subject and "1 more guardian" in cover.reason
    adhoc.answer(world.other_parent, request, world.emma, True)
    assert subject_covered(project)
    adhoc.answer(world.other_parent, request, world.emma, False)  # withdrawn
    assert not subject_covered(project)


def test_a_refusal_or_no_answer_by_the_deadline_leaves_the_subject_uncovered(world, project):
    request = project.consent_request
    adhoc.answer(world.parent, request, world.emma, False)
    [cover] = coverage(project).uncovered
    assert cover.reason == "A guardian with parental authority refused."
    later = timezone.now() + timedelta(days=30)
    assert not adhoc.request_allows(request, world.emma, now=later)


def test_nothing_is_stored_before_the_subject_is_covered(world, project):
    url = reverse("research_material_upload", args=[project.pk])
    body = {"file": SimpleUploadedFile("a.pdf", PDF), "no_pupils": "on", "others": "nobody"}
    response = client_for(world.teacher).post(url, body)
    assert "have not all agreed yet" in response.content.decode()
    assert not Material.objects.exists()
    for guardian in (world.parent, world.other_parent):
        adhoc.answer(guardian, project.consent_request, world.emma, True)
    body = {"file": SimpleUploadedFile("a.pdf", PDF), "no_pupils": "on", "others": "nobody"}
    assert client_for(world.teacher).post(url, body).status_code == 302


def test_other_pupils_in_kind_6_material_need_category_6(world, project):
    for guardian in (world.parent, world.other_parent):
        adhoc.answer(guardian, project.consent_request, world.emma, True)
    project.refresh_from_db()
    material = add_material(project, [world.emma, world.noah], by=world.teacher)
    decide(world.another_parent, world.noah, {7: True})
    assert [c.pupil for c in coverage(project).uncovered] == [world.noah]
    decide(world.another_parent, world.noah, {6: True})
    assert coverage(project).allows(material)


def test_material_in_a_kind_6_project_is_blocked_until_the_subject_is_covered(world, project):
    material = add_material(project, [], by=world.teacher)  # the subject is implied
    url = reverse("research_material", args=[material.pk])
    assert client_for(world.teacher).get(url).status_code == 403


def test_only_the_leadership_starts_research_about_one_pupil(world):
    response = create(world.privacy_officer, world)
    assert response.status_code == 200
    assert "Only the school leadership can start research" in response.content.decode()
    assert not Project.objects.exists() and not ConsentRequest.objects.exists()


def test_a_kind_6_project_needs_a_subject_and_an_answer_date(world):
    response = create(world.leadership, world, subject="", request_deadline="")
    html = response.content.decode()
    assert "Choose the pupil the research is about." in html
    assert "Give the date by which guardians answer." in html
    assert not Project.objects.exists() and not ConsentRequest.objects.exists()


def test_the_answer_date_must_fall_before_the_end(world):
    late = (timezone.localdate() + timedelta(days=90)).isoformat()
    response = create(world.leadership, world, request_deadline=late)
    assert "The answer date must be before the end date." in response.content.decode()
    assert not ConsentRequest.objects.exists()
