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
