"""Destruction at the end date: by `consentry project_cleanup` and by the retention job."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consentry.audit.models import AuditEntry
from consentry.processors.storage import private_storage
from consentry.research import services
from consentry.research.models import Material
from consentry.retention import registry
from tests.files import stored_files
from tests.research.helpers import PDF, add_material, make_project


def run(*args) -> str:
    out = StringIO()
    call_command("project_cleanup", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def ended(world):
    """A project whose end date was yesterday, with two items; and one that runs today."""
    project = make_project(world, 7, ends_in_days=-1)
    running = make_project(world, 8, title="Landelijk onderzoek", ends_in_days=0)
    items = [add_material(project, [world.emma]), add_material(project, [])]
    keep = add_material(running, [world.noah])
    return project, items, keep


def test_the_command_destroys_expired_material_with_audit_entries(
    world, ended, django_capture_on_commit_callbacks
):
    project, items, keep = ended
    with django_capture_on_commit_callbacks(execute=True):
        out = run()
    assert "2 item(s) destroyed." in out
    assert stored_files() == [keep.file.name]
    for item in items:
        item.refresh_from_db()
        assert item.is_destroyed and item.destroyed_under == "research.end_date"
        assert (item.file.name, item.original_name, list(item.pupils.all())) == ("", "", [])
    entries = AuditEntry.objects.filter(action="research.material_destroyed").order_by("pk")
    assert [e.object_id for e in entries] == [str(item.pk) for item in items]
    assert entries[0].data["rule"] == "research.end_date"
    assert entries[0].data["ends_on"] == project.ends_on.isoformat()
    assert entries[0].actor_label == "command line"
    assert entries[0].school_id == world.school.pk
    assert not Material.objects.get(pk=keep.pk).is_destroyed


def test_the_dry_run_changes_nothing(world, ended):
    before = stored_files()
    out = run("--dry-run")
    assert "Would destroy" in out and "2 item(s) due." in out
    assert stored_files() == before and len(before) == 3
    assert not Material.objects.filter(destroyed_at__isnull=False).exists()
    assert not AuditEntry.objects.filter(action="research.material_destroyed").exists()


def test_a_second_run_is_harmless(world, ended, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run()
    entries = AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assert "0 item(s) destroyed." in run()
    assert AuditEntry.objects.count() == entries
    assert len(stored_files()) == 1


def test_nothing_is_destroyed_on_the_end_date_itself(world):
    project = make_project(world, 7, ends_in_days=0)
    add_material(project, [])
    assert list(services.expired_material()) == []
    tomorrow = timezone.now() + timedelta(days=1)
    assert len(list(services.expired_material(tomorrow))) == 1


def test_destroying_costs_a_fixed_number_of_queries_per_item(
    world, ended, django_assert_max_num_queries
):
    _, items, _ = ended
    with django_assert_max_num_queries(12):
        assert services.destroy_material(items[0])


def test_the_retention_rule_destroys_the_same_material_once(
    world, ended, django_capture_on_commit_callbacks
):
    """The retention job and the command meet in destroy_material: never twice."""
    _, items, keep = ended
    rule = next(r for r in registry.rules() if r.name == "research.end_date")
    assert rule.what == "research.material" and "end date" in rule.description()
    expired = list(rule.expired(timezone.now()))  # a generator: read it once
    assert sorted(item.pk for item in expired) == sorted(m.pk for m in items)
    assert all(item.school_id == world.school.pk for item in expired)
    with django_capture_on_commit_callbacks(execute=True):
        counts = rule.destroy(expired)
    assert counts == {"research.material": 2}
    assert list(rule.expired(timezone.now())) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert "0 item(s) destroyed." in run()
        assert rule.destroy(expired) == {}
    assert AuditEntry.objects.filter(action="research.material_destroyed").count() == 2
    assert len(stored_files()) == 1


def test_a_rolled_back_destruction_keeps_the_file(world, ended):
    from django.db import transaction

    _, items, _ = ended
    with transaction.atomic():
        services.destroy_material(items[0])
        transaction.set_rollback(True)
    items[0].refresh_from_db()
    assert not items[0].is_destroyed
    assert len(stored_files()) == 3


def test_the_project_is_read_only_after_the_end(world, ended):
    project, items, _ = ended
    project.members.add(world.leadership)
    client = Client()
    client.force_login(world.teacher)
    upload = reverse("research_material_upload", args=[project.pk])
    assert client.get(upload).status_code == 403
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = {"file": SimpleUploadedFile("a.pdf", PDF), "no_pupils": "on"}
    assert client.post(upload, body).status_code == 403
    tags = reverse("research_material_tags", args=[items[0].pk])
    assert client.post(tags, {"no_pupils": "on"}).status_code == 403
    assert client.get(reverse("research_material", args=[items[1].pk])).status_code == 404
    page = client.get(reverse("research_project", args=[project.pk])).content.decode()
    assert "Ended: read-only" in page and "Add material" not in page
    leadership = Client()
    leadership.force_login(world.leadership)
    edit = reverse("research_project_edit", args=[project.pk])
    assert leadership.post(edit, {"title": "Nieuw"}).status_code == 403
    assert Material.objects.filter(project=project).count() == 2


def test_a_file_left_behind_by_a_crash_is_swept(world, ended):
    """A destruction committed but its file not deleted (the process died in between)."""
    _, items, _ = ended
    Material.objects.filter(pk=items[0].pk).update(destroyed_at=timezone.now(), file="")
    two_days_later = timezone.now() + timedelta(days=2)
    assert services.sweep_orphans() == []  # too young: it may be an upload being saved
    assert services.sweep_orphans(two_days_later) == [items[0].file.name]
    assert not private_storage.exists(items[0].file.name)
    assert len(stored_files()) == 2  # the live ones stay, however old
    entry = AuditEntry.objects.get(action="research.orphan_file_deleted")
    assert entry.data["file"] == items[0].file.name


def test_the_daily_retention_job_destroys_project_material(
    world, ended, django_capture_on_commit_callbacks
):
    from consentry.retention import services as retention

    _, items, keep = ended
    [dry] = [r for r in retention.run(dry_run=True) if r.rule.name == "research.end_date"]
    assert sorted(item.pk for item in dry.due) == sorted(m.pk for m in items)
    assert (
        len(stored_files()) == 3
        and not AuditEntry.objects.filter(
            action__in=["retention.destroyed", "research.material_destroyed"]
        ).exists()
    )
    with django_capture_on_commit_callbacks(execute=True):
        [done] = [r for r in retention.run() if r.rule.name == "research.end_date"]
    assert done.counts == {"research.material": 2} and not done.error
    assert stored_files() == [keep.file.name]
    mine = AuditEntry.objects.filter(action="research.material_destroyed")
    assert {e.actor_label for e in mine} == {"retention job"} and mine.count() == 2
    assert AuditEntry.objects.get(action="retention.destroyed").data["rule"] == "research.end_date"
    with django_capture_on_commit_callbacks(execute=True):
        [again] = [r for r in retention.run() if r.rule.name == "research.end_date"]
        assert "0 item(s) destroyed." in run()
    assert again.due == [] and mine.count() == 2
