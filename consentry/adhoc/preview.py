"""The optional preview image of a request: checked to be a real image, every face in it
blurred, then re-encoded.

Why re-encode although it is only shown in Consentry: a photo from a phone carries EXIF
(GPS position, time, camera serial), and a guardian who saves the preview would take that
along. The image engine decodes it safely (size limits, no decompression bombs) and writes a
fresh JPEG from the bare pixels, so nothing of the uploaded file is kept.

Why blur every face: the preview is shown to every guardian the request is sent to, before
anyone has answered it, so nobody in it is yet positively a consenting pupil (default deny),
and a never-photographed pupil must not be shown to a whole group. The request's text says
what the photo is about; the photo gate shows the consenting faces once there are answers.
"""

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from consentry.imaging import ImageRejected, Limits, find_faces, load, render

MAX_BYTES = 15 * 1024 * 1024
MAX_SIDE = 1600  # enough to see what the request is about on any screen


class PreviewRejected(ValueError):
    """Not an image we accept; the message is safe to show to the person who uploaded it."""


def _message(error: ImageRejected) -> str:
    if error.code == "file_too_large":
        return _("The image is larger than %(limit)s. Upload a smaller one.") % {
            "limit": filesizeformat(MAX_BYTES)
        }
    if error.code in ("too_many_pixels", "metadata_too_large"):
        return _("This image is too large to process. Upload a smaller one.")
    if error.code == "animated":
        return _("Animated images are not accepted. Upload a still image.")
    return _("This file is not an image we can read. Upload a JPEG, PNG or WebP image.")


def encode_preview(data: bytes) -> bytes:
    """A metadata-free JPEG of the uploaded image with every face blurred, at most MAX_SIDE
    pixels long, or PreviewRejected with a message for the uploader."""
    try:
        image = load(data, limits=Limits(max_bytes=MAX_BYTES), max_side=MAX_SIDE)
    except ImageRejected as error:
        raise PreviewRejected(_message(error)) from error
    jpeg, _size = render(image, find_faces(image), max_side=MAX_SIDE)
    return jpeg
