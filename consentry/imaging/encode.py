"""Write the published rendition: a plain JPEG, limited in size, with no metadata at all.

Why: EXIF carries GPS positions (a school's or a child's home), camera serial numbers and
timestamps; XMP and IPTC carry names and captions; comments and thumbnails can carry the
unblurred photo. So nothing of the original file is copied: the JPEG is written from bare
pixels (a new Pillow image has no `info`), which leaves only the JFIF header. The size is
capped (`max_side`, 2048 px by default) because the web needs no more, and a smaller
rendition is also less useful for face recognition if it leaks.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

DEFAULT_MAX_SIDE = 2048
DEFAULT_QUALITY = 85


def fit_within(rgb: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """`rgb` shrunk so its long side is at most `max_side`, and the factor applied (<= 1)."""
    if max_side < 1:
        raise ValueError("max_side must be at least 1")
    height, width = rgb.shape[:2]
    factor = min(1.0, max_side / max(width, height))
    if factor >= 1.0:
        return rgb, 1.0
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), factor


def encode_jpeg(rgb: np.ndarray, *, quality: int = DEFAULT_QUALITY) -> bytes:
    """JPEG bytes of an RGB uint8 array, without EXIF, GPS, XMP, IPTC, ICC or comments."""
    image = Image.fromarray(np.ascontiguousarray(rgb))  # (H, W, 3) uint8 is RGB
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
