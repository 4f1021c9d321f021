"""The end date: the first one is kept; a later end date than the first needs a reason and
is audited with the old and new date; a shortening needs no reason."""

import os
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consentry.audit.models import AuditEntry
from consentry.research.models import Project, extension_needs_reason
from tests.research.helpers import make_project

FIRST = date(2027, 6, 30)


@pytest.mark.parametrize(
    "old, new, needs",
    [
        (FIRST, FIRST + timedelta(days=1), True),  # the first extension
        (FIRST + timedelta(days=10), FIRST + timedelta(days=20), True),  # a second one
        (FIRST, FIRST - timedelta(days=1), False),  # shortening
        (FIRST + timedelta(days=10), FIRST + timedelta(days=5), False),  # shortening, still late
        (FIRST - timedelta(days=10), FIRST, False),  # back up to the first end date
        (FIRST - timedelta(days=10), FIRST + timedelta(days=1), True),  # and past it
        (FIRST + timedelta(days=10), FIRST + timedelta(days=10), False),  # unchanged
    ],
)
def test_which_change_needs_a_reason(old, new, needs):
    assert extension_needs_reason(FIRST, old, new) is needs


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def edit(world, project, ends_on: date, **fields):
    body = {
        "title": project.title,
        "external_party": project.external_party,
        "purpose": project.purpose,
        "members": [str(m.pk) for m in project.members.all()],
        "ends_on": ends_on.isoformat(),
        **fields,
    }
    url = reverse("research_project_edit", args=[project.pk])
    return client_for(world.leadership).post(url, body)


def end_date_entries():
    return AuditEntry.objects.filter(action__startswith="research.end_date_")


def test_a_new_project_keeps_its_first_end_date(world):
    project = make_project(world, 7, ends_in_days=30)
    assert project.first_ends_on == project.ends_on


def test_an_extension_without_a_reason_is_refused(world):
    project = make_project(world, 7, ends_in_days=30)
    first = project.ends_on
    response = edit(world, project, first + timedelta(days=60))
    assert response.status_code == 200
    assert "The new end date is after the first end date" in response.text
    project.refresh_from_db()
    assert project.ends_on == first
    assert not end_date_entries().exists()
    assert not AuditEntry.objects.filter(action="research.project_changed").exists()


def test_an_extension_with_a_reason_is_audited(world):
    project = make_project(world, 7, ends_in_days=30)
    first = project.ends_on
    later = first + timedelta(days=60)
    reason = "De coach is ziek geweest; de laatste twee sessies schuiven op."
    assert edit(world, project, later, extension_reason=f"  {reason} ").status_code == 302
    project.refresh_from_db()
    assert (project.ends_on, project.first_ends_on) == (later, first)
    [entry] = end_date_entries()
    assert entry.action == "research.end_date_extended"
    assert entry.actor_id == world.leadership.pk and entry.school_id == world.school.pk
    assert entry.data["old_ends_on"] == first.isoformat()
    assert entry.data["new_ends_on"] == later.isoformat()
    assert entry.data["first_ends_on"] == first.isoformat()
    assert entry.data["reason"] == reason

    html = client_for(world.leadership).get(reverse("research_project", args=[project.pk])).text
    assert "Extended: the first end date was" in html

    # A second extension needs its own reason too.
    response = edit(world, project, later + timedelta(days=7))
    assert "The new end date is after the first end date" in response.text
    project.refresh_from_db()
    assert project.ends_on == later


def test_a_shortening_needs_no_reason_and_is_audited(world):
    project = make_project(world, 7, ends_in_days=30)
    first = project.ends_on
    sooner = first - timedelta(days=10)
    assert edit(world, project, sooner).status_code == 302
    project.refresh_from_db()
    assert (project.ends_on, project.first_ends_on) == (sooner, first)
    [entry] = end_date_entries()
    assert entry.action == "research.end_date_changed"
    assert (entry.data["old_ends_on"], entry.data["new_ends_on"]) == (
        first.isoformat(),
        sooner.isoformat(),
    )
    # Back up to the first end date needs no reason; one day past it does.
    assert edit(world, project, first).status_code == 302
    assert edit(world, project, first + timedelta(days=1)).status_code == 200
    project.refresh_from_db()
    assert project.ends_on == first


def test_an_edit_that_keeps_the_end_date_needs_no_reason(world):
    project = make_project(world, 7, ends_in_days=30)
    assert edit(world, project, project.ends_on, title="Nieuw").status_code == 302
    assert not end_date_entries().exists()


def test_the_reason_field_is_only_on_the_edit_page(world):
    project = make_project(world, 7, ends_in_days=30)
    create = reverse("research_project_create", args=[world.school.pk])
    assert 'name="extension_reason"' not in client_for(world.leadership).get(create).text
    page = client_for(world.leadership).get(reverse("research_project_edit", args=[project.pk]))
    assert 'name="extension_reason"' in page.text


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="migrating back and forth leaves PostgreSQL's test database unflushable",
)
@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_in_the_first_end_date_from_the_current_one(world):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    ends_on = timezone.localdate() + timedelta(days=12)
    executor = MigrationExecutor(connection)
    executor.migrate([("research", "0001_initial")])
    executor.loader.build_graph()
    old = executor.loader.project_state([("research", "0001_initial")]).apps
    OldProject = old.get_model("research", "Project")
    pk = OldProject.objects.create(
        school_id=world.school.pk,
        kind=7,
        title="Oud",
        external_party="Coach",
        purpose="Leren",
        ends_on=ends_on,
        created_by_id=world.leadership.pk,
    ).pk
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Project.objects.get(pk=pk).first_ends_on == ends_on
