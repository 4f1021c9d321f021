"""Background work for photos: tasks take primary keys and may run twice (see services)."""

from django.tasks import task

from . import services, takedowns
from .models import Publication


@task(queue_name="photos")
def detect_faces(photo_id: int) -> str:
    """Find the faces of one uploaded photo (services.detect says how it survives a kill)."""
    return services.detect(photo_id)


@task()
def take_down_for_pupil(pupil_id: int) -> int:
    """Take down what was published of a pupil who may now appear in less (takedowns.py)."""
    return takedowns.take_down_for_pupil(pupil_id)


@task()
def take_down_for_pupils(pupil_ids: list[int]) -> int:
    """The same for many pupils at once (a roster sync that changed parental authority)."""
    return sum(takedowns.take_down_for_pupil(pupil_id) for pupil_id in pupil_ids)


@task()
def sweep_school(school_id: int) -> int:
    """Take down what the gate would no longer allow for any pupil of one school."""
    return takedowns.sweep_school(school_id)


@task()
def sweep_takedowns() -> int:
    """Daily: sweep every school with current publications, one job per school.

    Why daily: some consent lapses without anyone acting (a 16th birthday makes the
    guardians' answers stop counting); and whatever a signal missed, this catches.
    Returns the number of schools queued."""
    school_ids = list(
        Publication.objects.filter(withdrawn_at=None)
        .order_by()
        .values_list("photo__school_id", flat=True)
        .distinct()
    )
    for school_id in school_ids:
        sweep_school.enqueue(school_id)
    return len(school_ids)
