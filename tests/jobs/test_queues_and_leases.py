"""Our own engine (SQLite, and PostgreSQL when asked): queues per worker, leases on the
database's clock, a lease keeper that survives a database error, and finished jobs forgotten.

Real backend, real worker loop and `consentry worker` command, real threads and database
locks; the only thing bent is a worker's clock (timezone.now), as on a machine whose clock is
off, to show that the worker no longer reads it for leases.
"""

import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.tasks import task_backends
from django.utils import timezone

from consentry.jobs.backend import DatabaseBackend
from consentry.jobs.management.commands.worker import queue_names
from consentry.jobs.models import Job
from consentry.jobs.tasks import FINISHED_JOBS_KEPT, forget_finished_jobs
from consentry.jobs.worker import claim_next, run_job, work

from .tasks import add, explode, hold_own_job, lease_after

pytestmark = pytest.mark.usefixtures("audit_flushable")

HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def database_backend(settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "consentry.jobs.backend.DatabaseBackend",
            "QUEUES": ["default", "mail", "photos"],
        }
    }
    settings.JOB_MAX_ATTEMPTS = 3
    settings.JOB_LEASE_SECONDS = 300
    assert isinstance(task_backends["default"], DatabaseBackend)


def status(result) -> str:
    return Job.objects.get(pk=result.id).status


def skew_clock(monkeypatch, by: timedelta) -> None:
    """This worker's clock is off by `by` (the database's is not)."""
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + by)


# Queues


def test_the_queue_option_reads_repeats_and_comma_lists():
    assert queue_names([]) is None  # every queue
    assert queue_names(["mail"]) == ["mail"]
    assert queue_names(["mail, photos", "default", "mail"]) == ["mail", "photos", "default"]


def test_a_worker_for_one_queue_leaves_the_jobs_of_other_queues():
    mail = add.using(queue_name="mail").enqueue(1, 2)
    photos = add.using(queue_name="photos").enqueue(3, 4)
    default = add.enqueue(5, 6)
    assert work(once=True, queues=["mail"]) == 1
    assert status(mail) == Job.Status.SUCCESSFUL
    assert status(photos) == status(default) == Job.Status.READY
    assert work(once=True) == 2  # a worker for every queue takes the rest
    assert status(photos) == status(default) == Job.Status.SUCCESSFUL


def test_consentry_worker_takes_only_the_queues_it_is_given():
    mail = add.using(queue_name="mail").enqueue(1, 2)
    photos = add.using(queue_name="photos").enqueue(3, 4)
    default = add.enqueue(5, 6)
    call_command("worker", "--once", "--no-schedule", "--queue", "photos")
    assert status(photos) == Job.Status.SUCCESSFUL
    assert status(mail) == status(default) == Job.Status.READY
    call_command("worker", "--once", "--no-schedule", "--queue", "mail,default")
    assert status(mail) == status(default) == Job.Status.SUCCESSFUL


def test_a_lapsed_lease_of_another_queue_is_not_taken_either():
    result = add.using(queue_name="photos").enqueue(1, 1)
    claim_next("killed-worker")
    Job.objects.filter(pk=result.id).update(lease_until=timezone.now() - HOUR)
    assert work(once=True, queues=["mail"]) == 0
    assert Job.objects.get(pk=result.id).worker_id == "killed-worker"
    assert work(once=True, queues=["photos"]) == 1


# Leases on the database's clock


def test_a_worker_whose_clock_runs_ahead_does_not_take_a_live_lease(monkeypatch):
    result = add.enqueue(1, 2)
    claim_next("live-worker")  # a lease of 300 s, on the database's clock
    skew_clock(monkeypatch, +HOUR)
    assert work(once=True) == 0
    job = Job.objects.get(pk=result.id)
    assert (job.status, job.worker_id, job.attempts) == (Job.Status.RUNNING, "live-worker", 1)


def test_a_worker_whose_clock_runs_behind_takes_a_lapsed_lease(monkeypatch):
    result = add.enqueue(20, 22)
    claim_next("killed-worker")
    Job.objects.filter(pk=result.id).update(lease_until=timezone.now() - timedelta(seconds=5))
    skew_clock(monkeypatch, -HOUR)
    assert work(once=True) == 1
    job = Job.objects.get(pk=result.id)
    assert (job.status, job.return_value, job.attempts) == (Job.Status.SUCCESSFUL, 42, 2)


def test_a_claim_sets_the_lease_from_the_databases_clock(monkeypatch):
    result = add.enqueue(1, 1)
    skew_clock(monkeypatch, -HOUR)
    claim_next("slow-clock")
    skew_clock(monkeypatch, +HOUR)  # back to the real time, as another worker sees it
    lease_until = Job.objects.get(pk=result.id).lease_until
    assert lease_until > timezone.now() + timedelta(seconds=290)
    assert work(once=True) == 0  # so nobody else takes it


def test_the_lease_keeper_renews_from_the_databases_clock(settings, monkeypatch):
    settings.JOB_LEASE_SECONDS = 3  # renewed every second
    result = lease_after.enqueue(2.5)
    skew_clock(monkeypatch, -HOUR)
    assert work(once=True) == 1
    job = Job.objects.get(pk=result.id)
    assert job.status == Job.Status.SUCCESSFUL
    assert job.return_value is True  # still leased, after the claim's lease would have ended


def test_a_retry_waits_by_the_databases_clock(monkeypatch):
    result = explode.enqueue("boom")
    skew_clock(monkeypatch, -HOUR)
    assert work(once=True) == 1  # fails; retried 20 s later by the database's clock
    assert status(result) == Job.Status.READY
    assert work(once=True) == 0  # not at once, though this worker's clock is an hour behind


# A lease keeper that meets a database error


def test_a_failed_renewal_is_logged_and_tried_again(settings, caplog):
    """The job itself locks its row past the first renewal: the keeper's update fails (a
    locked database), it says so and succeeds on a later try; the job ends once."""
    settings.JOB_LEASE_SECONDS = 6  # renew every 2 s, retry every 0.5 s, give up after 5 s
    result = hold_own_job.enqueue(hold=2.8, total=3.5)
    job = claim_next("w1")
    stopped = []
    with caplog.at_level(logging.WARNING, logger="consentry.jobs.worker"):
        run_job(job, "w1", on_lost=lambda: stopped.append(True))
    failures = [r for r in caplog.records if "renewing the lease failed" in r.getMessage()]
    assert failures and all(r.exc_info for r in failures)  # logged with the database's error
    assert stopped == []  # renewed in time: the worker goes on
    job = Job.objects.get(pk=result.id)
    assert (job.status, job.attempts, job.lease_until) == (Job.Status.SUCCESSFUL, 1, None)


def test_a_lease_that_cannot_be_renewed_in_time_stops_the_worker(settings, caplog):
    """Locked past the lease: the keeper gives up before the lease ends (in production the
    process exits at once: test_lease_keeper_process); the job is not recorded as done, and
    runs again once its lease has run out."""
    settings.JOB_LEASE_SECONDS = 3  # give up 2.5 s after the claim
    result = hold_own_job.enqueue(hold=3.5, total=3.5)
    job = claim_next("w1")
    stopped = []
    with caplog.at_level(logging.WARNING, logger="consentry.jobs.worker"):
        run_job(job, "w1", on_lost=lambda: stopped.append(timezone.now()))
    assert stopped and stopped[0] < job.lease_until
    assert any("could not be renewed in time" in r.getMessage() for r in caplog.records)
    assert status(result) == Job.Status.RUNNING  # not done: redone after the lease
    Job.objects.filter(pk=result.id).update(lease_until=timezone.now() - timedelta(seconds=1))
    settings.JOB_LEASE_SECONDS = 300
    Job.objects.filter(pk=result.id).update(kwargs={"hold": 0, "total": 0})
    assert work(once=True) == 1
    job = Job.objects.get(pk=result.id)
    assert (job.status, job.attempts) == (Job.Status.SUCCESSFUL, 2)


def test_a_lease_taken_over_stops_the_old_worker(settings):
    settings.JOB_LEASE_SECONDS = 3
    result = lease_after.enqueue(2)
    job = claim_next("paused-worker")
    Job.objects.filter(pk=result.id).update(worker_id="new-worker")  # as after a take-over
    stopped = []
    run_job(job, "paused-worker", on_lost=lambda: stopped.append(True))
    assert stopped == [True]
    assert Job.objects.get(pk=result.id).status == Job.Status.RUNNING  # the new worker's


# Finished jobs are forgotten after a week


def test_finished_jobs_are_forgotten_after_a_week_and_others_kept():
    old_done, old_failed, recent, waiting, running = (add.enqueue(i, i) for i in range(5))
    Job.objects.filter(pk__in=[old_done.id, recent.id]).update(status=Job.Status.SUCCESSFUL)
    Job.objects.filter(pk=old_failed.id).update(
        status=Job.Status.FAILED, errors=[{"exception_class_path": "x", "traceback": "names"}]
    )
    Job.objects.filter(pk=running.id).update(status=Job.Status.RUNNING)
    now = timezone.now()
    Job.objects.filter(pk__in=[old_done.id, old_failed.id]).update(
        finished_at=now - FINISHED_JOBS_KEPT - HOUR
    )
    Job.objects.filter(pk=recent.id).update(finished_at=now - FINISHED_JOBS_KEPT + HOUR)
    assert work(once=True) == 1  # the waiting one, a job of its own
    forget_finished_jobs.enqueue()
    assert work(once=True) == 1
    left = set(Job.objects.values_list("pk", flat=True))
    assert old_done.id not in left and old_failed.id not in left
    assert {recent.id, waiting.id, running.id} <= left
