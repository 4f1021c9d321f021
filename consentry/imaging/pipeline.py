"""The whole path for one photo: decode, detect, anonymise, encode.

Split in two on purpose: `find_faces` gives boxes in the original image's pixels (what the
photo gate stores for a teacher to tag), and `render` draws a rendition from the decoded
photo and whichever boxes must be hidden (the gate blurs only the faces that are not
cleared). `blur_photo` does both for the command line: every face found is hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from consentry.imaging.anonymise import DEFAULT_PADDING, Mode, anonymise
from consentry.imaging.decode import DEFAULT_LIMITS, DecodedImage, Limits, Source, decode_image
from consentry.imaging.detect import Detector, Face, default_detector
from consentry.imaging.encode import DEFAULT_MAX_SIDE, DEFAULT_QUALITY, encode_jpeg, fit_within


@dataclass(frozen=True, slots=True)
class BlurredPhoto:
    """A finished rendition and the faces hidden in it (boxes in original pixels), with
    the reasons to check it by eye (`Detector.doubts`)."""

    jpeg: bytes
    faces: tuple[Face, ...]
    original_size: tuple[int, int]
    output_size: tuple[int, int]
    doubts: tuple[str, ...] = ()


def load(
    source: Source,
    *,
    detector: Detector | None = None,
    max_side: int = DEFAULT_MAX_SIDE,
    limits: Limits = DEFAULT_LIMITS,
) -> DecodedImage:
    """Decode with just enough pixels for both detection and a `max_side` rendition."""
    detector = detector or default_detector()

    def needed(long_side: int) -> int:
        return max(detector.needed_long_side(long_side), max_side)

    return decode_image(source, limits=limits, min_long_side=needed)


def find_faces(image: DecodedImage, *, detector: Detector | None = None) -> list[Face]:
    """Faces in `image`, in the original (upright, full-resolution) image's pixels."""
    detector = detector or default_detector()
    found = detector.detect(image.pixels, original_size=image.original_size)
    return [face.scaled(image.scale_to_original) for face in found]


def doubts_about(
    image: DecodedImage, faces: Sequence[Face], *, detector: Detector | None = None
) -> tuple[str, ...]:
    """Why the faces found in `image` deserve a look by eye (see `Detector.doubts`)."""
    detector = detector or default_detector()
    return detector.doubts(faces, *image.original_size)


def render(
    image: DecodedImage,
    faces: Sequence[Face],
    *,
    mode: Mode = "blur",
    max_side: int = DEFAULT_MAX_SIDE,
    quality: int = DEFAULT_QUALITY,
    padding: float = DEFAULT_PADDING,
) -> tuple[bytes, tuple[int, int]]:
    """A metadata-free JPEG of `image` at most `max_side` px long, with `faces` hidden.

    Anonymising after shrinking is as safe as before (the output only has these pixels)
    and much cheaper. Returns the JPEG and its (width, height).
    """
    pixels, factor = fit_within(image.pixels, max_side)
    to_output = factor / image.scale_to_original
    boxes = [(f.x * to_output, f.y * to_output, f.w * to_output, f.h * to_output) for f in faces]
    hidden = anonymise(pixels, boxes, mode=mode, padding=padding)
    return encode_jpeg(hidden, quality=quality), (int(hidden.shape[1]), int(hidden.shape[0]))


def blur_photo(
    source: Source,
    *,
    detector: Detector | None = None,
    mode: Mode = "blur",
    max_side: int = DEFAULT_MAX_SIDE,
    quality: int = DEFAULT_QUALITY,
    limits: Limits = DEFAULT_LIMITS,
) -> BlurredPhoto:
    """Hide every face found in `source`; raises `ImageRejected` for a bad photo."""
    detector = detector or default_detector()
    image = load(source, detector=detector, max_side=max_side, limits=limits)
    faces = find_faces(image, detector=detector)
    jpeg, size = render(image, faces, mode=mode, max_side=max_side, quality=quality)
    return BlurredPhoto(
        jpeg=jpeg,
        faces=tuple(faces),
        original_size=image.original_size,
        output_size=size,
        doubts=doubts_about(image, faces, detector=detector),
    )
