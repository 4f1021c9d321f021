"""The rules for photos: who uploads, how a file is stored whole or not at all, detection.

Storing: the upload is judged by the image engine (consentry.imaging.decode) before
anything is written; then the encrypted file is written, then the row, its audit entry and
its detection job commit in one transaction. If that transaction fails, the file is
deleted. A crash between the two leaves only a file without a row, which
`storage.orphan_files` finds; never a row without its file.
"""

import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consentry.audit.services import record
from consentry.imaging import ImageRejected, decode_image
from consentry.imaging.decode import DEFAULT_LIMITS
from consentry.imaging.detect import Face as FoundFace
from consentry.imaging.pipeline import doubts_about, find_faces, load
from consentry.schools.access import leads_school
from consentry.schools.models import Group, StaffRole

from . import crypto, storage
from .models import Face, Photo

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "HEIF": "image/heic",
}


class PhotoRejected(ValueError):
    """An upload that is not stored; the message is for the teacher."""


def may_upload(user, group: Group) -> bool:
    """Teachers upload to their own groups, the leadership to every group of its school;
    others who see the group (the privacy officer) only look."""
    teaches = group.teacher_roles.filter(user=user, role=StaffRole.Role.TEACHER).exists()
    return teaches or leads_school(user, group.school)


def store_upload(
    group: Group, upload: UploadedFile, *, actor, from_guardian: bool = False
) -> Photo:
    """Store one uploaded photo encrypted and queue its face detection, or raise
    `PhotoRejected` with the engine's message. Nothing is half-stored (module docstring).
    `from_guardian`: a parent's own photo (parent_photos.py), marked as such for the teacher."""
    data = _read(upload)
    try:
        decoded = decode_image(data, min_long_side=1)  # judges the whole file, cheaply
    except ImageRejected as exc:
        raise PhotoRejected(rejection_message(exc.code)) from None
    name = storage.new_name()
    sealed = crypto.seal(data, bound_to=name)
    saved = storage.storage().save(name, ContentFile(sealed.ciphertext))
    try:
        with transaction.atomic():
            photo = Photo.objects.create(
                school=group.school,
                group=group,
                uploaded_by=actor,
                original_name=(upload.name or "photo")[:255],
                content_type=CONTENT_TYPES.get(decoded.format, "application/octet-stream"),
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                width=decoded.original_size[0],
                height=decoded.original_size[1],
                storage_name=saved,
                wrapped_key=sealed.wrapped_key,
                from_guardian=from_guardian,
            )
            facts = {"group": group.pk, **({"from_guardian": True} if from_guardian else {})}
            record("photo.uploaded", actor=actor, obj=photo, school_id=group.school_id, data=facts)
            _queue_detection(photo)
    except BaseException:
        storage.storage().delete(saved)
        raise
    return photo


def _read(upload: UploadedFile) -> bytes:
    if (upload.size or 0) > DEFAULT_LIMITS.max_bytes:
        raise PhotoRejected(rejection_message("file_too_large"))
    upload.seek(0)
    return upload.read()


def rejection_message(code: str) -> str:
    """The engine's reason (its stable code) in the teacher's language."""
    if code == "file_too_large":
        most = DEFAULT_LIMITS.max_bytes // (1024 * 1024)
        return _("This file is too large (at most %(most)s MB).") % {"most": most}
    messages = {
        "empty": _("This file is empty."),
        "not_an_image": _("This is not a photo in a supported format (JPEG, PNG, WebP, HEIC)."),
        "damaged": _("This photo is damaged or incomplete."),
        "too_many_pixels": _("This photo has too many pixels to process."),
        "animated": _("Animated images and image sequences are not accepted."),
        "metadata_too_large": _("This photo carries too much metadata."),
        "unsupported_colour": _("This photo's colour format is not supported."),
    }
    return str(messages.get(code, messages["damaged"]))


def _queue_detection(photo: Photo) -> None:
    """The job is stored in the caller's transaction: it exists exactly when the photo does."""
    from .tasks import detect_faces

    detect_faces.enqueue(photo.pk)


def read_original(photo: Photo) -> bytes:
    """The decrypted original, in memory only (raises `crypto.DecryptionFailed`)."""
    with storage.storage().open(photo.storage_name, "rb") as handle:
        ciphertext = handle.read()
    return crypto.unseal(ciphertext, bytes(photo.wrapped_key), bound_to=photo.storage_name)


def failure_message(code: str) -> str:
    """Why detection failed, for the page (the row keeps a stable code)."""
    if code == "unreadable":
        return _("This photo's stored file cannot be read. Upload it again.")
    if code == "detection_failed":
        return _("Finding faces failed. Try again.")
    return rejection_message(code)


def retry_detection(photo: Photo, *, actor) -> bool:
    """Queue detection again for a failed photo, or one stuck (its worker died)."""
    with transaction.atomic():
        photo = Photo.objects.select_for_update().get(pk=photo.pk)
        if not photo.can_retry:
            return False
        photo.status, photo.error = Photo.Status.STORED, ""
        photo.save(update_fields=["status", "error"])
        record("photo.detection_retried", actor=actor, obj=photo, school_id=photo.school_id)
        _queue_detection(photo)
    return True


def delete_photo(photo: Photo, *, actor) -> None:
    """Destroy the photo: its wrapped key goes with the row (so even a backup of the file
    cannot be decrypted) and the file is deleted once that has committed; so do its
    publications' renditions."""
    names = [photo.storage_name, *photo.publications.values_list("storage_name", flat=True)]
    with transaction.atomic():
        Photo.objects.filter(pk=photo.pk).update(wrapped_key=b"")
        photo.publications.update(wrapped_key=b"")
        record(
            "photo.deleted",
            actor=actor,
            obj=photo,
            school_id=photo.school_id,
            data={"group": photo.group_id},
        )
        photo.delete()
        transaction.on_commit(lambda: _delete_files(names))


def _delete_files(names: list[str]) -> None:
    for name in names:
        storage.storage().delete(name)


def detect(photo_id: int) -> str:
    """Find the faces of one photo; safe to run twice and to be killed at any moment.

    The claim (status `detecting`) commits first; the slow part runs outside any
    transaction; the faces and status `ready` then commit together, replacing those of an
    earlier attempt. A kill in between leaves `detecting` and no new faces, and the job's
    lease lets another worker run it again.
    """
    photo = _claim(photo_id)
    if photo is None:
        return "skipped"
    try:
        image = load(read_original(photo))
        found = find_faces(image)
        doubts = doubts_about(image, found)
    except ImageRejected as exc:
        return _fail(photo_id, exc.code)
    except crypto.DecryptionFailed:
        return _fail(photo_id, "unreadable")
    except Exception:
        logger.exception("Face detection failed for photo %s", photo_id)
        return _fail(photo_id, "detection_failed")
    return _finish(photo_id, found, doubts)


def _claim(photo_id: int) -> Photo | None:
    with transaction.atomic():
        photo = Photo.objects.select_for_update().filter(pk=photo_id).first()
        if photo is None or photo.status == Photo.Status.READY:
            return None
        photo.status, photo.error = Photo.Status.DETECTING, ""
        photo.attempts += 1
        photo.detecting_since = timezone.now()
        photo.save(update_fields=["status", "error", "attempts", "detecting_since"])
    return photo


def _finish(photo_id: int, found: list[FoundFace], doubts: tuple[str, ...]) -> str:
    with transaction.atomic():
        photo = Photo.objects.select_for_update().filter(pk=photo_id).first()
        if photo is None or photo.status != Photo.Status.DETECTING:
            return "skipped"
        photo.faces.filter(source=Face.Source.DETECTOR).delete()
        Face.objects.bulk_create(_face_row(photo, face) for face in found)
        photo.status, photo.detected_at = Photo.Status.READY, timezone.now()
        photo.doubts, photo.checked_by, photo.checked_at = ",".join(doubts), None, None
        photo.save(update_fields=["status", "detected_at", "doubts", "checked_by", "checked_at"])
    return "ready"


DOUBT_TEXTS = {
    "uncertain": gettext_lazy(
        "Many faces were found with low confidence, so the detector may have missed some."
    ),
    "very_large": gettext_lazy("The photo is very large and was searched in parts."),
}


def doubt_text(code: str) -> str:
    """Why a photo must be looked at by eye, for the page (codes: Detector.doubts)."""
    return str(DOUBT_TEXTS.get(code, code))


def confirm_checked(photo: Photo, *, actor) -> None:
    """Record that `actor` looked at every face of a doubtful photo by eye (and drew any
    the detector missed), which lets it be published. Why a person: a missed face is a
    child shown without consent, and the detector said it was unsure."""
    with transaction.atomic():
        updated = (
            Photo.objects.filter(pk=photo.pk, checked_at=None)
            .exclude(doubts="")
            .update(checked_by=actor, checked_at=timezone.now())
        )
        if updated:
            record(
                "photo.faces_checked",
                actor=actor,
                obj=photo,
                school_id=photo.school_id,
                data={"doubts": photo.doubts, "faces": photo.faces.count()},
            )


def _face_row(photo: Photo, face: FoundFace) -> Face:
    x, y = max(0, round(face.x)), max(0, round(face.y))
    return Face(
        photo=photo,
        x=x,
        y=y,
        w=max(1, min(round(face.w), photo.width - x)),
        h=max(1, min(round(face.h), photo.height - y)),
        score=round(face.score, 4),
    )


def _fail(photo_id: int, code: str) -> str:
    Photo.objects.filter(pk=photo_id, status=Photo.Status.DETECTING).update(
        status=Photo.Status.FAILED, error=code
    )
    return "failed"
