"""Open an uploaded photo safely and turn it into upright 8-bit sRGB pixels.

Why this is careful: photos come from teachers' phones and laptops, so anything can arrive
(a PDF renamed to .jpg, a half-uploaded file, a 30000x30000 decompression bomb, an animated
WebP, a CMYK scan, a 16-bit PNG). Every one of those must end in `ImageRejected` with a
message a teacher understands, never in a stack trace or an exhausted server.

Decisions (documented here because the tests hold us to them):

- Formats: JPEG (MPO photos with an embedded depth map count as JPEG: their first image is
  used), PNG, WebP and, when `pillow-heif` is installed, HEIC/HEIF. Anything else is
  refused; Pillow is only allowed to try these plugins, which keeps the parser surface small.
- Size: at most `Limits.max_bytes` bytes, `Limits.max_pixels` pixels and
  `Limits.max_decoded_bytes` of decoded data (a small file can still decode to gigabytes: a
  486 KB 16-bit RGBA PNG of 64 MP). Both are checked from the header, before any pixel is
  decoded.
- Animated images (APNG, animated WebP, HEIC sequences) are refused: which frame would be
  published is ambiguous, and blurring only one frame would leak the others.
- Metadata is never carried over (see encode.py); EXIF larger than `max_exif_bytes` is
  refused outright rather than parsed, since nothing legitimate needs that much.
- Orientation: the EXIF orientation is applied, so pixels are the way the photo is seen.
- Colour: everything becomes 8-bit RGB, because that is what a teacher expects to get back.
  CMYK (print workflows) is converted, through its ICC profile when it has one; 16-bit
  images are scaled down to 8 bits; transparency is flattened onto white; a non-sRGB ICC
  profile (Display P3 from iPhones, Adobe RGB from cameras) is converted to sRGB, because the
  profile itself is dropped on output and the colours would otherwise look washed out.
- Speed: big JPEGs are decoded at a reduced scale (libjpeg's DCT scaling) when the caller
  needs fewer pixels than the file has (up to 5% fewer than asked for: see `_draft`);
  `original_size` keeps the full size so face boxes are still given in original pixels.
"""

from __future__ import annotations

import io
import math
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageCms, ImageFile, ImageOps

from consentry.imaging.errors import ImageRejected

try:  # HEIC is optional: pillow-heif ships libheif as a binary wheel that may be missing.
    import pillow_heif
except ImportError:  # pragma: no cover - depends on the installation
    pillow_heif = None  # type: ignore[assignment]

Source = bytes | str | os.PathLike[str] | BinaryIO
LongSide = int | Callable[[int], int]

_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")  # JPEG's opener also returns MPO files
_FORMAT_NAMES = "JPEG, PNG, WebP or HEIC" if pillow_heif is not None else "JPEG, PNG or WebP"
_plugins_loaded = False
DRAFT_SLACK = 0.95


@dataclass(frozen=True, slots=True)
class Limits:
    """What the engine accepts; the defaults fit phone and camera photos with room to spare."""

    max_bytes: int = 50 * 1024 * 1024
    max_pixels: int = 64_000_000  # a 48 MP phone photo fits; a decompression bomb does not
    # Pixels times the bytes each takes as stored: a 48 MP 8-bit phone photo needs 144 MB, a
    # 64 MP 16-bit RGBA PNG (under max_pixels, but 8 bytes a pixel) 512 MB and is refused.
    max_decoded_bytes: int = 256 * 1024 * 1024
    max_exif_bytes: int = 512 * 1024  # real EXIF with a thumbnail is under 64 KiB


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """Upright 8-bit sRGB pixels, possibly decoded at a reduced scale.

    `pixels` has shape (height, width, 3). `original_size` is the (width, height) of the
    full-resolution image after orientation, which is the coordinate system face boxes are
    reported in.
    """

    pixels: np.ndarray
    original_size: tuple[int, int]
    format: str

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of `pixels`."""
        return int(self.pixels.shape[1]), int(self.pixels.shape[0])

    @property
    def scale_to_original(self) -> float:
        """Multiply a coordinate in `pixels` by this to get original-image pixels."""
        return self.original_size[0] / self.pixels.shape[1]


def decode_image(
    source: Source, *, limits: Limits = DEFAULT_LIMITS, min_long_side: LongSide | None = None
) -> DecodedImage:
    """Decode `source` (bytes, a path or a binary file) or raise `ImageRejected`.

    `min_long_side` says how many pixels the caller needs on the long side (a number, or a
    function of the photo's long side); a larger JPEG may then be decoded at 1/2, 1/4 or 1/8
    scale, never below that. None decodes in full.
    """
    data = _read(source, limits)
    image = _open(data, limits)
    try:
        return _decode(image, limits, min_long_side)
    except ImageRejected:
        raise
    except MemoryError:
        raise ImageRejected("too_many_pixels", "This photo is too large to process.") from None
    except Exception as exc:  # any decoder failure is a damaged file, never a crash
        raise ImageRejected("damaged", "This photo is damaged or incomplete.") from exc
    finally:
        image.close()


def _read(source: Source, limits: Limits) -> bytes:
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            if path.stat().st_size > limits.max_bytes:
                raise _file_too_large(limits)
            data = path.read_bytes()
        except OSError as exc:
            raise ImageRejected("not_an_image", "This file could not be read.") from exc
    else:
        data = source.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise _file_too_large(limits)
    if not data:
        raise ImageRejected("empty", "This file is empty.")
    return data


def _file_too_large(limits: Limits) -> ImageRejected:
    if limits.max_bytes >= 1024 * 1024:
        most = f"{limits.max_bytes // (1024 * 1024)} MB"
    else:
        most = f"{max(1, limits.max_bytes // 1024)} kB"
    return ImageRejected("file_too_large", f"This file is too large (at most {most}).")


def _open(data: bytes, limits: Limits) -> Image.Image:
    formats = _formats()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=formats)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except Image.UnidentifiedImageError:
        raise ImageRejected(
            "not_an_image", f"This is not a photo in a supported format ({_FORMAT_NAMES})."
        ) from None
    except Exception as exc:
        raise ImageRejected("damaged", "This photo is damaged or incomplete.") from exc
    width, height = image.size
    if width < 1 or height < 1:
        image.close()
        raise ImageRejected("damaged", "This photo is damaged or incomplete.")
    if width * height > limits.max_pixels or _decoded_bytes(image) > limits.max_decoded_bytes:
        image.close()
        raise _too_many_pixels()
    return image


def _decoded_bytes(image: Image.Image) -> int:
    """The memory decoding takes, read from the header: pixels x bands x bytes per band of
    the stored data (a PNG's raw mode says `RGBA;16B` for 16 bits a band)."""
    width, height = image.size
    tiles = getattr(image, "tile", None)
    args = tiles[0].args if tiles else None
    raw_mode = args if isinstance(args, str) else args[0] if isinstance(args, tuple) else ""
    bytes_per_band = 2 if "16" in str(raw_mode) or image.mode.startswith("I;16") else 1
    return width * height * len(image.getbands()) * bytes_per_band


def is_image(head: bytes) -> bool:
    """Whether a file starting with `head` (its first 64 bytes or so) claims to be a photo
    in a format the engine reads: then only `decode_image` may judge it, whatever else it
    might also look like (a HEIC photo starts with an `ftyp` box, like an MP4 video)."""
    return any(
        Image.OPEN[name][1] is None or Image.OPEN[name][1](head)  # type: ignore[misc]
        for name in _formats()
    )


def _too_many_pixels() -> ImageRejected:
    return ImageRejected("too_many_pixels", "This photo has too many pixels to process.")


def _formats() -> tuple[str, ...]:
    """The formats Pillow may try, loading its plugins and pillow-heif's once per process."""
    global _plugins_loaded
    if not _plugins_loaded:
        if pillow_heif is not None:
            pillow_heif.register_heif_opener()
        Image.init()
        _plugins_loaded = True
    return tuple(name for name in _FORMATS if name in Image.OPEN)


def _load_every_pixel(image: Image.Image) -> None:
    """Decode the whole image, refusing a truncated file whatever the process-wide setting:
    a library may switch Pillow's LOAD_TRUNCATED_IMAGES on for everyone (WeasyPrint does
    when imported), and a half-uploaded photo must never be padded with grey."""
    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated


def _decode(image: Image.Image, limits: Limits, min_long_side: LongSide | None) -> DecodedImage:
    if image.format != "MPO" and getattr(image, "n_frames", 1) > 1:
        raise ImageRejected("animated", "Animated images and image sequences are not accepted.")
    exif = image.info.get("exif") or b""
    if len(exif) > limits.max_exif_bytes:
        raise ImageRejected("metadata_too_large", "This photo carries too much metadata.")
    stored_size = image.size
    if min_long_side is not None and image.format in ("JPEG", "MPO"):
        _draft(image, min_long_side)
    _load_every_pixel(image)
    decoded_size = image.size
    _apply_orientation(image)
    # The 90-degree orientations swap width and height.
    swapped = image.size != decoded_size
    original_size = (stored_size[1], stored_size[0]) if swapped else stored_size
    rgb = _to_srgb(image, image.info.get("icc_profile"))
    pixels = np.asarray(rgb, dtype=np.uint8)
    if pixels.ndim != 3 or pixels.shape[2] != 3:  # pragma: no cover - _to_srgb guarantees RGB
        raise ImageRejected("unsupported_colour", "This photo's colour format is not supported.")
    return DecodedImage(pixels=pixels, original_size=original_size, format=image.format or "")


def _apply_orientation(image: Image.Image) -> None:
    """Turn the pixels upright per EXIF; a malformed tag leaves them as stored.

    A photo with a broken orientation tag is still a usable photo, so this never rejects.
    """
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except Exception:
        return


def _draft(image: Image.Image, min_long_side: LongSide) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale, keeping about `min_long_side` pixels.

    Up to `DRAFT_SLACK` fewer pixels are accepted, so that the common 4032 px phone photo
    decodes at half scale (2016 px, twice as fast) for a 2048 px rendition.
    """
    width, height = image.size
    needed = min_long_side(max(width, height)) if callable(min_long_side) else min_long_side
    factor = needed * DRAFT_SLACK / max(width, height)
    if factor < 1:
        image.draft("RGB", (max(1, math.ceil(width * factor)), max(1, math.ceil(height * factor))))


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Any supported colour mode to 8-bit sRGB (see the module docstring for why)."""
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit greyscale PNG: scale 0..65535 to 0..255 (Pillow's convert would clip).
        wide = np.asarray(image, dtype=np.uint32)
        image = Image.fromarray((np.clip(wide, 0, 65535) >> 8).astype(np.uint8), "L")
        mode = "L"
    elif mode == "F":
        raise ImageRejected("unsupported_colour", "This photo's colour format is not supported.")
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
        mode = "RGBA"
    if icc and mode in ("RGB", "CMYK", "RGBA") and not _is_srgb(icc):
        converted = _apply_icc(image.convert("RGB") if mode == "RGBA" else image, icc)
        if converted is not None:
            return converted
    return image if image.mode == "RGB" else image.convert("RGB")


def _is_srgb(icc: bytes) -> bool:
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        description = ImageCms.getProfileDescription(profile)
    except Exception:
        return True  # an unreadable profile is ignored, as a browser would
    return "srgb" in description.lower()


def _apply_icc(image: Image.Image, icc: bytes) -> Image.Image | None:
    """Convert through the embedded profile; None (use plain conversion) if it is broken."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
        )
    except Exception:
        return None
    return converted if isinstance(converted, Image.Image) else None
