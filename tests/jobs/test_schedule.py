"""The schedule (jobs.schedule) on the SQLite engine: `consentry worker` starts each moment of
each entry once, catches up a missed one once, and a new installation starts nothing at once."""

from datetime import datetime, timedelta

import pytest
from django.tasks import task_backends
from django.utils import timezone

from consentry.jobs.backend import DatabaseBackend
from consentry.jobs.models import Job, PeriodicRun
from consentry.jobs.schedule import SCHEDULE
from consentry.jobs.scheduler import latest_moment, start_due
from consentry.jobs.worker import work

pytestmark = pytest.mark.usefixtures("audit_flushable")


@pytest.fixture(autouse=True)
def database_backend(settings):
    settings.TASKS = {
        "default": {
            **settings.TASKS["default"],
            "BACKEND": "consentry.jobs.backend.DatabaseBackend",
        }
    }
    assert isinstance(task_backends["default"], DatabaseBackend)


def local(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def retention_jobs() -> list[Job]:
    return list(Job.objects.filter(task_path="consentry.retention.tasks.apply_retention"))


def test_every_entry_is_a_task_without_arguments():
    from django.utils.module_loading import import_string

    for entry in SCHEDULE:
        task = import_string(entry.task)
        task.enqueue()  # validates the task for the backend; no argument is needed
    assert Job.objects.count() == len(SCHEDULE)


def test_the_latest_moment_is_in_the_schools_time_zone():
    [retention] = [e for e in SCHEDULE if e.name == "retention"]
    moment = latest_moment(retention, local(2026, 3, 30, 9, 0))  # summer time
    assert moment == local(2026, 3, 30, 3, 15)
    assert latest_moment(retention, local(2026, 3, 30, 3, 14)) == local(2026, 3, 29, 3, 15)
    assert latest_moment(retention, local(2026, 3, 30, 3, 15)) == local(2026, 3, 30, 3, 15)


def test_a_new_installation_notes_the_moments_and_runs_nothing_yet():
    assert start_due(local(2026, 12, 2, 9, 0)) == []
    assert PeriodicRun.objects.count() == len(SCHEDULE)
    assert not Job.objects.exists()


def test_each_moment_is_started_once():
    start_due(local(2026, 12, 2, 9, 0))
    started = start_due(local(2026, 12, 3, 3, 20))
    assert "retention" in started and "breach_reminders" in started
    assert "agreement_reminders" not in started  # 07:00 has not come yet
    assert len(retention_jobs()) == 1
    assert start_due(local(2026, 12, 3, 3, 25)) == []  # still the same moments
    assert len(retention_jobs()) == 1
    later = {"project_cleanup", "forget_finished_jobs", "breach_reminders"}
    assert set(start_due(local(2026, 12, 3, 4, 5))) == later  # 03:30, 03:45 and 04:05


def test_a_moment_missed_while_no_worker_ran_is_started_once_on_return():
    start_due(local(2026, 12, 2, 9, 0))
    started = start_due(local(2026, 12, 5, 9, 0))  # three nights later
    assert "retention" in started and "agreement_reminders" in started
    assert len(retention_jobs()) == 1


def test_a_moment_another_worker_started_is_not_started_again():
    start_due(local(2026, 12, 2, 9, 0))
    [retention] = [e for e in SCHEDULE if e.name == "retention"]
    moment = latest_moment(retention, local(2026, 12, 3, 4, 0))
    PeriodicRun.objects.create(name="retention", due_at=moment, job="elsewhere")
    assert "retention" not in start_due(local(2026, 12, 3, 4, 0))
    assert retention_jobs() == []


def test_the_worker_runs_the_work_of_the_schedule(monkeypatch):
    start_due(local(2026, 12, 2, 9, 0))
    monkeypatch.setattr(timezone, "now", lambda: local(2026, 12, 3, 7, 5))
    assert work(once=True, schedule=True) >= 3  # retention, project clean-up, agreements, ...
    assert all(job.status == Job.Status.SUCCESSFUL for job in Job.objects.all())
    assert {r.name for r in PeriodicRun.objects.exclude(job="")} >= {
        "retention",
        "agreement_reminders",
        "breach_reminders",
    }
    assert work(once=True, schedule=True) == 0  # the same moments: nothing again


def test_the_nightly_retention_run_destroys_what_has_expired(monkeypatch):
    from consentry.mail.models import OutgoingMail
    from consentry.mail.services import queue_mail

    assert "retention" in {entry.name for entry in SCHEDULE}
    start_due(local(2026, 12, 2, 9, 0))
    old = queue_mail("a@example.nl", "Old", "Emma said yes", kind="receipt")
    new = queue_mail("b@example.nl", "New", "Emma said no", kind="receipt")
    OutgoingMail.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    Job.objects.all().delete()  # the mails' sending is not this test's point
    monkeypatch.setattr(timezone, "now", lambda: local(2026, 12, 3, 3, 20))
    work(once=True, schedule=True)
    [job] = retention_jobs()
    assert (job.status, job.return_value) == (Job.Status.SUCCESSFUL, 1)
    assert list(OutgoingMail.objects.values_list("pk", flat=True)) == [new.pk]
