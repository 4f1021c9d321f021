"""What a project accepts as material, judged by the content, never by the name.

Photos (JPEG, PNG, WebP, HEIC) are opened by the image engine and stored again as a JPEG
without any metadata: a phone photo's EXIF carries where it was taken and by which device,
which the leaflet's promise of anonymised material does not allow. Whatever claims to be
one of those formats goes to the image engine and nowhere else (a HEIC photo begins with an
`ftyp` box like an MP4 video, and must not be stored as a video with its GPS position).
Videos must be MP4 (or MOV) or WebM and documents PDF, recognised by their real structure:
the video engine (`imaging.video.probe`, FFmpeg through PyAV) must find a video stream
whose first frame decodes, within its limits (picture size, length, frame rate), and
pypdf must read the document's pages; first bytes alone prove nothing (`ftypisom<html>` is
not a video). A document is stored as uploaded; a video is sealed and anonymised in the
background (research/videos.py), and members only ever get the anonymised result.

Nothing here writes a file: `inspect` returns what should be stored, or raises
`MaterialRejected` with a message for the uploader.
"""

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from consentry.imaging import ImageRejected, Limits, decode_image, encode_jpeg
from consentry.imaging.decode import is_image
from consentry.imaging.video import VideoInfo, VideoLimits, VideoRejected, probe

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
    video: VideoInfo | None = None  # what the video engine found in a video


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
    if is_image(head):
        return _photo(upload)
    if head.startswith(b"%PDF-"):
        if not _is_pdf(upload):
            raise MaterialRejected(_("This PDF document is damaged or cannot be read."))
        return _as_is(upload, "document", "application/pdf")
    return _video(upload)


def _not_accepted() -> str:
    return _(
        "This file is not a photo (JPEG, PNG, WebP or HEIC), a video (MP4 or WebM) or a PDF "
        "document."
    )


def _is_pdf(upload: UploadedFile) -> bool:
    """pypdf reads the cross-reference table and every page object: a renamed or truncated
    file fails. Encrypted PDFs are refused too (nobody could review them)."""
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        reader = pypdf.PdfReader(upload, strict=False)
        return not reader.is_encrypted and len(reader.pages) > 0
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError):
        return False
    finally:
        upload.seek(0)


# FFmpeg's names for the containers we accept, and the content type each is stored as.
VIDEO_CONTAINERS = {"mp4": "video/mp4", "webm": "video/webm"}


def _video_type(upload: UploadedFile) -> str | None:
    """The content type if FFmpeg opens the file as an MP4 or WebM container with at least
    one video stream whose codec it knows, else None. Only the container's headers are read,
    never the whole file."""
    import av

    try:
        with av.open(upload.file, mode="r", format=None) as container:
            names = set(container.format.name.split(","))
            streams = container.streams.video
            if not streams or streams[0].codec_context is None:
                return None
            kind = next((VIDEO_CONTAINERS[n] for n in ("mp4", "webm") if n in names), None)
            if kind == "video/webm" and "matroska" in names:
                kind = _webm_or_matroska(upload)
            return kind
    except (av.FFmpegError, ValueError, OSError, UnicodeDecodeError):
        return None
    finally:
        upload.seek(0)


def _video(upload: UploadedFile) -> Inspected:
    """The video engine judges the file (a picture in a video's clothes, a file cut short, a
    4K clip of hours); then only MP4 (MOV) and WebM containers are accepted."""
    with local_copy(upload) as path:
        try:
            info = probe(path, video_limits())
        except VideoRejected as rejected:
            raise MaterialRejected(video_rejection_message(rejected.code)) from None
    video_type = _video_type(upload)
    if video_type is None:
        raise MaterialRejected(
            _("This video's format is not accepted: only MP4 (or MOV) and WebM videos are.")
        )
    inspected = _as_is(upload, "video", video_type)
    return Inspected(inspected.kind, video_type, inspected.sha256, inspected.size, video=info)


def video_limits() -> VideoLimits:
    return getattr(settings, "RESEARCH_VIDEO_LIMITS", VideoLimits())


def video_rejection_message(code: str) -> str:
    """The video engine's reason (its stable code) in the uploader's language."""
    limits = video_limits()
    messages = {
        "not_a_video": _not_accepted(),
        "damaged": _("This video is damaged or cut short and cannot be read."),
        "too_large": _(
            "This video's picture is too large: at most 4K (3840 × 2160 pixels) is accepted."
        ),
        "too_long": _("This video is too long: at most %(minutes)d minutes are accepted.")
        % {"minutes": round(limits.max_seconds / 60)},
        "unsupported": _(
            "This video cannot be processed: its frame rate or its encoding is not supported."
        ),
    }
    return str(messages.get(code, messages["damaged"]))


@contextmanager
def local_copy(upload: UploadedFile) -> Iterator[str]:
    """A path to the upload's bytes for FFmpeg: Django's own temporary file for a large
    upload, else a private temporary copy, deleted afterwards."""
    upload.seek(0)
    if hasattr(upload, "temporary_file_path"):
        yield upload.temporary_file_path()
        return
    handle, path = tempfile.mkstemp(prefix="consentry-upload-", suffix=".video")
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        yield path
    finally:
        os.unlink(path)
        upload.seek(0)


def _webm_or_matroska(upload: UploadedFile) -> str | None:
    """FFmpeg names Matroska and WebM as one demuxer; WebM says so in its EBML header."""
    upload.seek(0)
    return "video/webm" if b"webm" in upload.read(HEAD_BYTES) else None


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
            raise MaterialRejected(_not_accepted()) from None
        raise MaterialRejected(
            _("This photo cannot be used: it is damaged, animated or too large.")
        ) from None
    finally:
        upload.seek(0)
    jpeg = encode_jpeg(decoded.pixels, quality=PHOTO_QUALITY)
    return Inspected(
        "photo", "image/jpeg", hashlib.sha256(jpeg).hexdigest(), len(jpeg), photo_jpeg=jpeg
    )
