"""The daily retention job for the worker (`consentry retention` does the same from cron)."""

from django.tasks import task

from . import services


@task()
def apply_retention() -> int:
    """Destroy what has expired; the number of items destroyed. Safe to run twice."""
    runs = services.run(keep_items=False)
    return sum(rule_run.due_count for rule_run in runs if not rule_run.error)
