"""Crash safety (issue 4, point 9): SIGKILL a real worker during face detection.

The test and its worker processes share a database and a data folder in tmp_path (the
in-memory test database cannot be shared): a SQLite file for the embedded engine (our own
worker, which takes the job over when its 2 s lease runs out), and a database of its own on
the PostgreSQL server for Procrastinate (whose workers run the job of a worker without a
heartbeat again). It is set up by `consentry migrate` and crash_setup.py in subprocesses.
The first worker is killed as soon as a photo is `detecting`; then nothing may be
half-written: that photo has no faces and every file has its row. A second worker takes the
job over and finishes.
"""

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.processes import own_database, wait_for

ROOT = Path(__file__).resolve().parents[2]
CONSENTRY = [sys.executable, "-m", "consentry.cli"]


def _base_env(tmp_path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "consentry.settings",
        "CONSENTRY_TESTING": "1",
        "CONSENTRY_DATA_DIR": str(tmp_path),
        "CONSENTRY_JOB_LEASE_SECONDS": "2",
        "CONSENTRY_WORKER_HEARTBEAT_SECONDS": "1",
        "CONSENTRY_WORKER_STALLED_SECONDS": "3",
        "CONSENTRY_STALLED_CHECK_SECONDS": "1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CONSENTRY_TASKS_BACKEND", None)
    return env


@pytest.fixture
def sqlite_engine(tmp_path):
    env = {**_base_env(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'crash.sqlite3'}"}

    def query(sql: str) -> list[tuple]:
        with sqlite3.connect(tmp_path / "crash.sqlite3", timeout=10) as db:
            return db.execute(sql).fetchall()

    subprocess.run([*CONSENTRY, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    return env, query, "SELECT COUNT(*) FROM jobs_job WHERE status != 'SUCCESSFUL'"


@pytest.fixture
def postgresql_engine(tmp_path, postgres_only):
    with own_database("crash") as url:
        env = {**_base_env(tmp_path), "DATABASE_URL": url}

        def query(sql: str) -> list[tuple]:
            with psycopg.connect(url, autocommit=True) as db:
                return db.execute(sql).fetchall()

        subprocess.run([*CONSENTRY, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        yield (
            env,
            query,
            (
                "SELECT COUNT(*) FROM procrastinate_jobs "
                "WHERE task_name = 'consentry.run' AND status != 'succeeded'"
            ),
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request):
    return request.getfixturevalue(f"{request.param}_engine")


def _photos(query) -> dict[int, tuple[str, int, int]]:
    """Per photo: status, attempts, number of faces."""
    rows = query(
        "SELECT p.id, p.status, p.attempts, COUNT(f.id) FROM photos_photo p "
        "LEFT JOIN photos_face f ON f.photo_id = p.id GROUP BY p.id"
    )
    return {pk: (status, attempts, faces) for pk, status, attempts, faces in rows}


def _files_match_rows(tmp_path: Path, query) -> bool:
    on_disk = {f"photos/{p.name}" for p in (tmp_path / "private" / "photos").iterdir()}
    rows = {name for (name,) in query("SELECT storage_name FROM photos_photo")}
    return on_disk == rows


def _worker(env) -> subprocess.Popen:
    command = [*CONSENTRY, "worker", "--sleep", "0.05"]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)


def test_a_worker_killed_during_detection_leaves_nothing_half_done(engine, tmp_path):
    env, query, unfinished_jobs = engine
    code = "import django; django.setup(); from tests.photos.crash_setup import main; main()"
    setup = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    ids = [int(pk) for pk in setup.stdout.strip().split(",")]
    assert set(_photos(query)) == set(ids)

    first = _worker(env)
    try:

        def detecting():
            return [pk for pk, (status, *_) in _photos(query).items() if status == "detecting"]

        [killed] = wait_for(detecting, 60, "a photo to be detecting", every=0.01)
        first.send_signal(signal.SIGKILL)
    finally:
        first.kill()
        first.wait()

    after_kill = _photos(query)
    assert after_kill[killed] == ("detecting", 1, 0)  # claimed, no faces written
    for status, _attempts, faces in after_kill.values():
        assert (status == "ready") == (faces > 0)  # a result is whole or absent
    assert _files_match_rows(tmp_path, query)

    second = _worker(env)
    try:

        def all_ready():
            photos = _photos(query)
            return all(status == "ready" for status, *_ in photos.values()) and photos

        done = wait_for(all_ready, 90, "every photo to be ready")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
    assert done[killed][1] == 2  # taken over, and run again
    assert all(faces >= 6 for _status, _attempts, faces in done.values())
    assert _files_match_rows(tmp_path, query)
    [(unfinished,)] = query(unfinished_jobs)
    assert unfinished == 0
