"""Housekeeping of the job engines themselves."""

from datetime import timedelta

from django.tasks import task, task_backends

FINISHED_JOBS_KEPT = timedelta(days=7)


@task()
def forget_finished_jobs() -> int:
    """Delete jobs that finished more than a week ago (their arguments are ids of pupils and
    people; a week is enough to look into a failure). How many, where the engine says."""
    backend = task_backends["default"]
    forget = getattr(backend, "forget_finished", None)
    return forget(FINISHED_JOBS_KEPT) if forget is not None else 0
