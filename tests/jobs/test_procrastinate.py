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
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.tasks import TaskResultStatus, task_backends

from tests.processes import server_url, wait_for

from .tasks import add, explode, record

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("postgres_only", "audit_flushable")


@pytest.fixture
def procrastinate(settings):
    from consentry.jobs.procrastinate_backend import ProcrastinateBackend

    backend = "consentry.jobs.procrastinate_backend.ProcrastinateBackend"
    settings.TASKS = {"default": {"BACKEND": backend}}
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
