"""Background work for photos: tasks take primary keys and may run twice (see services)."""

from django.tasks import task

from . import services, takedowns


@task()
def detect_faces(photo_id: int) -> str:
    """Find the faces of one uploaded photo (services.detect says how it survives a kill)."""
    return services.detect(photo_id)


@task()
def take_down_for_pupil(pupil_id: int) -> int:
    """Take down what was published of a pupil who may now appear in less (takedowns.py)."""
    return takedowns.take_down_for_pupil(pupil_id)
