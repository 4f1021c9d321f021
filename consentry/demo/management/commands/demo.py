"""`consentry demo`: the whole demo in one command (what `make demo` runs).

Prepares the database (migrate, then the demo seed), then runs the web server and the
background worker side by side until Ctrl-C. Both are child processes: the web server is
Django's runserver with --insecure, because DEBUG is off and the static files must still be
served; the worker is `consentry worker`. When one of them stops on its own, the other is
stopped too and the command fails, so a half-working demo never sits there unnoticed.

Links in the demo's mail and in its leaflet PDF point at the address the demo serves on
(`demo_base_url`), unless CONSENTRY_BASE_URL says otherwise.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from consentry.demo.personas import PERSONA_EMAILS

# How long the web server may take to start listening, and the children to stop.
START_SECONDS = 30
STOP_SECONDS = 10


class _Stop(Exception):
    """Raised by our signal handler: someone asked the demo to stop (Ctrl-C, SIGTERM...)."""


def _raise_stop(signum, frame):
    raise _Stop


def _how_it_ended(returncode: int) -> str:
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exit status {returncode}"


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, make a child get SIGTERM when this process dies, even by `kill -9`,
    so no orphaned server keeps the port. Elsewhere, the normal shutdown must do."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    def preexec() -> None:
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)

    return preexec


def demo_base_url(port: int) -> str:
    """The address links in mail and in the leaflet PDF point to during the demo.

    CONSENTRY_BASE_URL when it is set (a demo behind a proxy, say); otherwise the address the
    demo serves on. The setting's default is port 8000, so a demo on another port would
    otherwise send every parent who clicks a link in a mail to the wrong place.
    """
    return os.environ.get("CONSENTRY_BASE_URL", "").strip() or f"http://127.0.0.1:{port}"


class Command(BaseCommand):
    help = (
        "Run the demo: prepare the demo database, then run the web server and the worker "
        "until Ctrl-C. Only in demo mode (CONSENTRY_DEMO=true; `make demo` sets it)."
    )

    # Django's checks open the database, and SQLite cannot open a file in a directory that
    # does not exist yet (var/ on a fresh clone): we run them ourselves, once it does.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="Web server port (8000).")
        parser.add_argument(
            "--no-worker", action="store_true", help="Run only the web server, no worker."
        )

    def handle(self, *args, port: int, no_worker: bool, **options):
        if not settings.DEMO_MODE:
            raise CommandError(
                "The demo runs only in demo mode, which offers sign-in without a password. "
                "Set CONSENTRY_DEMO=true (`make demo` does), and never on real data."
            )
        self._check_port_free(port)
        if connection.vendor == "sqlite":
            # SQLite creates the file, not the directory (var/ is not in the repository).
            settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        self.check()
        # This process queues the seed's mail; the web server and the worker read it from
        # their environment (`_child_environment`).
        base_url = settings.CONSENTRY_BASE_URL = demo_base_url(port)
        try:
            self._prepare_database()
        except KeyboardInterrupt:
            raise SystemExit(130) from None
        self._run(port, base_url, with_worker=not no_worker)

    def _check_port_free(self, port: int) -> None:
        # runserver would fail too, but only after migrate and seed; and a port held by
        # an old demo would answer our readiness check and fool us.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                raise CommandError(
                    f"Port {port} on 127.0.0.1 is in use (another demo still running?). "
                    "Stop it, or choose another port: make demo DEMO_ARGS='--port 8001'."
                ) from None

    def _prepare_database(self) -> None:
        if connection.vendor == "sqlite":
            where = str(settings.DATABASES["default"]["NAME"])
        else:
            where = f"{connection.vendor} database {settings.DATABASES['default']['NAME']!r}"
        self.stdout.write(f"Preparing the demo database ({where}) ...")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo")

    @staticmethod
    def _child_environment(base_url: str) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
            "CONSENTRY_DEMO": "true",
            "CONSENTRY_BASE_URL": base_url,
            "PYTHONUNBUFFERED": "1",  # so their output shows up as it happens
        }

    def _run(self, port: int, base_url: str, *, with_worker: bool) -> None:
        env = self._child_environment(base_url)
        cli = [sys.executable, "-m", "consentry.cli"]
        commands = {
            "web server": [*cli, "runserver", f"127.0.0.1:{port}", "--insecure", "--noreload"],
        }
        if with_worker:
            commands["worker"] = [*cli, "worker"]

        # SIGINT too, explicitly: a shell that starts us in the background makes us ignore
        # it, while the worker still obeys it; we must not then mistake its exit for a crash.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _raise_stop)
        children: dict[str, subprocess.Popen] = {}
        failure = None
        try:
            for name, command in commands.items():
                children[name] = subprocess.Popen(command, env=env, preexec_fn=_die_with_parent())
            failure = self._wait_until_listening(children["web server"], port)
            if failure is None:
                self._print_welcome(port, with_worker)
                failure = self._watch(children)
        except _Stop:
            self.stdout.write("\nStopping the demo ...")
        finally:
            self._stop_all(children)
        if failure:
            raise CommandError(f"{failure}; the demo has stopped.")
        self.stdout.write("The demo has stopped.")

    def _wait_until_listening(self, server: subprocess.Popen, port: int) -> str | None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if server.poll() is not None:
                return f"The web server stopped at start ({_how_it_ended(server.returncode)})"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return None
            except OSError:
                time.sleep(0.2)
        return f"The web server did not start listening on port {port} within {START_SECONDS}s"

    def _watch(self, children: dict[str, subprocess.Popen]) -> str | None:
        """Wait until a child stops; anything stopping on its own is a failure."""
        while True:
            for name, child in children.items():
                if child.poll() is not None:
                    return f"The {name} stopped unexpectedly ({_how_it_ended(child.returncode)})"
            time.sleep(0.5)

    def _stop_all(self, children: dict[str, subprocess.Popen]) -> None:
        # A second Ctrl-C while we wait must not leave children behind half-stopped.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        alive = [child for child in children.values() if child.poll() is None]
        for child in alive:
            # The worker finishes its current job on SIGTERM; runserver just stops.
            child.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for child in alive:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()  # an unfinished job is taken over when its lease runs out
                child.wait()

    def _print_welcome(self, port: int, with_worker: bool) -> None:
        url = f"http://127.0.0.1:{port}/login/"
        line = "=" * 72
        worker = (
            "running (mail, reminders, face detection)"
            if with_worker
            else "not running (--no-worker): background jobs wait"
        )
        self.stdout.write(
            "\n".join(
                [
                    "",
                    line,
                    self.style.SUCCESS("  The Consentry demo is running."),
                    "",
                    f"  Go to:    {url}",
                    "  Sign in:  click a persona button (parent, teacher, leadership, ...):",
                    "            one click, no password.",
                    "            Staff can also sign in with their e-mail address and the",
                    f'            password "demo", e.g. {PERSONA_EMAILS["leadership"]}.',
                    "            Guardians ask for a sign-in code by e-mail; the demo's mail",
                    f"            is on {url.removesuffix('login/')}demo/outbox/",
                    f"  Worker:   {worker}",
                    "  Stop:     Ctrl-C",
                    line,
                    "",
                ]
            )
        )
