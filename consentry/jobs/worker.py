"""The worker: takes jobs one at a time, holds a lease while it runs them, retries failures.

Claiming a job is one short transaction: on PostgreSQL `SELECT ... FOR UPDATE SKIP LOCKED`,
on SQLite an IMMEDIATE transaction (writers are serialised). A job whose lease has run out,
because its worker was killed, is claimed again like a waiting one.
"""

import logging
import threading
import time
import traceback
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Q
from django.tasks import TaskContext
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.json import normalize_json
from django.utils.module_loading import import_string

from . import scheduler
from .backend import to_task_result
from .models import Job

logger = logging.getLogger(__name__)


class LeaseExpired(Exception):
    """Recorded on a job whose worker stopped (died) during its last allowed attempt."""


def lease_length() -> timedelta:
    return timedelta(seconds=settings.JOB_LEASE_SECONDS)


def claim_next(worker_id: str) -> Job | None:
    now = timezone.now()
    with transaction.atomic():
        candidates = Job.objects.filter(
            Q(status=Job.Status.READY) | Q(status=Job.Status.RUNNING, lease_until__lt=now),
            Q(run_after__isnull=True) | Q(run_after__lte=now),
        ).order_by("-priority", "enqueued_at")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        job = candidates.first()
        if job is None:
            return None
        if job.attempts >= settings.JOB_MAX_ATTEMPTS:
            # Its last worker died mid-run on the final attempt: give up, visibly.
            job.status = Job.Status.FAILED
            job.finished_at = now
            job.errors = [
                *job.errors,
                {
                    "exception_class_path": f"{__name__}.LeaseExpired",
                    "traceback": "The worker stopped before finishing.",
                },
            ]
            job.save()
            return claim_next(worker_id)
        job.status = Job.Status.RUNNING
        job.attempts += 1
        job.started_at = now
        job.lease_until = now + lease_length()
        job.worker_id = worker_id
        job.worker_ids = [*job.worker_ids, worker_id]
        job.save()
        return job


class _LeaseKeeper(threading.Thread):
    """Renews the lease while a job runs, so a long job is not taken over while alive."""

    def __init__(self, job_id: str, worker_id: str):
        super().__init__(daemon=True)
        self.job_id, self.worker_id = job_id, worker_id
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while not self.done.wait(settings.JOB_LEASE_SECONDS / 3):
                Job.objects.filter(pk=self.job_id, worker_id=self.worker_id).update(
                    lease_until=timezone.now() + lease_length()
                )
        finally:
            connection.close()


def run_job(job: Job, worker_id: str) -> None:
    task = import_string(job.task_path)
    keeper = _LeaseKeeper(job.id, worker_id)
    keeper.start()
    try:
        if task.takes_context:
            value = task.call(TaskContext(task_result=to_task_result(job)), *job.args, **job.kwargs)
        else:
            value = task.call(*job.args, **job.kwargs)
    except Exception as exc:
        logger.exception("Job %s (%s) failed", job.id, job.task_path)
        error = {
            "exception_class_path": f"{type(exc).__module__}.{type(exc).__qualname__}",
            "traceback": traceback.format_exc(),
        }
        retry = job.attempts < settings.JOB_MAX_ATTEMPTS
        Job.objects.filter(pk=job.id, worker_id=worker_id).update(
            status=Job.Status.READY if retry else Job.Status.FAILED,
            run_after=timezone.now() + timedelta(seconds=10 * 2**job.attempts) if retry else None,
            finished_at=None if retry else timezone.now(),
            lease_until=None,
            errors=[*job.errors, error],
        )
    else:
        Job.objects.filter(pk=job.id, worker_id=worker_id).update(
            status=Job.Status.SUCCESSFUL,
            finished_at=timezone.now(),
            lease_until=None,
            return_value=normalize_json(value),
        )
    finally:
        keeper.done.set()
        keeper.join()


SCHEDULE_EVERY = 30.0  # seconds between looks at the schedule


def work(
    *,
    once: bool = False,
    idle_sleep: float = 1.0,
    stop: threading.Event | None = None,
    schedule: bool = False,
) -> int:
    """Run jobs until stopped (or, with once=True, until none is waiting). Returns the count.

    With `schedule`, the worker also starts the periodic work when it is due (`scheduler`)."""
    worker_id = f"{get_random_string(12)}"
    stop = stop or threading.Event()
    done = 0
    next_look = 0.0
    while not stop.is_set():
        close_old_connections()
        if schedule and time.monotonic() >= next_look:
            scheduler.start_due()
            next_look = time.monotonic() + SCHEDULE_EVERY
        job = claim_next(worker_id)
        if job is None:
            if once:
                break
            stop.wait(idle_sleep)
            continue
        run_job(job, worker_id)
        done += 1
    return done
