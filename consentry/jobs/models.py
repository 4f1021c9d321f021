"""Background jobs for Django's tasks framework, stored in our own table with a lease.

A worker that takes a job holds a lease on it and renews it while it runs. If the worker
dies (even by SIGKILL) the lease runs out and another worker takes the job again, up to
JOB_MAX_ATTEMPTS; so every task must be idempotent and take primary keys, not objects.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    class Status(models.TextChoices):
        READY = "READY", _("waiting")
        RUNNING = "RUNNING", _("running")
        SUCCESSFUL = "SUCCESSFUL", _("done")
        FAILED = "FAILED", _("failed")

    id = models.CharField(primary_key=True, max_length=32)
    task_path = models.CharField(max_length=300)
    queue_name = models.CharField(max_length=100, default="default")
    backend = models.CharField(max_length=100, default="default")
    priority = models.SmallIntegerField(default=0)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.READY)
    run_after = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)
    worker_ids = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    return_value = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "run_after"])]
        ordering = ["enqueued_at"]

    def __str__(self) -> str:
        return f"{self.task_path} [{self.status}]"


class PeriodicRun(models.Model):
    """One moment of the schedule (`schedule.SCHEDULE`) that was started, by the SQLite
    engine's worker (`scheduler`). Unique per entry and moment, so that two workers never
    start the same moment twice."""

    name = models.CharField(max_length=100)
    due_at = models.DateTimeField()
    started_at = models.DateTimeField(auto_now_add=True)
    job = models.CharField(max_length=32, blank=True)  # the job it enqueued; empty: noted only

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "due_at"], name="one_run_per_moment")
        ]

    def __str__(self) -> str:
        return f"{self.name} at {self.due_at:%Y-%m-%d %H:%M}"
