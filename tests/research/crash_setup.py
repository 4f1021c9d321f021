"""Run in a subprocess by test_video_crash.py, against its own file database: a world, a
kind 6 project whose subject is covered, and a classroom video uploaded to it whose detect
jobs wait for a worker. Prints the video's id."""

from django.core.files.uploadedfile import SimpleUploadedFile

from consentry.research import services, uploads
from tests.research.helpers import astronaut_video, make_research_project
from tests.world import make_world


def main() -> None:
    world = make_world()
    project = make_research_project(world)
    upload = SimpleUploadedFile("les.mp4", astronaut_video(seconds=2.0, fps=8))
    material = services.store_material(
        project, upload, uploads.inspect(upload), pupils=[], others="", actor=world.teacher
    )
    print(material.video.pk)
