"""The database tasks backend and its worker: storage, leases, retries, transactions.

These tests use the real backend (the test settings run tasks at once otherwise) and real
transactions, because the worker commits its claims and closes stale connections.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.tasks import TaskResultStatus, task_backends
from django.utils import timezone

from consentry.jobs.backend import DatabaseBackend
from consentry.jobs.models import Job
from consentry.jobs.worker import claim_next, run_job, work

from .tasks import add, explode, plain, urgent

pytestmark = pytest.mark.usefixtures("audit_flushable")


@pytest.fixture(autouse=True)
def database_backend(settings):
    settings.TASKS = {
        "default": {
            **settings.TASKS["default"],
            "BACKEND": "consentry.jobs.backend.DatabaseBackend",
        }
    }
    settings.JOB_MAX_ATTEMPTS = 3
    settings.JOB_LEASE_SECONDS = 300
    assert isinstance(task_backends["default"], DatabaseBackend)


def test_enqueue_stores_a_ready_job():
    result = add.enqueue(2, 3)
    job = Job.objects.get(pk=result.id)
    assert job.status == Job.Status.READY
    assert job.task_path == "tests.jobs.tasks.add"
    assert (job.args, job.kwargs) == ([2, 3], {})
    assert job.attempts == 0
    assert result.status == TaskResultStatus.READY


def test_worker_runs_the_job_and_records_its_return_value():
    result = add.enqueue(2, b=40)
    assert work(once=True) == 1
    job = Job.objects.get(pk=result.id)
    assert job.status == Job.Status.SUCCESSFUL
    assert job.return_value == 42
    assert job.attempts == 1
    assert job.finished_at is not None
    assert job.lease_until is None
    assert job.errors == []
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 42
    assert work(once=True) == 0  # nothing left: a finished job is not run again


def test_worker_runs_every_waiting_job_once():
    results = [add.enqueue(i, i) for i in range(3)]
    assert work(once=True) == 3
    assert [Job.objects.get(pk=r.id).return_value for r in results] == [0, 2, 4]


def test_higher_priority_runs_first():
    plain_result = plain.enqueue()
    urgent_result = urgent.enqueue()
    first = claim_next("w1")
    assert first.pk == urgent_result.id
    assert claim_next("w1").pk == plain_result.id


def test_deferred_job_waits_until_its_time():
    later = timezone.now() + timedelta(hours=1)
    result = add.using(run_after=later).enqueue(1, 1)
    assert work(once=True) == 0
    assert Job.objects.get(pk=result.id).status == Job.Status.READY
    Job.objects.filter(pk=result.id).update(run_after=timezone.now() - timedelta(seconds=1))
    assert work(once=True) == 1
    assert Job.objects.get(pk=result.id).status == Job.Status.SUCCESSFUL


def test_failing_job_is_retried_later():
    result = explode.enqueue("boom")
    before = timezone.now()
    assert work(once=True) == 1
    job = Job.objects.get(pk=result.id)
    assert job.status == Job.Status.READY
    assert job.attempts == 1
    assert job.run_after > before
    assert job.lease_until is None
    assert job.finished_at is None
    [error] = job.errors
    assert error["exception_class_path"] == "builtins.ValueError"
    assert "boom" in error["traceback"]
    assert work(once=True) == 0  # not before its run_after


def test_failing_job_fails_for_good_after_the_maximum_attempts(settings):
    result = explode.enqueue("boom")
    for attempt in range(1, settings.JOB_MAX_ATTEMPTS + 1):
        Job.objects.filter(pk=result.id).update(run_after=timezone.now() - timedelta(seconds=1))
        assert work(once=True) == 1
        job = Job.objects.get(pk=result.id)
        assert job.attempts == attempt
        expected = Job.Status.READY if attempt < settings.JOB_MAX_ATTEMPTS else Job.Status.FAILED
        assert job.status == expected
    assert job.finished_at is not None
    assert job.run_after is None
    assert len(job.errors) == settings.JOB_MAX_ATTEMPTS
    assert all(e["exception_class_path"] == "builtins.ValueError" for e in job.errors)
    assert work(once=True) == 0
    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[-1].exception_class_path == "builtins.ValueError"


def test_job_of_a_killed_worker_is_taken_over_when_its_lease_runs_out():
    result = add.enqueue(20, 22)
    dead = claim_next("killed-worker")  # claimed, then SIGKILL: it never finishes
    assert dead.status == Job.Status.RUNNING
    Job.objects.filter(pk=result.id).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert work(once=True) == 1
    job = Job.objects.get(pk=result.id)
    assert job.status == Job.Status.SUCCESSFUL
    assert job.return_value == 42
    assert job.attempts == 2
    assert job.worker_ids[0] == "killed-worker"
    assert len(job.worker_ids) == 2
    assert job.worker_id != "killed-worker"


def test_running_job_with_a_live_lease_is_not_taken():
    result = add.enqueue(1, 2)
    claim_next("live-worker")
    assert work(once=True) == 0
    job = Job.objects.get(pk=result.id)
    assert job.status == Job.Status.RUNNING
    assert job.worker_id == "live-worker"
    assert job.attempts == 1


def test_the_old_worker_cannot_finish_a_job_that_was_taken_over():
    add.enqueue(1, 1)
    stale = claim_next("slow-worker")
    Job.objects.filter(pk=stale.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    fresh = claim_next("new-worker")
    assert fresh.pk == stale.pk
    run_job(stale, "slow-worker")  # the slow worker wakes up and finishes
    job = Job.objects.get(pk=stale.pk)
    assert job.status == Job.Status.RUNNING
    assert job.worker_id == "new-worker"


def test_expired_lease_on_the_last_attempt_fails_the_job(settings):
    result = add.enqueue(1, 1)
    Job.objects.filter(pk=result.id).update(
        status=Job.Status.RUNNING,
        attempts=settings.JOB_MAX_ATTEMPTS,
        lease_until=timezone.now() - timedelta(seconds=1),
        worker_id="killed-worker",
    )
    assert work(once=True) == 0
    job = Job.objects.get(pk=result.id)
    assert job.status == Job.Status.FAILED
    assert job.errors[-1]["exception_class_path"] == "consentry.jobs.worker.LeaseExpired"
    assert job.finished_at is not None


def test_lease_expired_error_names_a_real_exception_class(settings):
    result = add.enqueue(1, 1)
    Job.objects.filter(pk=result.id).update(
        status=Job.Status.RUNNING,
        attempts=settings.JOB_MAX_ATTEMPTS,
        lease_until=timezone.now() - timedelta(seconds=1),
    )
    work(once=True)
    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert issubclass(result.errors[-1].exception_class, Exception)


def test_enqueue_in_a_rolled_back_transaction_leaves_no_job():
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        add.enqueue(1, 1)
        assert Job.objects.count() == 1
        raise Abort
    assert not Job.objects.exists()
    assert work(once=True) == 0


def test_enqueue_in_a_committed_transaction_keeps_the_job():
    with transaction.atomic():
        result = add.enqueue(1, 1)
    assert Job.objects.filter(pk=result.id, status=Job.Status.READY).exists()
