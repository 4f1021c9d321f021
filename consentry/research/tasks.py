"""The daily clean-up of ended projects, for the worker's schedule (`consentry.jobs.schedule`).

The retention job destroys the same material (rule `research.end_date`); both go through
`services.destroy_material`, which leaves material already destroyed alone.
"""

from django.tasks import task

from . import video_jobs
from .services import cleanup


@task()
def clean_up_projects() -> int:
    """Destroy the material of projects whose end date has passed; how many items."""
    return sum(1 for item in cleanup() if item.done)


# Research video (videos.py says how each survives running twice or being killed). On the
# "photos" queue: the heavy image work, which `consentry worker --queue photos` may run apart.


@task(queue_name="photos")
def detect_piece(piece_id: int) -> str:
    """Find the faces in one piece of a video; the last piece starts the linking."""
    return video_jobs.detect_piece(piece_id)


@task(queue_name="photos")
def link_tracks(video_id: int) -> str:
    """Link the faces of the whole video into tracks, for the uploader to mark."""
    return video_jobs.link_video(video_id)


@task(queue_name="photos")
def render_piece(piece_id: int) -> str:
    """Draw one piece of a marked video with everyone else blurred."""
    return video_jobs.render_piece(piece_id)


@task(queue_name="photos")
def join_pieces(video_id: int) -> str:
    """Join the drawn pieces into the anonymised video."""
    return video_jobs.join_video(video_id)
