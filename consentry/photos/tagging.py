"""Who is who: the teacher says per face which pupil of the group it is, or that it is an
adult or someone unknown, and draws boxes the detector missed.

Why these rules: the gate (gate.py) trusts these tags to decide who stays visible, so a tag
may only name a pupil of the photo's own group, a pupil appears at most once per photo (two
faces cannot both be Emma), and every change lands whole or not at all, with an audit entry
that holds ids only.
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from consentry.audit.services import record
from consentry.schools.models import Pupil

from .models import Face, Photo
from .services import read_original

UNTAGGED, ADULT, ADULT_CONSENTS, UNKNOWN = "", "adult", "adult-consents", "unknown"


class TaggingError(ValueError):
    """A tag or box that is not stored; the message is for the teacher."""


def group_pupils(photo: Photo) -> QuerySet[Pupil]:
    """The pupils a face of this photo may be: the group's current pupils, sorted by name."""
    return (
        Pupil.objects.members_of(photo.group)
        .current()
        .order_by("given_name", "family_name_prefix", "family_name", "pk")
    )


def choice_of(face: Face) -> str:
    """The select's value for a face (the inverse of `_apply`)."""
    if face.kind == Face.Kind.PUPIL and face.pupil_id:
        return str(face.pupil_id)
    if face.kind == Face.Kind.ADULT:
        return ADULT_CONSENTS if face.consents else ADULT
    return UNKNOWN if face.kind == Face.Kind.UNKNOWN else UNTAGGED


def save_tags(photo: Photo, choices: dict[int, str], *, actor) -> int:
    """Store the tags of `choices` (face id -> select value); returns how many changed.

    Everything is checked before anything is written: a face of another photo, a pupil of
    another group or the same pupil twice rejects the whole form.
    """
    faces = {face.pk: face for face in photo.faces.all()}
    if set(choices) - set(faces):
        raise TaggingError(_("A face is not one of this photo's faces. Reload the page."))
    choices = {pk: choices.get(pk, choice_of(face)) for pk, face in faces.items()}
    pupil_ids = set(group_pupils(photo).values_list("pk", flat=True))
    chosen = [int(v) for v in choices.values() if v.isdigit()]
    if set(chosen) - pupil_ids or _has_bad_value(choices.values()):
        raise TaggingError(_("Choose a pupil of this group, an adult or unknown for each face."))
    if len(chosen) != len(set(chosen)):
        raise TaggingError(_("A pupil can be tagged only once in a photo."))
    changed = [faces[pk] for pk, value in choices.items() if _apply(faces[pk], value)]
    with transaction.atomic():
        Face.objects.filter(pk__in=[f.pk for f in changed]).update(pupil=None)  # no clash
        Face.objects.bulk_update(changed, ["kind", "pupil", "consents"])
        if changed:
            record(
                "photo.tagged",
                actor=actor,
                obj=photo,
                school_id=photo.school_id,
                data={"faces": [f.pk for f in changed], "pupils": sorted(chosen)},
            )
    return len(changed)


def _has_bad_value(values) -> bool:
    return any(not (v.isdigit() or v in (UNTAGGED, ADULT, ADULT_CONSENTS, UNKNOWN)) for v in values)


def _apply(face: Face, value: str) -> bool:
    """Set the face's tag from a select value; True if it changed."""
    before = (face.kind, face.pupil_id, face.consents)
    face.pupil_id, face.consents = None, False
    if value.isdigit():
        face.kind, face.pupil_id = Face.Kind.PUPIL, int(value)
    elif value in (ADULT, ADULT_CONSENTS):
        face.kind, face.consents = Face.Kind.ADULT, value == ADULT_CONSENTS
    else:
        face.kind = Face.Kind.UNKNOWN if value == UNKNOWN else Face.Kind.UNTAGGED
    return before != (face.kind, face.pupil_id, face.consents)


def add_face(photo: Photo, x: int, y: int, w: int, h: int, *, actor) -> Face:
    """A box the detector missed, in the photo's upright pixels; it must lie inside the
    photo, or it would hide nothing (or something else) when rendered."""
    if min(x, y) < 0 or w < 1 or h < 1 or x + w > photo.width or y + h > photo.height:
        raise TaggingError(
            _("The box must lie inside the photo (%(width)s × %(height)s pixels).")
            % {"width": photo.width, "height": photo.height}
        )
    with transaction.atomic():
        face = Face.objects.create(photo=photo, x=x, y=y, w=w, h=h, source=Face.Source.MANUAL)
        record(
            "photo.face_added",
            actor=actor,
            obj=photo,
            school_id=photo.school_id,
            data={"face": face.pk},
        )
    return face


NUMBERS_PER_WIDTH = 20  # a face number is a 20th of the photo's width tall


def face_numbers(photo: Photo, faces: list[Face]) -> tuple[int, list[tuple[int, int, int]]]:
    """The numbers drawn over the faces on "Who is who": their size and, per face in order,
    (number, x, baseline y), in the photo's pixels.

    Why from the photo's width and not the face's size: the photo is scaled to the screen's
    width, so a number as tall as a small face in a large photo would be a few pixels on a
    phone. A 20th of the width reads the same everywhere (18px on a 390px phone). A number
    sits just above its box, or inside the box's top when the box touches the photo's top,
    and never runs off the right edge."""
    size = max(1, round(photo.width / NUMBERS_PER_WIDTH))
    numbers = []
    for number, face in enumerate(faces, 1):
        room = round(size * 0.6 * len(str(number)))  # a digit is about 0.6 em wide
        x = max(0, min(face.x, photo.width - room))
        baseline = face.y - size // 8 if face.y >= size else face.y + size
        numbers.append((number, x, baseline))
    return size, numbers


def next_untagged(photo: Photo) -> Photo | None:
    """The group's next ready photo (in the page's order) with a face still untagged."""
    untagged = Photo.objects.filter(
        group=photo.group, status=Photo.Status.READY, faces__kind=Face.Kind.UNTAGGED
    ).exclude(pk=photo.pk)
    return untagged.distinct().first()


def preview_jpeg(photo: Photo, max_side: int = 1600) -> bytes:
    """The photo upright and downscaled, unblurred, without metadata: for tagging by staff
    who may see the original anyway (a browser cannot show every original, e.g. HEIC)."""
    from consentry.imaging import decode_image, render

    image = decode_image(read_original(photo), min_long_side=max_side)
    return render(image, [], max_side=max_side)[0]
