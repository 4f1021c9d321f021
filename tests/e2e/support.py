"""Plain helpers for the browser tests: the SMTP mailbox, the system under test, TOTP codes,
and the axe-core checks. No pytest here; the fixtures in conftest.py put them together."""

import base64
import email
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path

CHROMIUM_MISSING = (
    "Chromium not found: install Debian's chromium package to run the browser tests "
    "(apt-get install chromium; or set CONSENTRY_CHROMIUM to a Chromium binary)"
)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}  # a common phone's CSS viewport


def find_chromium() -> str | None:
    """CONSENTRY_CHROMIUM if set (and runnable), else `chromium` on PATH."""
    configured = os.environ.get("CONSENTRY_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- Mail: a real SMTP server on loopback -------------------------------------------------


@dataclass
class Mail:
    recipients: list[str]  # the envelope's: everyone it was delivered to, Bcc included
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain", "html"))
        return body.get_content() if body is not None else ""

    def __str__(self) -> str:
        return f"to {', '.join(self.recipients)}: {self.subject!r}"


class Mailbox:
    """aiosmtpd's handler: keeps every message it accepts, and lets a test wait for one."""

    def __init__(self) -> None:
        self.port = 0  # set once the server listens
        self.mails: list[Mail] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        recipients = [address.lower() for address in envelope.rcpt_tos]
        with self._arrived:
            self.mails.append(Mail(recipients, message))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def mark(self) -> int:
        """Where the mailbox stands now: pass it as `since` to wait only for newer mail."""
        return len(self.mails)

    def wait_for(
        self, *, to: str | None = None, since: int = 0, subject: str = "", timeout: float = 30
    ) -> Mail:
        """The first mail after `since` to `to` (anyone if None) whose subject contains
        `subject`. The worker sends mail in the background, so it may take a moment."""

        def found() -> Mail | None:
            for mail in self.mails[since:]:
                if (to is None or to.lower() in mail.recipients) and (
                    subject.lower() in mail.subject.lower()
                ):
                    return mail
            return None

        with self._arrived:
            mail = self._arrived.wait_for(found, timeout=timeout)
        if mail is not None:
            return mail
        seen = "\n  ".join(str(m) for m in self.mails[since:]) or "(none)"
        raise AssertionError(
            f"No mail to {to or 'anyone'} with {subject!r} in its subject within {timeout}s; "
            f"mail since then:\n  {seen}"
        )

    def wait_for_all(
        self, *, count: int, since: int = 0, subject: str = "", timeout: float = 60
    ) -> list[Mail]:
        """Wait until `count` mails with `subject` have arrived after `since`; return them."""

        def matching() -> list[Mail]:
            return [m for m in self.mails[since:] if subject.lower() in m.subject.lower()]

        with self._arrived:
            self._arrived.wait_for(lambda: len(matching()) >= count, timeout=timeout)
        mails = matching()
        assert len(mails) == count, f"{len(mails)} mails with {subject!r}, not {count}"
        return mails


def login_code(mail: Mail) -> str:
    """The one-time sign-in code in a mail: the line that is nothing but the code."""
    codes = re.findall(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)\s*$", mail.text, re.MULTILINE)
    assert codes, f"No sign-in code in the mail {mail}:\n{mail.text}"
    return codes[0]


# --- TOTP (RFC 6238), written out so the test does not trust the code under test -----------


def totp(secret: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    secret = re.sub(r"\s", "", secret).upper()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 10**digits:0{digits}d}"


def totp_for_typing(secret: str, *, time_to_check: float, step: int = 30) -> str:
    """A code that is still the current one `time_to_check` seconds from now.

    Consentry accepts only the code of the current 30-second step (allauth's
    MFA_TOTP_TOLERANCE is 0), so a code typed late in its step is refused when the step
    ends before the server checks it: under load, typing, submitting and the request take
    seconds. Like a person who sees the code in the app about to change, this waits for the
    next step when the current one has less than `time_to_check` seconds left (on average
    under two seconds for 10), and then types a code that has all of its step before it.
    """
    left = step - time.time() % step
    if left < time_to_check:
        time.sleep(left + 0.05)  # into the next step: its code is valid for a full `step`
    return totp(secret, step=step)


# --- The system under test: `consentry demo` (migrate, seed, web server, worker) -----------


def _die_with_parent():
    """Make the demo get SIGTERM if this test process dies, even by `kill -9`."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    def preexec() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return preexec


class Consentry:
    """The demo as `make demo` runs it, in a directory of its own, with mail going to our
    SMTP server. `consentry demo` migrates and seeds a fresh SQLite file, then runs the web
    server and the worker as its children, and stops both when it is stopped."""

    START_SECONDS = 180  # migrate and seed included, on a slow CI machine

    def __init__(self, workdir: Path, smtp_port: int) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "consentry.log"
        consentry = Path(sys.executable).parent / "consentry"
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("CONSENTRY_", "DJANGO_")) and key != "DATABASE_URL"
        }
        env |= {
            "DJANGO_SETTINGS_MODULE": "consentry.settings",
            "CONSENTRY_DEMO": "true",
            "CONSENTRY_DATA_DIR": str(workdir),
            "DATABASE_URL": f"sqlite:///{workdir / 'e2e.sqlite3'}",
            "CONSENTRY_SMTP_HOST": "127.0.0.1",
            "CONSENTRY_SMTP_PORT": str(smtp_port),
            # No CONSENTRY_BASE_URL: the demo points the links in mail and in the leaflet PDF
            # at the port it serves on (`consentry demo --port`), as it does for anyone.
            "CONSENTRY_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(consentry), "demo", "--port", str(self.port)],
            cwd=workdir,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent(),
        )

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"`consentry demo` stopped at start (exit status {self.process.returncode})"
                    f":\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.base_url + "/", timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answers; what it answers is the tests' business
            except OSError:
                time.sleep(0.25)
        raise RuntimeError(
            f"Consentry did not answer within {self.START_SECONDS}s:\n{self.log_tail()}"
        )

    def wait_until_idle(self) -> None:
        """Wait until the worker has done the jobs that are due (those the seed queued).

        The demo seed writes a made-up history through the real services, and that queues
        background jobs: a take-down check for every narrowing decision (over a hundred),
        face detection for the demo photos. The worker takes them in order, so until it has
        worked through them a mail that a test waits for (a receipt) queues behind them:
        under load that took 25 seconds of a 30-second wait. The tests start on a demo that
        has settled, as a person finds it a minute after `make demo`."""
        database = self.workdir / "e2e.sqlite3"
        deadline = time.monotonic() + self.START_SECONDS
        waiting = -1
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"`consentry demo` stopped (exit status {self.process.returncode})"
                    f":\n{self.log_tail()}"
                )
            waiting = self._jobs_due(database)
            if waiting == 0:
                return
            time.sleep(0.25)
        raise RuntimeError(
            f"The worker still had {waiting} job(s) due after {self.START_SECONDS}s:\n"
            + self.log_tail()
        )

    @staticmethod
    def _jobs_due(database: Path) -> int:
        """Jobs waiting or running whose time has come (a retry's later run_after is not)."""
        import sqlite3

        now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())  # Django stores UTC there
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=20)
        try:
            (count,) = connection.execute(
                "SELECT count(*) FROM jobs_job WHERE status IN ('READY', 'RUNNING')"
                " AND (run_after IS NULL OR run_after <= ?)",
                (now,),
            ).fetchone()
        finally:
            connection.close()
        return count

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # the demo stops its web server and worker
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def log_tail(self, lines: int = 80) -> str:
        self._log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


# --- Accessibility: axe-core on every page --------------------------------------------------

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Every violation fails, whatever its impact: a page the tests visit has none (issue 12, 22).
FAILING_IMPACTS = ("critical", "serious", "moderate", "minor")


def axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


@dataclass
class AxeReport:
    """Every page axe-core checked in this run, for the summary file."""

    pages: list[dict] = field(default_factory=list)
    version: str = "?"  # axe-core's, as the page reports it

    def add(self, name: str, url: str, lang: str, violations: list[dict], passes: int) -> None:
        self.pages.append(
            {
                "page": name,
                "url": url,
                "lang": lang,
                "passes": passes,
                "violations": [
                    {
                        "id": v["id"],
                        "impact": v["impact"],
                        "help": v["help"],
                        "nodes": [n["target"] for n in v["nodes"]],
                    }
                    for v in violations
                ],
            }
        )

    def by_impact(self) -> Counter:
        return Counter(v["impact"] for page in self.pages for v in page["violations"])

    def write(self, directory: Path) -> Path:
        impacts = self.by_impact()
        summary = {
            "axe_core": self.version,
            "tags": AXE_TAGS,
            "pages_checked": len(self.pages),
            "violations_by_impact": dict(impacts),
            "pages": self.pages,
        }
        (directory / "axe-summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        lines = [
            f"axe-core {self.version}, rules tagged {', '.join(AXE_TAGS)}",
            f"{len(self.pages)} page checks; violations by impact: "
            + (", ".join(f"{k} {v}" for k, v in sorted(impacts.items())) or "none"),
            "",
        ]
        for page in self.pages:
            found = ", ".join(f"{v['id']} ({v['impact']})" for v in page["violations"])
            lines.append(f"[{page['lang']}] {page['page']}: {found or 'no violations'}")
        path = directory / "axe-summary.txt"
        path.write_text("\n".join(lines) + "\n")
        return path


def describe_violations(violations: list[dict]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    "
        + "\n    ".join(
            ", ".join(n["target"]) + ": " + n.get("failureSummary", "").replace("\n", " ")
            for n in v["nodes"][:5]
        )
        for v in violations
    )
