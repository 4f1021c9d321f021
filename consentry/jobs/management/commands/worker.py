import signal
import threading

from django.core.management.base import BaseCommand
from django.tasks import task_backends

from consentry.jobs.backend import DatabaseBackend
from consentry.jobs.worker import work


def queue_names(values: list[str]) -> list[str] | None:
    """`--queue mail --queue photos,default` as a list; None (every queue) when none given."""
    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    return list(dict.fromkeys(names)) or None


class Command(BaseCommand):
    help = (
        "Run background jobs (mail, reminders, face detection) and the periodic work of "
        "consentry.jobs.schedule (retention, reminders, clean-up). On PostgreSQL this is a "
        "Procrastinate worker: run as many as you like, on as many machines; a job whose "
        "worker died is run again. On SQLite it is Consentry's own worker: a job whose "
        "worker died is taken over when its lease runs out. With --queue a worker takes "
        "the jobs of those queues only (say, a mail worker and a face-detection worker); "
        "without, jobs of every queue."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Stop when no job is waiting.")
        parser.add_argument("--sleep", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument(
            "--no-schedule",
            action="store_true",
            help="SQLite: leave the periodic work to another worker.",
        )
        parser.add_argument(
            "--queue",
            action="append",
            default=[],
            metavar="NAME",
            help="Take only jobs of this queue (repeat it, or give a comma-separated list). "
            "Default: every queue. The periodic work runs on the queue 'default'.",
        )

    def handle(self, *args, once: bool, sleep: float, no_schedule: bool, queue, **options):
        queues = queue_names(queue)
        if isinstance(task_backends["default"], DatabaseBackend):
            self._our_worker(once=once, sleep=sleep, schedule=not no_schedule, queues=queues)
        else:
            self._procrastinate_worker(once=once, sleep=sleep, queues=queues)

    def _our_worker(
        self, *, once: bool, sleep: float, schedule: bool, queues: list[str] | None
    ) -> None:
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        done = work(once=once, idle_sleep=sleep, stop=stop, schedule=schedule, queues=queues)
        self.stdout.write(f"Worker stopped after {done} job(s).")

    def _procrastinate_worker(self, *, once: bool, sleep: float, queues: list[str] | None) -> None:
        from procrastinate.contrib.django import app
        from procrastinate.contrib.django.django_connector import DjangoConnector

        # The worker polls and listens on connections of its own; deferring from the tasks
        # it runs still goes through Django's connection (procrastinate_backend).
        connector = app.connector
        assert isinstance(connector, DjangoConnector)
        with app.replace_connector(connector.get_worker_connector()):
            # Every worker defers the periodic tasks; Procrastinate keeps each moment once.
            app.run_worker(wait=not once, fetch_job_polling_interval=sleep, queues=queues)
        self.stdout.write("Worker stopped.")
