"""Small tasks for the worker tests; module-level, so the worker can import them by path."""

from django.tasks import task


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def explode(message: str) -> None:
    raise ValueError(message)


@task(priority=10)
def urgent() -> str:
    return "urgent"


@task
def plain() -> str:
    return "plain"


@task
def record(number: int, seconds: float) -> int:
    """Note in the file CONSENTRY_TEST_RECORD when this run starts and ends, and by which
    process, so the test can see who ran what when (and that a run never overlaps another)."""
    import os
    import time

    path = os.environ["CONSENTRY_TEST_RECORD"]

    def note(what: str) -> None:
        with open(path, "a") as out:
            out.write(f"{what} {number} {os.getpid()} {time.time():.6f}\n")

    note("start")
    time.sleep(seconds)
    note("end")
    return number


@task(takes_context=True)
def hold_own_job(context, hold: float, total: float) -> int:
    """Hold a lock on this job's own row for `hold` seconds (a write transaction on SQLite,
    a row lock on PostgreSQL), so that the worker's lease keeper cannot renew meanwhile;
    then run on until `total` seconds have passed. Returns the seconds it ran, rounded."""
    import time

    from django.db import transaction

    from consentry.jobs.models import Job

    began = time.monotonic()
    with transaction.atomic():
        list(Job.objects.select_for_update().filter(pk=context.task_result.id))
        time.sleep(hold)
    time.sleep(max(0.0, total - (time.monotonic() - began)))
    return round(time.monotonic() - began)


@task(takes_context=True)
def lease_after(context, seconds: float) -> bool:
    """After `seconds`, whether this job's lease still lies in the database's future."""
    import time

    from django.db.models.functions import Now

    from consentry.jobs.models import Job

    time.sleep(seconds)
    return Job.objects.filter(pk=context.task_result.id, lease_until__gt=Now()).exists()
