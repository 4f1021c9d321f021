"""The consent gate: who stays visible for which audience, and what the rendition holds."""

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from consentry.adhoc.services import answer
from consentry.consent.services import decide, set_never_flag
from consentry.imaging import find_faces, load
from consentry.photos import gate
from consentry.photos.models import Face
from tests.adhoc.helpers import ask
from tests.photos.helpers import astronaut, encode, make_photo


@pytest.fixture
def photo(world):
    """The astronaut, her one face tagged as Emma."""
    photo = make_photo(world)
    photo.faces.update(kind=Face.Kind.PUPIL, pupil=world.emma)
    return photo


def _decision(photo, audience) -> gate.FaceDecision:
    [decision] = gate.decide_faces(photo, audience)
    return decision


def test_a_pupil_with_consent_for_the_category_stays_visible(world, photo):
    decide(world.parent, world.emma, {2: True})
    decide(world.other_parent, world.emma, {2: True})
    decision = _decision(photo, 2)
    assert (decision.visible, decision.reason, decision.state) == (True, "consent", "yes")


def test_the_category_matters_yes_for_class_group_no_for_public(world, photo):
    for guardian in (world.parent, world.other_parent):
        decide(guardian, world.emma, {2: True, 4: False})
    assert _decision(photo, 2).visible
    assert (_decision(photo, 4).visible, _decision(photo, 4).state) == (False, "no")


def test_an_unanswered_pupil_is_blurred(world, photo):
    decision = _decision(photo, 2)
    assert (decision.visible, decision.reason, decision.state) == (
        False,
        "no_consent",
        "unanswered",
    )


def test_guardians_in_conflict_blur_the_pupil(world, photo):
    decide(world.parent, world.emma, {2: True})
    decide(world.other_parent, world.emma, {2: False})
    assert (_decision(photo, 2).visible, _decision(photo, 2).state) == (False, "conflict")


def test_the_never_flag_blurs_and_its_reason_is_not_told(world, photo):
    for guardian in (world.parent, world.other_parent):
        decide(guardian, world.emma, {2: True})
    set_never_flag(world.leadership, world.emma, active=True, reason="Safeguarding.")
    decision = _decision(photo, 2)
    assert (decision.visible, decision.state) == (False, "never")
    assert "never" not in decision.reason_text.lower()


@pytest.mark.parametrize(
    ("kind", "consents", "visible", "reason"),
    [
        (Face.Kind.UNTAGGED, False, False, "untagged"),
        (Face.Kind.UNKNOWN, False, False, "unknown"),
        (Face.Kind.ADULT, False, False, "adult"),
        (Face.Kind.ADULT, True, True, "adult_consents"),
    ],
)
def test_faces_that_are_not_pupils(world, photo, kind, consents, visible, reason):
    photo.faces.update(kind=kind, pupil=None, consents=consents)
    assert (_decision(photo, 4).visible, _decision(photo, 4).reason) == (visible, reason)


def test_a_separate_request_shows_only_the_pupils_it_allows(world, photo):
    consent_request = ask(world)
    assert not _decision(photo, consent_request).visible
    answer(world.parent, consent_request, world.emma, True)
    answer(world.other_parent, consent_request, world.emma, True)
    assert _decision(photo, consent_request).visible


def test_only_the_four_photo_categories_are_audiences(world, photo):
    with pytest.raises(ValueError):
        gate.decide_faces(photo, 6)


def _iou(found, box) -> float:
    x, y, w, h = box
    ix = max(0.0, min(found.x + found.w, x + w) - max(found.x, x))
    iy = max(0.0, min(found.y + found.h, y + h) - max(found.y, y))
    return ix * iy / (found.w * found.h + w * h - ix * iy)


def _sharpness(jpeg: bytes, box) -> float:
    x, y, w, h = box
    grey = cv2.cvtColor(np.asarray(Image.open(io.BytesIO(jpeg))), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey[y : y + h, x : x + w], cv2.CV_64F).var())


@pytest.mark.parametrize("mode", ["blur", "pixelate", "solid"])
def test_a_hidden_face_is_no_longer_a_face(world, photo, mode):
    for guardian in (world.parent, world.other_parent):
        decide(guardian, world.emma, {2: True, 4: False})
    face = photo.faces.get()
    box = (face.x, face.y, face.w, face.h)
    visible, hidden = gate.render(photo, 2, mode), gate.render(photo, 4, mode)
    [found] = find_faces(load(visible))
    assert found.score > 0.9
    # The detector is tuned to find too much (threshold 0.12): a blob may still score a
    # little, but nothing confident is found where her face was.
    assert not [f for f in find_faces(load(hidden)) if f.score > 0.5 and _iou(f, box) > 0.3]
    if mode != "pixelate":  # blocks have sharp edges of their own
        assert _sharpness(hidden, box) < _sharpness(visible, box) / 20


def test_the_rendition_has_no_metadata_and_is_at_most_the_maximum(world, settings):
    settings.CONSENTRY_RENDITION_MAX_PX = 300
    exif = Image.Exif()
    exif[0x010F] = "Secret camera"
    exif[0x8825] = {2: (52.0, 22.0, 1.0)}  # GPS latitude
    exif[0x0112] = 6  # stored 400 x 512 on its side: upright it is 512 x 400
    data = encode(astronaut()[:, :400], "JPEG", exif=exif.tobytes(), comment=b"a comment")
    photo = make_photo(world, data)
    jpeg = gate.render(photo, 2)
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.size == (300, 234)
        assert not image.getexif()
        assert set(image.info) <= {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi"}
    assert b"Secret" not in jpeg and b"http://ns.adobe.com/xap" not in jpeg
