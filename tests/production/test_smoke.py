"""The production set-up, end to end, as a board runs it (docs/deploy.md), all on 127.0.0.1:

PostgreSQL (a database of its own on the test server), SeaweedFS as the S3 store, a real SMTP
server, `consentry setup` and the roster commands for a new school, `consentry serve`
(gunicorn) and two `consentry worker` processes (Procrastinate). Then, over HTTP: a guardian
signs in with the code that arrives by mail and saves an answer (the receipt comes by mail,
sent by a worker), a teacher signs in and uploads a photo, which the workers detect (the
encrypted original lies in the bucket, not on the disk), and the periodic work runs.
Bounded in time: about half a minute.
"""

import http.cookiejar
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import numpy as np
import psycopg
import pytest

from tests.mail.smtp import SmtpServer
from tests.photos.helpers import astronaut, encode
from tests.processes import own_database, wait_for
from tests.roster.builders import edex, leerkracht, leerling
from tests.seaweedfs import SeaweedFS, free_port

ROOT = Path(__file__).resolve().parents[2]
CONSENTRY = [sys.executable, "-m", "consentry.cli"]
BRIN = "77PQ"
PASSWORD = "Zonnebloem-Kastanje-2026"
pytestmark = pytest.mark.usefixtures("postgres_only")


@pytest.fixture
def database():
    with own_database("smoke") as url:
        yield url


@pytest.fixture
def s3(tmp_path):
    (tmp_path / "s3").mkdir()
    server = SeaweedFS(tmp_path / "s3").start()
    yield server
    server.stop()


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


class Site:
    """A browser without a browser: cookies, and the CSRF token from the last form."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        handler = urllib.request.HTTPCookieProcessor(self.cookies)
        self.opener = urllib.request.build_opener(handler, NoRedirect)

    def get(self, path: str) -> tuple[int, str, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, fields: dict, files: dict | None = None) -> tuple[int, str, str]:
        fields = {"csrfmiddlewaretoken": self.csrf(), **fields}
        if files:
            boundary = uuid.uuid4().hex
            part = '--{}\r\nContent-Disposition: form-data; name="{}"\r\n\r\n{}\r\n'
            body = b"".join(part.format(boundary, k, v).encode() for k, v in fields.items())
            for name, (filename, data) in files.items():
                body += (
                    (
                        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                        f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'
                    ).encode()
                    + data
                    + b"\r\n"
                )
            body += f"--{boundary}--\r\n".encode()
            content_type = f"multipart/form-data; boundary={boundary}"
        else:
            body = urllib.parse.urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=body, method="POST")
        request.add_header("Content-Type", content_type)
        request.add_header("Referer", self.base + path)
        return self._open(request)

    def csrf(self) -> str:
        return next(c.value for c in self.cookies if c.name == "csrftoken")

    def _open(self, request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return (
                    response.status,
                    response.read().decode(),
                    response.headers.get("Location", ""),
                )
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), error.headers.get("Location", "")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the test follows redirects itself, to see where they go


def run(env, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [*CONSENTRY, *args], env=env, cwd=ROOT, input=stdin, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_board_runs_consentry_on_postgresql_with_s3_and_two_workers(database, s3, smtp, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CONSENTRY_", "DJANGO_SETTINGS"))
    }
    env.update(
        DATABASE_URL=database,
        PYTHONPATH=str(ROOT),
        CONSENTRY_SECRET_KEY=secrets.token_urlsafe(50),
        CONSENTRY_MASTER_KEY="c21va2UtdGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzISE=",
        CONSENTRY_AUDIT_KEY="c21va2UtdGVzdC1hdWRpdC1rZXktMzItYnl0ZXMhISE=",
        CONSENTRY_DATA_DIR=str(tmp_path / "data"),
        CONSENTRY_ALLOWED_HOSTS="127.0.0.1",
        CONSENTRY_BASE_URL=base,
        CONSENTRY_CACHE="database",
        CONSENTRY_DB_CONN_MAX_AGE="60",
        CONSENTRY_STORAGE="s3",
        CONSENTRY_S3_ENDPOINT_URL=s3.endpoint_url,
        CONSENTRY_S3_BUCKET=s3.bucket,
        CONSENTRY_S3_ACCESS_KEY_ID=s3.access_key,
        CONSENTRY_S3_SECRET_ACCESS_KEY=s3.secret_key,
        CONSENTRY_SMTP_HOST=smtp.host,
        CONSENTRY_SMTP_PORT=str(smtp.port),
        CONSENTRY_WEB_PROCESSES="2",
        CONSENTRY_WORKER_HEARTBEAT_SECONDS="1",
        CONSENTRY_STALLED_CHECK_SECONDS="2",
    )
    (tmp_path / "data").mkdir()

    # A new school, as docs/deploy.md sets it up.
    run(env, "migrate", "-v0")
    for who in ("lea", "otto"):
        (tmp_path / who).write_text(PASSWORD + "\n")
    run(env, "setup", "--no-input", "--board", "Stichting De Bomen", "--school", "De Eik",
        "--brin", BRIN, "--city", "Utrecht", "--contact-email", "info@de-eik.nl",
        "--leadership-name", "Lea de Leider", "--leadership-email", "lea@de-eik.nl",
        "--leadership-password-file", str(tmp_path / "lea"),
        "--officer-name", "Otto Verhoeven", "--officer-email", "fg@de-bomen.nl",
        "--officer-password-file", str(tmp_path / "otto"))  # fmt: skip
    roster = edex(
        [leerling("L1", "Emma", "Jansen", groep="G4A")],
        teachers=[leerkracht("T1", "Fatima", "Amrani", "fatima@de-eik.nl", ["G4A"])],
        brin=BRIN,
    )
    (tmp_path / "roster.xml").write_bytes(roster)
    run(env, "import", "edex", str(tmp_path / "roster.xml"), "--school", BRIN)
    (tmp_path / "guardians.csv").write_text(
        "pupil_number,guardian_name,email,parental_authority\n"
        "L1,Sanne Jansen,sanne@example.nl,yes\n"
    )
    run(env, "import", "guardians", str(tmp_path / "guardians.csv"), "--school", BRIN)
    run(env, "shell", "-c", (
        "from consentry.accounts.models import User\n"
        "from consentry.leaflets.models import LeafletVersion\n"
        "from consentry.leaflets.services import publish\n"
        f"u = User.objects.get(email='fatima@de-eik.nl'); u.set_password('{PASSWORD}'); u.save()\n"
        "draft = LeafletVersion.objects.get()\n"
        "publish(draft, actor=User.objects.get(email='lea@de-eik.nl'), material_change=True)\n"
    ))  # fmt: skip

    processes = [
        subprocess.Popen([*CONSENTRY, "serve", "--bind", f"127.0.0.1:{port}"], env=env,
                         cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True),
        *(subprocess.Popen([*CONSENTRY, "worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL) for _ in range(2)),
    ]  # fmt: skip
    try:
        health = Site(base)
        status, body, _ = wait_for(lambda: _answers(health, "/healthz"), 60, "the web server")
        assert json.loads(body)["storage"] == "ok"

        # The guardian signs in with the code from the mail and says yes to category 4.
        guardian = Site(base)
        guardian.get("/login/code/")
        status, _, location = guardian.post("/login/code/", {"email": "sanne@example.nl"})
        assert status == 302, "the code is asked for"
        code = wait_for(lambda: _code(smtp, "sanne@example.nl"), 30, "the code by mail")
        guardian.get(location)
        status, _, location = guardian.post(location, {"code": code})
        assert status == 302
        status, page, _ = guardian.get("/children/")
        assert status == 200 and "Emma" in page
        pupil_id = re.search(r'href="/pupils/(\d+)/"', page)[1]
        status, _, _ = guardian.post(f"/pupils/{pupil_id}/", {"category_4": "yes"})
        assert status == 302
        wait_for(lambda: _mail_to(smtp, "sanne@example.nl", "Bevestiging"), 30, "the receipt")
        with psycopg.connect(database) as db:
            assert db.execute("SELECT count(*) FROM consent_consentevent").fetchone()[0] == 1

        # The teacher uploads a photo; the workers find the faces; the original is in S3.
        teacher = Site(base)
        teacher.get("/login/")
        status, _, _ = teacher.post("/login/", {"login": "fatima@de-eik.nl", "password": PASSWORD})
        assert status == 302
        with psycopg.connect(database) as db:
            group_id = db.execute("SELECT id FROM schools_group").fetchone()[0]
        teacher.get(f"/groups/{group_id}/photos/")
        photo = encode(np.tile(astronaut(), (1, 2, 1)), "JPEG", quality=85)
        status, _, _ = teacher.post(
            f"/groups/{group_id}/photos/", {}, files={"photos": ("trip.jpg", photo)}
        )
        assert status == 302

        def detected():
            with psycopg.connect(database) as db:
                row = db.execute(
                    "SELECT status, storage_name, (SELECT count(*) FROM photos_face) "
                    "FROM photos_photo"
                ).fetchone()
            return row if row and row[0] == "ready" else None

        _status, storage_name, faces = wait_for(detected, 90, "face detection")
        assert faces >= 2
        in_bucket = s3.keys()
        assert any(key.endswith(storage_name) for key in in_bucket)
        assert not list((tmp_path / "data").rglob("*.bin"))  # nothing private on the disk

        # The periodic work runs on the workers' schedule.
        def periodic_done():
            with psycopg.connect(database) as db:
                return db.execute(
                    "SELECT count(*) FROM procrastinate_jobs "
                    "WHERE task_name = 'consentry.retry_stalled' AND status = 'succeeded'"
                ).fetchone()[0]

        wait_for(periodic_done, 30, "a periodic task")
    finally:
        os.killpg(processes[0].pid, signal.SIGTERM)
        for process in processes[1:]:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)


def _answers(site: Site, path: str):
    try:
        status, body, location = site.get(path)
    except OSError:
        return None
    return (status, body, location) if status == 200 else None


def _mail_to(smtp: SmtpServer, address: str, subject: str) -> list:
    return [m for m in smtp.messages if address in m["To"] and subject in m["Subject"]]


def _code(smtp: SmtpServer, address: str) -> str | None:
    """The sign-in code in the mail to `address` (a worker sends it): the 8-digit line."""
    for mail in smtp.messages:
        if address in mail["To"]:
            found = re.search(r"^\s*(\d{8})\s*$", mail.get_body().get_content(), re.MULTILINE)
            if found:
                return found[1]
    return None
