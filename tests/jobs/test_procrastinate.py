"""The job engine on PostgreSQL: Django's tasks on Procrastinate, with real worker processes.

Jobs are deferred in the caller's transaction, workers run each job once, a failure is
retried, and when a worker is killed (SIGKILL) in the middle of a job another worker runs that
job again, never at the same time, and nothing is lost. The workers are `consentry worker`
processes against the test database; heartbeats and the stalled check are set to seconds.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.tasks import TaskResultStatus, task_backends
from django.utils import timezone

from tests.processes import server_url, wait_for

from .tasks import add, explode, record

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("postgres_only", "audit_flushable")


@pytest.fixture
def procrastinate(settings):
    from consentry.jobs.procrastinate_backend import ProcrastinateBackend

    backend = "consentry.jobs.procrastinate_backend.ProcrastinateBackend"
    settings.TASKS = {"default": {**settings.TASKS["default"], "BACKEND": backend}}
    assert isinstance(task_backends["default"], ProcrastinateBackend)
    _forget_jobs()  # Procrastinate's tables are not Django's: the test flush leaves them
    yield
    _forget_jobs()


def _forget_jobs() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, "
            "procrastinate_workers CASCADE"
        )


def jobs() -> list[tuple[int, str, str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, task_name, status, attempts FROM procrastinate_jobs "
            "WHERE task_name = 'consentry.run' ORDER BY id"
        )
        return cursor.fetchall()


def worker_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    url = f"{server_url()}/{connection.settings_dict['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "consentry.settings",
        "CONSENTRY_TESTING": "1",
        "CONSENTRY_DATA_DIR": str(tmp_path),
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),
        "CONSENTRY_WORKER_HEARTBEAT_SECONDS": "1",
        "CONSENTRY_WORKER_STALLED_SECONDS": "3",
        "CONSENTRY_STALLED_CHECK_SECONDS": "1",
        "CONSENTRY_TEST_RECORD": str(tmp_path / "record.txt"),
        **extra,
    }
    env.pop("CONSENTRY_TASKS_BACKEND", None)
    return env


def worker(env, *args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "consentry.cli", "worker", "--sleep", "0.1", *args]
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def test_a_job_exists_only_once_its_transaction_commits(transactional_db, procrastinate):
    with pytest.raises(RuntimeError), transaction.atomic():
        add.enqueue(1, 2)
        raise RuntimeError("the change that asked for the job is rolled back")
    assert jobs() == []
    with transaction.atomic():
        result = add.enqueue(1, 2)
    [(job_id, _task, status, attempts)] = jobs()
    assert (str(job_id), status, attempts) == (result.id, "todo", 0)
    assert task_backends["default"].get_result(result.id).status == TaskResultStatus.READY


def test_a_worker_runs_the_job_and_retries_a_failure(transactional_db, procrastinate, tmp_path):
    done = add.enqueue(20, 22)
    failing = explode.enqueue("boom")
    process = worker(worker_env(tmp_path), "--once")
    assert process.wait(timeout=60) == 0
    states = {str(job_id): (status, attempts) for job_id, _t, status, attempts in jobs()}
    assert states[done.id] == ("succeeded", 1)  # Procrastinate counts the runs done
    assert states[failing.id] == ("todo", 1)  # failed once, waits for its retry
    backend = task_backends["default"]
    assert backend.get_result(done.id).status == TaskResultStatus.SUCCESSFUL


def _records(path: Path) -> list[tuple[str, int, int, float]]:
    if not path.exists():
        return []
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    return [(what, int(n), int(pid), float(at)) for what, n, pid, at in rows]


def test_two_workers_never_run_a_job_twice_at_once_and_lose_none_when_one_is_killed(
    transactional_db, procrastinate, tmp_path
):
    count = 10
    for number in range(count):
        record.enqueue(number, 0.6)
    env = worker_env(tmp_path)
    path = Path(env["CONSENTRY_TEST_RECORD"])
    first, second = worker(env), worker(env)
    try:

        def first_is_busy():
            rows = _records(path)
            ended = {(n, pid) for what, n, pid, _at in rows if what == "end"}
            running = [
                n for what, n, pid, _at in rows
                if what == "start" and pid == first.pid and (n, pid) not in ended
            ]  # fmt: skip
            return running if any(what == "end" for what, *_ in rows) else None

        [killed] = wait_for(first_is_busy, 60, "the first worker to run a job")
        first.send_signal(signal.SIGKILL)
        killed_at = time.time()
        first.wait()

        def all_ended():
            ends = {n for what, n, _pid, _at in _records(path) if what == "end"}
            return ends == set(range(count)) and ends

        wait_for(all_ended, 90, "every job to end")
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)

    rows = _records(path)
    ends = [n for what, n, _pid, _at in rows if what == "end"]
    assert sorted(ends) == list(range(count))  # every job finished, each once
    runs_of_killed = [(pid, at) for what, n, pid, at in rows if what == "start" and n == killed]
    assert [pid for pid, _at in runs_of_killed] == [first.pid, second.pid]
    assert runs_of_killed[1][1] > killed_at  # run again only after its worker was gone
    for number in set(range(count)) - {killed}:
        assert sum(1 for what, n, *_ in rows if what == "start" and n == number) == 1
    assert {status for _id, _task, status, _attempts in jobs()} == {"succeeded"}


def test_a_worker_for_one_queue_leaves_the_jobs_of_other_queues(
    transactional_db, procrastinate, settings, tmp_path
):
    settings.TASKS = {
        "default": {**settings.TASKS["default"], "QUEUES": ["default", "mail", "photos"]}
    }
    mail = add.using(queue_name="mail").enqueue(1, 2)
    photos = add.using(queue_name="photos").enqueue(3, 4)
    default = add.enqueue(5, 6)
    env = worker_env(tmp_path)
    assert worker(env, "--once", "--queue", "mail").wait(timeout=60) == 0
    states = {str(job_id): status for job_id, _t, status, _a in jobs()}
    assert states == {mail.id: "succeeded", photos.id: "todo", default.id: "todo"}
    assert worker(env, "--once", "--queue", "photos,default").wait(timeout=60) == 0
    assert {status for _id, _t, status, _a in jobs()} == {"succeeded"}


def test_finished_jobs_are_forgotten_after_a_week(transactional_db, procrastinate, tmp_path):
    from consentry.jobs.tasks import forget_finished_jobs

    old, recent, failed = add.enqueue(1, 1), add.enqueue(2, 2), explode.enqueue("names")
    waiting = add.using(run_after=timezone.now() + timedelta(days=30)).enqueue(3, 3)
    env = worker_env(tmp_path, CONSENTRY_JOB_MAX_ATTEMPTS="1")
    assert worker(env, "--once").wait(timeout=60) == 0
    states = {str(job_id): status for job_id, _t, status, _a in jobs()}
    assert states == {old.id: "succeeded", recent.id: "succeeded", failed.id: "failed",
                      waiting.id: "todo"}  # fmt: skip
    with connection.cursor() as cursor:  # as if `old` and `failed` finished eight days ago
        cursor.execute(
            "UPDATE procrastinate_events SET at = at - interval '8 days' WHERE job_id = ANY(%s)",
            [[int(old.id), int(failed.id)]],
        )
    forget_finished_jobs.call()
    assert {str(job_id) for job_id, *_ in jobs()} == {recent.id, waiting.id}


def test_every_entry_of_the_schedule_is_a_periodic_task_that_runs_it(
    transactional_db, procrastinate
):
    from consentry.jobs.procrastinate_backend import app
    from consentry.jobs.schedule import SCHEDULE
    from consentry.mail.models import OutgoingMail
    from consentry.mail.services import queue_mail

    registered = set(app.periodic_registry.periodic_tasks)
    assert {(f"consentry.periodic.{e.name}", e.name) for e in SCHEDULE} <= registered
    assert ("consentry.periodic.retention", "retention") in registered
    old = queue_mail("a@example.nl", "Old", "Emma said yes", kind="receipt")
    OutgoingMail.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    destroyed = app.tasks["consentry.periodic.retention"](timestamp=int(time.time()))
    assert destroyed >= 1
    assert not OutgoingMail.objects.filter(pk=old.pk).exists()
