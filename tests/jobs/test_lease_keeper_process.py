"""Our own engine's worker as a real process: when the database refuses to renew a job's
lease (here: the job's row is locked, so every renewal times out), the worker logs it, stops
itself before the lease runs out, and another worker runs the job again once the lease has
run out: redone, not lost, never twice at the same time.

On PostgreSQL (a worker process cannot share SQLite's in-memory test database).
"""

import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import transaction
from django.db.models.functions import Now

from consentry.jobs.models import Job
from consentry.jobs.worker import EXIT_LEASE_LOST
from tests.processes import wait_for

from .tasks import record
from .test_procrastinate import ROOT, _records, worker_env

pytestmark = pytest.mark.usefixtures("postgres_only", "audit_flushable")


@pytest.fixture
def our_engine(settings):
    settings.TASKS = {
        "default": {
            **settings.TASKS["default"],
            "BACKEND": "consentry.jobs.backend.DatabaseBackend",
        }
    }


def our_worker(env, *args: str, stderr=subprocess.DEVNULL) -> subprocess.Popen:
    command = [sys.executable, "-m", "consentry.cli", "worker", "--sleep", "0.1", *args]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)


def test_a_worker_that_cannot_renew_its_lease_stops_and_the_job_runs_again_once(
    transactional_db, our_engine, tmp_path
):
    result = record.enqueue(7, 4.0)  # runs 4 s; the lease is 3 s, renewed every second
    env = worker_env(tmp_path)
    env.update(
        CONSENTRY_TASKS_BACKEND="consentry.jobs.backend.DatabaseBackend",
        CONSENTRY_JOB_LEASE_SECONDS="3",
    )
    path = Path(env["CONSENTRY_TEST_RECORD"])
    log = tmp_path / "first.log"
    with log.open("w") as stderr:
        first = our_worker(env, "--no-schedule", stderr=stderr)
        try:
            wait_for(lambda: _records(path), 60, "the job to start")
            with transaction.atomic():  # the job's row locked: every renewal fails
                list(Job.objects.select_for_update().filter(pk=result.id))
                code = first.wait(timeout=30)
                stopped_at = time.time()
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
    assert code == EXIT_LEASE_LOST
    text = log.read_text()
    assert "renewing the lease failed" in text and "could not be renewed in time" in text
    job = Job.objects.get(pk=result.id)
    assert job.status == Job.Status.RUNNING and job.attempts == 1
    assert Job.objects.filter(pk=result.id, lease_until__gt=Now()).exists()  # stopped in time
    assert [what for what, *_ in _records(path)] == ["start"]  # the first run never ended

    second = our_worker(env, "--no-schedule")
    try:
        wait_for(lambda: Job.objects.get(pk=result.id).status == "SUCCESSFUL", 60, "the rerun")
    finally:
        second.terminate()
        second.wait(timeout=60)
    rows = _records(path)
    assert [(what, pid) for what, _n, pid, _at in rows] == [
        ("start", first.pid),
        ("start", second.pid),
        ("end", second.pid),
    ]
    assert rows[1][3] > stopped_at  # run again only after the first worker had stopped
    job = Job.objects.get(pk=result.id)
    assert (job.attempts, job.return_value) == (2, 7)
