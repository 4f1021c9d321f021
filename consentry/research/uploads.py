"""What a project accepts as material, judged by the content, never by the name.

Photos (JPEG, PNG, WebP, HEIC) are opened by the image engine and stored again as a JPEG
without any metadata: a phone photo's EXIF carries where it was taken and by which device,
which the leaflet's promise of anonymised material does not allow. Videos must be MP4 or
WebM and documents PDF, recognised by their first bytes; they are stored as uploaded.

Nothing here writes a file: `inspect` returns what should be stored, or raises
`MaterialRejected` with a message for the uploader.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from consentry.imaging import ImageRejected, Limits, decode_image, encode_jpeg

DEFAULT_MAX_BYTES = 500 * 1024 * 1024  # a few minutes of classroom video
PHOTO_QUALITY = 92
PHOTO_MAX_BYTES = 50 * 1024 * 1024  # the image engine's own limit: phone photos fit
HEAD_BYTES = 64


class MaterialRejected(ValueError):
    """An upload that is not accepted; the message is safe to show to the uploader."""


@dataclass(frozen=True)
class Inspected:
    kind: str  # a Material.Kind value
    content_type: str
    sha256: str
    size: int
    photo_jpeg: bytes | None = None  # a photo is stored as this re-encoded JPEG


def max_bytes() -> int:
    return getattr(settings, "RESEARCH_MATERIAL_MAX_BYTES", DEFAULT_MAX_BYTES)


def inspect(upload: UploadedFile) -> Inspected:
    """Recognise the upload as a photo, a video or a PDF, or refuse it."""
    size = upload.size or 0
    if size == 0:
        raise MaterialRejected(_("The file is empty."))
    if size > max_bytes():
        raise MaterialRejected(
            _("The file is larger than %(limit)s.") % {"limit": filesizeformat(max_bytes())}
        )
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return _as_is(upload, "document", "application/pdf")
    video_type = _video_type(head)
    if video_type:
        return _as_is(upload, "video", video_type)
    return _photo(upload)


def _video_type(head: bytes) -> str | None:
    """MP4 has an `ftyp` box first (QuickTime's own brand `qt  ` is not MP4); WebM is an
    EBML file whose document type is `webm`."""
    if head[4:8] == b"ftyp" and head[8:12] != b"qt  ":
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head:
        return "video/webm"
    return None


def _as_is(upload: UploadedFile, kind: str, content_type: str) -> Inspected:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return Inspected(kind, content_type, digest.hexdigest(), upload.size or 0)


def _photo(upload: UploadedFile) -> Inspected:
    limits = Limits(max_bytes=min(max_bytes(), PHOTO_MAX_BYTES))
    try:
        decoded = decode_image(upload.read(limits.max_bytes + 1), limits=limits)
    except ImageRejected as rejected:
        if rejected.code == "not_an_image":
            raise MaterialRejected(
                _(
                    "This file is not a photo (JPEG, PNG, WebP or HEIC), a video (MP4 or "
                    "WebM) or a PDF document."
                )
            ) from None
        raise MaterialRejected(
            _("This photo cannot be used: it is damaged, animated or too large.")
        ) from None
    finally:
        upload.seek(0)
    jpeg = encode_jpeg(decoded.pixels, quality=PHOTO_QUALITY)
    return Inspected(
        "photo", "image/jpeg", hashlib.sha256(jpeg).hexdigest(), len(jpeg), photo_jpeg=jpeg
    )
