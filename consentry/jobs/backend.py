"""A tasks backend that stores jobs in the database (see jobs.models for the lease).

The embedded engine, for SQLite; on PostgreSQL jobs run on Procrastinate
(`procrastinate_backend`).
"""

from datetime import datetime, timedelta

from django.db.models import Q
from django.tasks import TaskResult, TaskResultStatus
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import TaskError
from django.tasks.exceptions import TaskResultDoesNotExist
from django.tasks.signals import task_enqueued
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.json import normalize_json
from django.utils.module_loading import import_string

from .models import Job


class DatabaseBackend(BaseTaskBackend):
    supports_defer = True
    supports_get_result = True
    supports_priority = True

    def enqueue(self, task, args, kwargs):
        """Store the job in the caller's transaction: it exists exactly when the change that
        asked for it was committed."""
        self.validate_task(task)
        job = Job.objects.create(
            id=get_random_string(32),
            task_path=task.module_path,
            queue_name=task.queue_name,
            backend=self.alias,
            priority=task.priority,
            args=normalize_json(args),
            kwargs=normalize_json(kwargs),
            run_after=task.run_after,
            enqueued_at=timezone.now(),
        )
        result = to_task_result(job)
        task_enqueued.send(type(self), task_result=result)
        return result

    def queue_state(self) -> tuple[int, datetime | None]:
        """How many jobs wait to run now, and since when the oldest of them waits."""
        now = timezone.now()
        waiting = Job.objects.filter(status=Job.Status.READY).filter(
            Q(run_after__isnull=True) | Q(run_after__lte=now)
        )
        oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", "run_after").first()
        return waiting.count(), max(filter(None, oldest)) if oldest else None

    def forget_finished(self, older_than: timedelta) -> int:
        finished = Job.objects.filter(
            status__in=[Job.Status.SUCCESSFUL, Job.Status.FAILED],
            finished_at__lt=timezone.now() - older_than,
        )
        return finished.delete()[0]

    def get_result(self, result_id):
        try:
            return to_task_result(Job.objects.get(pk=result_id))
        except Job.DoesNotExist:
            raise TaskResultDoesNotExist(result_id) from None


def to_task_result(job: Job) -> TaskResult:
    task = import_string(job.task_path)
    result: TaskResult = TaskResult(
        task=task,
        id=job.id,
        status=TaskResultStatus(job.status),
        enqueued_at=job.enqueued_at,
        started_at=job.started_at,
        last_attempted_at=job.started_at,
        finished_at=job.finished_at,
        args=job.args,
        kwargs=job.kwargs,
        backend=job.backend,
        errors=[TaskError(**error) for error in job.errors],
        worker_ids=list(job.worker_ids),
    )
    object.__setattr__(result, "_return_value", job.return_value)
    return result
