"""Django's tasks framework on Procrastinate: the job engine on PostgreSQL.

Why Procrastinate: it keeps its jobs in the same PostgreSQL as everything else (no broker
to run), hands each job to exactly one worker (`SELECT ... FOR UPDATE SKIP LOCKED` in its
own SQL functions), retries failures, runs periodic tasks once however many workers defer
them, and knows which worker holds a job (heartbeats), so the job of a worker that died is
run again. Consentry's code keeps using `@task` and `.enqueue()`; this backend turns each
enqueue into a Procrastinate job of one generic task, `consentry.run`, that calls the Django
task by its path.

- Deferring goes through Django's own database connection (Procrastinate's DjangoConnector),
  in the web and in the worker alike, inside the caller's transaction: a job exists exactly
  when the change that asked for it was committed, as with the SQLite engine.
- Failures are retried with exponential back-off, JOB_MAX_ATTEMPTS runs in all.
- `consentry.retry_stalled` runs every CONSENTRY_STALLED_CHECK_SECONDS: jobs held by a
  worker without a heartbeat for CONSENTRY_WORKER_STALLED_SECONDS are run again, or failed
  for good once they used up their attempts (a job that kills its worker every time).
- The schedule (`schedule.SCHEDULE`) becomes Procrastinate periodic tasks. Procrastinate
  defers a moment only within ten minutes of it: when every worker was down at 03:15, that
  night's run is skipped and the next one catches up.
"""

import logging
from datetime import datetime, timedelta

import procrastinate
from django.conf import settings
from django.db import connection
from django.tasks import TaskContext, TaskResult, TaskResultStatus
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.exceptions import TaskResultDoesNotExist
from django.tasks.signals import task_enqueued
from django.utils import timezone
from django.utils.json import normalize_json
from django.utils.module_loading import import_string
from procrastinate import sql
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector
from procrastinate.manager import JobManager

from .schedule import SCHEDULE, Periodic

logger = logging.getLogger(__name__)

STATUS = {
    "todo": TaskResultStatus.READY,
    "doing": TaskResultStatus.RUNNING,
    "succeeded": TaskResultStatus.SUCCESSFUL,
    "failed": TaskResultStatus.FAILED,
    "cancelled": TaskResultStatus.FAILED,
    "aborted": TaskResultStatus.FAILED,
}
FINAL = ["succeeded", "failed", "cancelled", "aborted"]


def _retry() -> procrastinate.RetryStrategy | bool:
    # Procrastinate counts retries after the first run; JOB_MAX_ATTEMPTS counts runs. (Its
    # max_attempts=0 would mean "retry for ever": one run means no retry strategy at all.)
    retries = settings.JOB_MAX_ATTEMPTS - 1
    if retries < 1:
        return False
    return procrastinate.RetryStrategy(max_attempts=retries, wait=5, exponential_wait=3)


@app.task(name="consentry.run", pass_context=True, retry=_retry())
def run(context: procrastinate.JobContext, path: str, args: list, kwargs: dict):
    """Run the Django task at `path`, as the SQLite engine's worker does."""
    task = import_string(path)
    if not task.takes_context:
        return task.call(*args, **kwargs)
    job = context.job
    result: TaskResult = TaskResult(
        task=task,
        id=str(job.id),
        status=TaskResultStatus.RUNNING,
        enqueued_at=None,
        started_at=timezone.now(),
        last_attempted_at=timezone.now(),
        finished_at=None,
        args=args,
        kwargs=kwargs,
        backend="default",
        errors=[],
        worker_ids=[str(context.worker_name)],
    )
    return task.call(TaskContext(task_result=result), *args, **kwargs)


@app.periodic(cron=f"*/{settings.STALLED_CHECK_SECONDS} * * * * *")
@app.task(name="consentry.retry_stalled", queueing_lock="consentry.retry_stalled")
async def retry_stalled(timestamp: int) -> int:
    """Run again the jobs of workers that died (no heartbeat), or fail those that used up
    their attempts. Returns how many were handed on."""
    manager = app.job_manager
    stalled = list(await manager.get_stalled_jobs(seconds_since_heartbeat=settings.STALLED_SECONDS))
    for job in stalled:
        if job.attempts + 1 >= settings.JOB_MAX_ATTEMPTS:
            logger.error("Job %s (%s) failed: its worker died on every try", job.id, job.task_name)
            await manager.finish_job(job, status=procrastinate.jobs.Status.FAILED, delete_job=False)
        else:
            logger.warning("Job %s (%s): its worker died; running it again", job.id, job.task_name)
            await manager.retry_job(job)
    return len(stalled)


def _periodic(entry: Periodic) -> None:
    def call(timestamp: int):
        return import_string(entry.task).call()

    call.__name__ = f"periodic_{entry.name}"
    task = app.task(name=f"consentry.periodic.{entry.name}", retry=_retry())(call)
    app.periodic(cron=entry.cron, periodic_id=entry.name)(task)


for _entry in SCHEDULE:
    _periodic(_entry)


class ProcrastinateBackend(BaseTaskBackend):
    supports_defer = True
    supports_priority = True
    supports_get_result = True  # the state only: Procrastinate keeps no return values

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        args, kwargs = normalize_json(args), normalize_json(kwargs)
        job = run.configure(
            queue=task.queue_name, priority=task.priority, schedule_at=task.run_after
        ).make_new_job(path=task.module_path, args=args, kwargs=kwargs)
        # Through Django's connection, in the caller's transaction (in a worker too, whose
        # own connector is a separate pool).
        deferred = JobManager(DjangoConnector()).defer_job(job)
        result: TaskResult = TaskResult(
            task=task,
            id=str(deferred.id),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        task_enqueued.send(type(self), task_result=result)
        return result

    def get_result(self, result_id):
        from procrastinate.contrib.django.models import ProcrastinateJob

        jobs = ProcrastinateJob.objects.filter(pk=result_id)  # type: ignore[misc]
        job = jobs.values("task_name", "status", "args", "worker_id").first()
        if job is None or job["task_name"] != "consentry.run":
            raise TaskResultDoesNotExist(result_id)
        result: TaskResult = TaskResult(
            task=import_string(job["args"]["path"]),
            id=str(result_id),
            status=STATUS[job["status"]],
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=job["args"]["args"],
            kwargs=job["args"]["kwargs"],
            backend=self.alias,
            errors=[],
            worker_ids=[str(job["worker_id"])] if job["worker_id"] else [],
        )
        return result

    def queue_state(self) -> tuple[int, datetime | None]:
        """How many jobs wait to run now, and since when the oldest of them waits (its
        scheduled moment, or when it was deferred)."""
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT count(*), min(coalesce(job.scheduled_at, deferred.at))
                   FROM procrastinate_jobs job
                   LEFT JOIN procrastinate_events deferred
                     ON deferred.job_id = job.id AND deferred.type = 'deferred'
                   WHERE job.status = 'todo'
                     AND (job.scheduled_at IS NULL OR job.scheduled_at <= now())"""
            )
            waiting, oldest = cursor.fetchone()
        return waiting, oldest

    def forget_finished(self, older_than: timedelta) -> int:
        connector = app.connector.get_sync_connector()
        hours = max(1, int(older_than.total_seconds() // 3600))
        connector.execute_query(
            sql.queries["delete_old_jobs"], nb_hours=hours, queue=None, statuses=FINAL
        )
        return 0  # Procrastinate does not say how many
