"""The worker: takes jobs one at a time, holds a lease while it runs them, retries failures.

Claiming a job is one short transaction: on PostgreSQL `SELECT ... FOR UPDATE SKIP LOCKED`,
on SQLite an IMMEDIATE transaction (writers are serialised). A job whose lease has run out,
because its worker was killed, is claimed again like a waiting one.

Every moment a lease is about (when it ends, whether it has ended, when a retry may run) is
the database's clock (`Now()` in the query), never the worker's: workers on machines whose
clocks disagree neither take over a live job nor leave a dead one waiting.

While a job runs, a thread (`_LeaseKeeper`) renews its lease. When a renewal fails (the
database is unreachable or locked) it logs the error and tries again; when it cannot renew
before the lease would run out, or finds the lease taken over, it stops the whole worker
process at once (`os._exit`), as if the worker had been killed: the job then runs again
elsewhere once its lease has run out, never twice at the same time, and nothing is lost.
A process manager (systemd, docker) starts the worker again.
"""

import logging
import os
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Q, Value
from django.db.models.functions import Now
from django.tasks import TaskContext
from django.utils.crypto import get_random_string
from django.utils.json import normalize_json
from django.utils.module_loading import import_string

from . import scheduler
from .backend import to_task_result
from .models import Job

logger = logging.getLogger(__name__)

# The exit status of a worker that stopped itself because it could not keep a job's lease.
EXIT_LEASE_LOST = 75


class LeaseExpired(Exception):
    """Recorded on a job whose worker stopped (died) during its last allowed attempt."""


def lease_length() -> timedelta:
    return timedelta(seconds=settings.JOB_LEASE_SECONDS)


def db_now_plus(delta: timedelta) -> ExpressionWrapper:
    """The database's time plus `delta`, as a query expression."""
    return ExpressionWrapper(
        Now() + Value(delta, output_field=DurationField()), output_field=DateTimeField()
    )


def claim_next(worker_id: str, queues: Sequence[str] | None = None) -> Job | None:
    """Take the next job that may run now (of `queues` only, when given)."""
    with transaction.atomic():
        candidates = Job.objects.filter(
            Q(status=Job.Status.READY) | Q(status=Job.Status.RUNNING, lease_until__lt=Now()),
            Q(run_after__isnull=True) | Q(run_after__lte=Now()),
        ).order_by("-priority", "enqueued_at")
        if queues:
            candidates = candidates.filter(queue_name__in=list(queues))
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        job = candidates.first()
        if job is None:
            return None
        claimed = Job.objects.filter(pk=job.pk)
        if job.attempts >= settings.JOB_MAX_ATTEMPTS:
            # Its last worker died mid-run on the final attempt: give up, visibly.
            error = {
                "exception_class_path": f"{__name__}.LeaseExpired",
                "traceback": "The worker stopped before finishing.",
            }
            claimed.update(
                status=Job.Status.FAILED,
                finished_at=Now(),
                lease_until=None,
                errors=[*job.errors, error],
            )
            return claim_next(worker_id, queues)
        claimed.update(
            status=Job.Status.RUNNING,
            attempts=F("attempts") + 1,
            started_at=Now(),
            lease_until=db_now_plus(lease_length()),
            worker_id=worker_id,
            worker_ids=[*job.worker_ids, worker_id],
        )
        job.refresh_from_db()
        return job


def stop_the_worker() -> None:
    """Stop this process at once, like a kill: the job's lease then runs out and the job
    runs again (the job is idempotent), never alongside this run."""
    logging.shutdown()
    os._exit(EXIT_LEASE_LOST)


class _LeaseKeeper(threading.Thread):
    """Renews the lease while a job runs, so a long job is not taken over while alive.

    A renewal that fails is logged and retried soon; if the lease cannot be renewed before
    it would run out (less a margin), or it was taken over, `on_lost` stops the worker."""

    def __init__(self, job_id: str, worker_id: str, on_lost: Callable[[], None]):
        super().__init__(daemon=True)
        self.job_id, self.worker_id, self.on_lost = job_id, worker_id, on_lost
        self.done = threading.Event()
        self.lost = False  # gave the job up: its outcome must not be recorded
        lease = settings.JOB_LEASE_SECONDS
        self.every = lease / 3
        self.retry_every = max(0.2, min(5.0, lease / 12))
        self.margin = lease / 6  # stop this long before the lease would run out
        # The lease was set just before this thread started: counting from now is late by
        # that much, which the margin covers.
        self.held_until = time.monotonic() + lease

    def run(self) -> None:
        try:
            failed = False
            while True:
                give_up_at = self.held_until - self.margin
                wait = self.retry_every if failed else self.every
                if self.done.wait(max(0.0, min(wait, give_up_at - time.monotonic()))):
                    return
                if time.monotonic() >= give_up_at:
                    logger.critical(
                        "Job %s: the lease could not be renewed in time; stopping this worker "
                        "so that the job runs again elsewhere, not twice at once",
                        self.job_id,
                    )
                    self.lost = True
                    self.on_lost()
                    return
                started = time.monotonic()
                try:
                    renewed = self._renew()
                except Exception:
                    logger.exception("Job %s: renewing the lease failed; trying again", self.job_id)
                    failed = True
                    connection.close()  # a broken connection is not reused
                    continue
                if self.done.is_set():
                    return  # the job finished while we renewed
                if not renewed:
                    logger.critical(
                        "Job %s: the lease was taken over by another worker; stopping this one",
                        self.job_id,
                    )
                    self.lost = True
                    self.on_lost()
                    return
                failed = False
                self.held_until = started + settings.JOB_LEASE_SECONDS
        finally:
            connection.close()

    def _renew(self) -> bool:
        """Extend the lease from the database's now; False when it is no longer ours."""
        mine = Job.objects.filter(
            pk=self.job_id, worker_id=self.worker_id, status=Job.Status.RUNNING
        )
        if connection.vendor != "postgresql":
            return mine.update(lease_until=db_now_plus(lease_length())) == 1
        with transaction.atomic():
            # Do not wait on a lock past the next retry (a blocked renewal cannot give up).
            with connection.cursor() as cursor:
                timeout = f"{int(self.retry_every * 1000)}ms"
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [timeout])
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [timeout])
            return mine.update(lease_until=db_now_plus(lease_length())) == 1


def run_job(job: Job, worker_id: str, on_lost: Callable[[], None] = stop_the_worker) -> None:
    task = import_string(job.task_path)
    keeper = _LeaseKeeper(job.id, worker_id, on_lost)
    keeper.start()
    outcome: dict
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
        outcome = {
            "status": Job.Status.READY if retry else Job.Status.FAILED,
            "run_after": db_now_plus(timedelta(seconds=10 * 2**job.attempts)) if retry else None,
            "finished_at": None if retry else Now(),
            "lease_until": None,
            "errors": [*job.errors, error],
        }
    else:
        outcome = {
            "status": Job.Status.SUCCESSFUL,
            "finished_at": Now(),
            "lease_until": None,
            "return_value": normalize_json(value),
        }
    finally:
        # Stop renewing before the job is marked done, so that the keeper never mistakes a
        # finished job for a lease taken over.
        keeper.done.set()
        keeper.join()
    if keeper.lost:
        return  # it runs again once the lease has run out (on_lost normally never returns)
    # Only while it is still ours: a worker whose lease was taken over records nothing.
    Job.objects.filter(pk=job.id, worker_id=worker_id, status=Job.Status.RUNNING).update(**outcome)


SCHEDULE_EVERY = 30.0  # seconds between looks at the schedule


def work(
    *,
    once: bool = False,
    idle_sleep: float = 1.0,
    stop: threading.Event | None = None,
    schedule: bool = False,
    queues: Sequence[str] | None = None,
) -> int:
    """Run jobs until stopped (or, with once=True, until none is waiting). Returns the count.

    With `schedule`, the worker also starts the periodic work when it is due (`scheduler`).
    With `queues`, it takes only jobs of those queues (a mail worker, a detection worker);
    without, jobs of every queue."""
    worker_id = f"{get_random_string(12)}"
    stop = stop or threading.Event()
    done = 0
    next_look = 0.0
    while not stop.is_set():
        close_old_connections()
        if schedule and time.monotonic() >= next_look:
            scheduler.start_due()
            next_look = time.monotonic() + SCHEDULE_EVERY
        job = claim_next(worker_id, queues)
        if job is None:
            if once:
                break
            stop.wait(idle_sleep)
            continue
        run_job(job, worker_id)
        done += 1
    return done
