"""Creating and managing projects: the leadership and the privacy officer; members by mail."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consentry.audit.models import AuditEntry
from consentry.consent import services as consent
from consentry.mail.models import OutgoingMail
from consentry.research.coverage import coverage
from consentry.research.models import Project
from tests.research.helpers import add_material, make_project


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def body(world, **fields):
    return {
        "kind": "7",
        "title": "Coaching in de klas",
        "external_party": "Coach video-interactiebegeleiding",
        "purpose": "De leerkracht leert van beelden van de eigen les.",
        "members": [str(world.teacher.pk), str(world.leadership.pk)],
        "ends_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        **fields,
    }


def test_the_privacy_officer_creates_a_training_project(world, django_capture_on_commit_callbacks):
    url = reverse("research_project_create", args=[world.school.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.privacy_officer).post(url, body(world))
    project = Project.objects.get()
    assert response["Location"] == reverse("research_project", args=[project.pk])
    assert (project.kind, project.subject, project.consent_request) == (7, None, None)
    assert set(project.members.all()) == {world.teacher, world.leadership}
    assert project.created_by == world.privacy_officer
    entry = AuditEntry.objects.get(action="research.project_created")
    assert entry.school_id == world.school.pk
    assert entry.data["members"] == sorted([world.teacher.pk, world.leadership.pk])
    mails = OutgoingMail.objects.filter(subject__contains="Coaching in de klas")
    assert {m.to_address for m in mails} == {world.teacher.email, world.leadership.email}


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"ends_on": "2020-01-01"}, "The end date cannot be in the past."),
        ({"members": []}, "This field is required."),
        ({"external_party": ""}, "This field is required."),
    ],
)
def test_a_bad_project_is_refused(world, fields, message):
    url = reverse("research_project_create", args=[world.school.pk])
    response = client_for(world.leadership).post(url, body(world, **fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (
        not Project.objects.exists()
        and not AuditEntry.objects.filter(action__startswith="research.").exists()
    )


def test_interns_and_other_schools_staff_cannot_be_members(world):
    url = reverse("research_project_create", args=[world.school.pk])
    for outsider in (world.intern, world.other_leadership, world.parent):
        response = client_for(world.leadership).post(url, body(world, members=[outsider.pk]))
        assert "Select a valid choice" in response.content.decode()
    assert not Project.objects.exists()


def test_who_sees_the_project(world):
    project = make_project(world, 7, members=[world.teacher])
    url = reverse("research_project", args=[project.pk])
    for user in (world.teacher, world.leadership, world.privacy_officer):
        assert client_for(user).get(url).status_code == 200
    for user in (world.other_teacher, world.parent, world.intern, world.other_leadership):
        assert client_for(user).get(url).status_code == 404
    listing = reverse("research_projects")
    assert "Coaching in de klas" in client_for(world.teacher).get(listing).content.decode()
    assert "Coaching in de klas" not in client_for(world.intern).get(listing).content.decode()


def test_the_leadership_adds_a_member_who_is_told(world, django_capture_on_commit_callbacks):
    project = make_project(world, 7, members=[world.teacher])
    url = reverse("research_project_edit", args=[project.pk])
    fields = body(world, members=[world.teacher.pk, world.other_teacher.pk], title="Nieuw")
    assert client_for(world.teacher).post(url, fields).status_code == 403  # a member only
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.leadership).post(url, fields)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "Nieuw" and project.kind == 7
    assert [m.to_address for m in OutgoingMail.objects.all()] == [world.other_teacher.email]
    entry = AuditEntry.objects.get(action="research.project_changed")
    assert "members" in entry.data["fields"] and "title" in entry.data["fields"]


def test_the_kind_cannot_change_once_created(world):
    project = make_project(world, 7)
    url = reverse("research_project_edit", args=[project.pk])
    client_for(world.leadership).post(url, body(world, kind="8"))
    project.refresh_from_db()
    assert project.kind == 7


def test_the_school_overview_links_to_the_projects(world):
    response = client_for(world.leadership).get(reverse("school_overview", args=[world.school.pk]))
    assert reverse("research_projects") in response.content.decode()


def test_members_find_their_projects_in_the_menu(world):
    """A teacher learns of a project by mail; the menu must lead there too."""
    client = Client()
    client.force_login(world.teacher)
    projects = reverse("research_projects")
    assert f'href="{projects}"' not in client.get(reverse("group_list")).text
    make_project(world, members=[world.teacher])
    assert f'href="{projects}"' in client.get(reverse("group_list")).text
    client.force_login(world.other_teacher)
    assert f'href="{projects}"' not in client.get(reverse("group_list")).text


def test_a_member_whose_role_ended_sees_nothing_any_more(world):
    project = make_project(world, members=[world.teacher])
    material = add_material(project, [world.emma])
    client = Client()
    client.force_login(world.teacher)
    page = reverse("research_project", args=[project.pk])
    download = reverse("research_material", args=[material.pk])
    assert client.get(page).status_code == 200
    world.teacher.staff_roles.all().delete()  # the teacher left the school
    assert client.get(page).status_code == 404
    assert client.get(download).status_code == 404


def test_members_see_why_only_for_pupils_of_their_own_groups(world):
    """A never-photograph flag must not reach staff of other groups through a project."""
    consent.set_never_flag(world.leadership, world.noah, active=True, reason="Veiligheid")
    project = make_project(world, members=[world.teacher, world.leadership])
    add_material(project, [world.emma, world.noah])
    [never_reason] = {c.reason for c in coverage(project).uncovered if c.pupil == world.noah}
    page = reverse("research_project", args=[project.pk])
    client = Client()
    client.force_login(world.teacher)  # teacher of Zon; Noah is in Maan
    assert never_reason not in client.get(page).text
    client.force_login(world.leadership)
    assert never_reason in client.get(page).text
