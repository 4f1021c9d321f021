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
