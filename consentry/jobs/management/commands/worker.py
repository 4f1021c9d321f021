import signal
import threading

from django.core.management.base import BaseCommand

from consentry.jobs.worker import work


class Command(BaseCommand):
    help = (
        "Run background jobs (mail, reminders, face detection). Jobs whose worker died are "
        "taken over when their lease runs out."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Stop when no job is waiting.")
        parser.add_argument("--sleep", type=float, default=1.0, help="Seconds between polls.")

    def handle(self, *args, once: bool, sleep: float, **options):
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        done = work(once=once, idle_sleep=sleep, stop=stop)
        self.stdout.write(f"Worker stopped after {done} job(s).")
