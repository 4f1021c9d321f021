"""Crash safety of research video: SIGKILL a real worker while it finds faces in a piece.

As for photos (tests/photos/test_crash.py): the test and its worker processes share a SQLite
file and a data folder in tmp_path, set up by `consentry migrate` and crash_setup.py in
subprocesses, with a 2 s lease. The first worker is killed while a detect job runs; then no
piece may be half-written. A second worker takes the job over once its lease has run out,
finishes every piece, links the tracks exactly once, and removes the decrypted copy that the
killed worker left in the temporary folder.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.processes import wait_for

ROOT = Path(__file__).resolve().parents[2]
CONSENTRY = [sys.executable, "-m", "consentry.cli"]


def test_a_worker_killed_during_a_piece_leaves_nothing_half_done(tmp_path):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.research.crash_settings",
        "CONSENTRY_TESTING": "1",
        "CONSENTRY_DATA_DIR": str(tmp_path),
        "CONSENTRY_JOB_LEASE_SECONDS": "2",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'crash.sqlite3'}",
        "TMPDIR": str(temporary),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CONSENTRY_TASKS_BACKEND", None)

    def query(sql: str) -> list[tuple]:
        with sqlite3.connect(tmp_path / "crash.sqlite3", timeout=10) as db:
            return db.execute(sql).fetchall()

    def pieces() -> list[tuple]:
        return query(
            "SELECT id, finished_at IS NOT NULL, faces FROM research_videopiece "
            "WHERE step = 'detect' ORDER BY id"
        )

    subprocess.run([*CONSENTRY, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    code = "import django; django.setup(); from tests.research.crash_setup import main; main()"
    setup = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    video_id = int(setup.stdout.strip().splitlines()[-1])
    assert len(pieces()) == 4 and not any(done for _pk, done, _faces in pieces())

    def running_detect_job() -> list[int]:
        rows = query(
            "SELECT args FROM jobs_job WHERE status = 'RUNNING' AND task_path LIKE '%detect_piece'"
        )
        return [json.loads(args)[0] for (args,) in rows]

    def decrypted_copy() -> list[Path]:
        return [p for p in temporary.glob("consentry-video-*") if (p / "original").exists()]

    first = subprocess.Popen(
        [*CONSENTRY, "worker", "--sleep", "0.05"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    try:

        def detecting() -> list[int]:
            return running_detect_job() if decrypted_copy() else []

        [killed] = wait_for(detecting, 90, "a piece being detected", every=0.01)
        first.send_signal(signal.SIGKILL)
    finally:
        first.kill()
        first.wait()

    after_kill = {pk: (done, faces) for pk, done, faces in pieces()}
    assert after_kill[killed] == (0, None)  # nothing of the killed piece was written
    assert all((faces is not None) == bool(done) for done, faces in after_kill.values())
    assert decrypted_copy(), "the killed worker's decrypted copy is still there"
    assert query(f"SELECT stage FROM research_video WHERE id = {video_id}") == [("detecting",)]

    second = subprocess.Popen(
        [*CONSENTRY, "worker", "--sleep", "0.05"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    try:

        def marking() -> bool:
            return query(f"SELECT stage FROM research_video WHERE id = {video_id}") == [
                ("marking",)
            ]

        wait_for(marking, 120, "the video to be ready for marking")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
    assert all(done and faces for _pk, done, faces in pieces())
    [(links,)] = query("SELECT COUNT(*) FROM jobs_job WHERE task_path LIKE '%link_tracks'")
    assert links == 1
    [(attempts,)] = query(
        "SELECT attempts FROM jobs_job "
        f"WHERE task_path LIKE '%detect_piece' AND args = '[{killed}]'"
    )
    assert attempts == 2  # taken over, and run again
    assert query(f"SELECT COUNT(*) FROM research_videotrack WHERE video_id = {video_id}")[0][0] >= 2
    assert not list(temporary.glob("consentry-video-*")), "a decrypted copy was left behind"
