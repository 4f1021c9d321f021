"""Building blocks for parents' own photos (tests/photos/test_parent_*.py, test_ask_first.py
and the access table): classmates of Emma with their own parents, a parent's upload of four
astronauts, tags in reading order, and a sent share request."""

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.utils import timezone

from consentry.adhoc.services import answer
from consentry.photos import parent_photos, tagging
from consentry.photos.models import Photo, ShareRequest
from consentry.photos.services import store_upload
from consentry.schools.models import Guardianship, Pupil
from tests.photos.helpers import astronaut, astronaut_jpeg, encode, upload
from tests.world import World, make_pupil, make_user


@dataclass
class Classmates:
    mila: Pupil
    bram: Pupil
    mila_parent: object
    bram_parent: object


def add_classmates(world: World) -> Classmates:
    """Mila and Bram join group Zon, each with one parent with parental authority."""
    mila = make_pupil(world.school, world.group, "1003", "Mila")
    bram = make_pupil(world.school, world.group, "1004", "Bram")
    mila_parent = make_user("mila.parent@example.nl", "Parent of Mila")
    bram_parent = make_user("bram.parent@example.nl", "Parent of Bram")
    Guardianship.objects.create(guardian=mila_parent, pupil=mila, has_parental_authority=True)
    Guardianship.objects.create(guardian=bram_parent, pupil=bram, has_parental_authority=True)
    return Classmates(mila, bram, mila_parent, bram_parent)


def four_faces_jpeg() -> bytes:
    """scikit-image's astronaut tiled 2 x 2: four faces, one in each quarter (1024 px)."""
    return encode(np.vstack([np.hstack([astronaut(), astronaut()])] * 2), "JPEG", quality=90)


def parent_upload(world: World, data: bytes | None = None, *, by=None, name="trip.jpg") -> Photo:
    """A photo the parent (or `by`) uploaded for group Zon; faces are found at once here."""
    return store_upload(
        world.group,
        upload(data or astronaut_jpeg(), name),
        actor=by or world.parent,
        from_guardian=True,
    )


def faces_in_reading_order(photo: Photo) -> list:
    """Top left, top right, bottom left, bottom right (the detector orders by score)."""
    return sorted(photo.faces.all(), key=lambda f: (f.y // 256, f.x))


def tag(world: World, photo: Photo, *choices: str) -> None:
    """The teacher tags the faces in reading order: a pupil id, "adult" or "unknown"."""
    faces = faces_in_reading_order(photo)
    assert len(faces) == len(choices), f"found {len(faces)} faces"
    tagging.save_tags(
        photo, {f.pk: c for f, c in zip(faces, choices, strict=True)}, actor=world.teacher
    )


def send(world: World, share: ShareRequest, *, notify: bool = False):
    purpose, description = parent_photos.default_texts(share)
    return parent_photos.send_share(
        share,
        actor=world.teacher,
        purpose=purpose,
        description=description,
        deadline=timezone.localdate() + timedelta(days=7),
        notify=notify,
    )


def make_probe_share(world: World) -> ShareRequest:
    """For the access table: the parent's photo of Emma, asked about, sent by the teacher,
    and a version to share made while Emma's answer was missing (so she is blurred in it).
    Her parent has answered yes since, so making the version again makes a new one."""
    photo = parent_upload(world)
    tag(world, photo, str(world.emma.pk))
    share = parent_photos.ask_to_share(photo, world.parent, "the family app")
    send(world, share)
    share.refresh_from_db()
    parent_photos.release(share, world.parent)
    answer(world.parent, share.consent_request, world.emma, True)
    return share
