"""Photos for the photo gate's tests (and the access table): generated or from scikit-image.

No file from shared/datasets is used. The astronaut (NASA, public domain) ships with
scikit-image and has one clear face.
"""

import io
from functools import cache

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from consentry.photos.models import Face, Photo, Publication
from consentry.photos.services import store_upload
from tests.world import World


@cache
def astronaut() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


def encode(image: Image.Image | np.ndarray, fmt: str = "JPEG", **params) -> bytes:
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def astronaut_jpeg() -> bytes:
    return encode(astronaut(), "JPEG", quality=90)


def upload(data: bytes, name: str = "trip.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def make_photo(world: World, data: bytes | None = None, *, group=None) -> Photo:
    """A stored photo of the teacher's group (detection runs at once in the test settings)."""
    return store_upload(group or world.group, upload(data or astronaut_jpeg()), actor=world.teacher)


def small_jpeg() -> bytes:
    return encode(Image.effect_noise((64, 48), 50).convert("RGB"), "JPEG")


def make_probe_photo(world: World) -> Photo:
    """For the access table: a photo of the teacher's group whose detection failed, so that
    "try again" changes something when it is let through, and with a doubt left from an
    earlier detection, so that "I have checked every face" does too."""
    photo = make_photo(world, small_jpeg())
    Photo.objects.filter(pk=photo.pk).update(
        status=Photo.Status.FAILED, error="damaged", doubts="uncertain"
    )
    Face.objects.create(photo=photo, x=1, y=1, w=10, h=10, source=Face.Source.MANUAL)
    return photo


def probe_form_bodies(world: World) -> dict[str, dict]:
    """For the access table: tag the probe photo's face, add a face to it."""
    face = Face.objects.filter(photo__group=world.group, source=Face.Source.MANUAL).last()
    assert face is not None
    return {
        "photo_tag": {f"face-{face.pk}": "unknown"},
        "photo_add_face": {"x": "1", "y": "1", "w": "5", "h": "5"},
    }


def probe_upload_body() -> dict:
    return {"photos": [upload(small_jpeg(), "probe.jpg")]}


def make_probe_publication(world: World) -> Publication:
    """For the access table: a photo of the teacher's group published to the class group."""
    from consentry.photos.publishing import publish

    return publish(make_photo(world, small_jpeg()), 2, "blur", actor=world.teacher)


def make_probe_takedown(world: World):
    """For the access table: an open external take-down of the teacher's public photo."""
    from consentry.photos.models import TakeDown
    from consentry.photos.publishing import publish

    publication = publish(make_photo(world, small_jpeg()), 4, "blur", actor=world.teacher)
    return TakeDown.objects.create(
        publication=publication, pupil=world.emma, kind="external", reason="consent"
    )
