"""The daily clean-up of ended projects, for the worker's schedule (`consentry.jobs.schedule`).

The retention job destroys the same material (rule `research.end_date`); both go through
`services.destroy_material`, which leaves material already destroyed alone.
"""

from django.tasks import task

from .services import cleanup


@task()
def clean_up_projects() -> int:
    """Destroy the material of projects whose end date has passed; how many items."""
    return sum(1 for item in cleanup() if item.done)
