"""Background work for photos: tasks take primary keys and may run twice (see services)."""

from django.tasks import task

from . import services


@task()
def detect_faces(photo_id: int) -> str:
    """Find the faces of one uploaded photo (services.detect says how it survives a kill)."""
    return services.detect(photo_id)
