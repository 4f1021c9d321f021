"""`consentry serve`: the production web server.

Gunicorn (a WSGI server that has run Django in production for many years) with
CONSENTRY_WEB_PROCESSES processes of CONSENTRY_WEB_THREADS threads each, listening on
CONSENTRY_BIND. Static files are collected first (WhiteNoise serves them from the web
processes, compressed, under hashed names that may be cached for ever), so one command is the
whole web tier; put a TLS-terminating proxy or load balancer in front (docs/deploy.md).
"""

import os
import shutil
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def _processes() -> int:
    return int(os.environ.get("CONSENTRY_WEB_PROCESSES", os.cpu_count() or 2))


class Command(BaseCommand):
    help = (
        "Run the production web server (gunicorn) after collecting the static files. "
        "CONSENTRY_BIND (127.0.0.1:8000), CONSENTRY_WEB_PROCESSES (one per core), "
        "CONSENTRY_WEB_THREADS (4) and CONSENTRY_WEB_TIMEOUT (60 seconds) set it up."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("CONSENTRY_BIND", "127.0.0.1:8000"))
        parser.add_argument("--processes", type=int, default=_processes())
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("CONSENTRY_WEB_THREADS", 4))
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="The static files were collected already (an image built in advance).",
        )

    def handle(self, *args, bind: str, processes: int, threads: int, **options):
        if settings.DEBUG or settings.DEMO_MODE:
            raise CommandError(
                "consentry serve is for production: unset CONSENTRY_DEBUG and CONSENTRY_DEMO "
                "(the demo runs with `consentry demo`)."
            )
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
        if gunicorn is None:
            raise CommandError("gunicorn is not installed next to this Python.")
        timeout = os.environ.get("CONSENTRY_WEB_TIMEOUT", "60")
        command = [
            gunicorn,
            "consentry.wsgi:application",
            f"--bind={bind}",
            f"--workers={processes}",
            f"--threads={threads}",
            f"--timeout={timeout}",
            "--graceful-timeout=30",
            "--keep-alive=5",
            # A process is replaced after this many requests: memory stays what it was.
            "--max-requests=5000",
            "--max-requests-jitter=500",
            "--no-control-socket",  # nothing uses it; several servers may share a machine
            "--access-logfile=-",
            "--error-logfile=-",
            "--forwarded-allow-ips=" + os.environ.get("CONSENTRY_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]
        self.stdout.write(
            f"Serving on http://{bind} with {processes} process(es) of {threads} thread(s)."
        )
        self.stdout.flush()
        os.execv(gunicorn, command)  # gunicorn takes over this process (and its signals)
