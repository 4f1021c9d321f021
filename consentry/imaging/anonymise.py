"""Make faces unrecognisable: blur, pixelate or cover padded boxes.

Why it works the way it does:

- Boxes are padded (`padding` of the box's width and height on each side, 0.25 by default)
  because detectors box the face from forehead to chin; hair, ears and jaw line help people
  recognise someone, and a slightly off box must still cover the face.
- Strength is relative to the box, not fixed in pixels: every padded box is reduced to about
  `CELLS` cells along its long side (so the face itself is about four cells wide) before it
  is drawn back. A fixed-radius blur would leave large faces recognisable and smear small
  ones into their neighbours. Reducing first also throws the detail away for good: a
  Gaussian blur on its own can partly be undone by deconvolution, a 6x6 summary cannot.
- `blur` draws the cells back smoothly and feathers the padding margin into the
  surroundings (the face box itself is always fully covered); `pixelate` shows the cells as
  blocks; `solid` paints the padded box black.
- Only pixels inside padded boxes change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import cv2
import numpy as np

Mode = Literal["blur", "pixelate", "solid"]
MODES: tuple[Mode, ...] = ("blur", "pixelate", "solid")
Box = tuple[float, float, float, float]  # x, y, width, height in the image's pixels

CELLS = 6
DEFAULT_PADDING = 0.25
_SOLID = (0, 0, 0)


def anonymise(
    rgb: np.ndarray,
    boxes: Iterable[Box],
    *,
    mode: Mode = "blur",
    padding: float = DEFAULT_PADDING,
) -> np.ndarray:
    """A copy of `rgb` (H, W, 3 uint8) with every box anonymised in `mode`."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    out = rgb.copy()
    height, width = out.shape[:2]
    for x, y, w, h in boxes:
        if w <= 0 or h <= 0:
            continue
        px, py = w * padding, h * padding
        x0, y0 = max(0, int(np.floor(x - px))), max(0, int(np.floor(y - py)))
        x1, y1 = min(width, int(np.ceil(x + w + px))), min(height, int(np.ceil(y + h + py)))
        if x1 <= x0 or y1 <= y0:
            continue
        region = out[y0:y1, x0:x1]
        if mode == "solid":
            region[:] = _SOLID
        elif mode == "pixelate":
            region[:] = _cells(region, cv2.INTER_NEAREST)
        else:
            # Feather only inside the padding margin, and not on sides cut by the image edge.
            feather_x, feather_y = px / 2, py / 2
            alpha = _feather(
                x1 - x0,
                y1 - y0,
                (feather_x if x0 > 0 else 0, feather_x if x1 < width else 0),
                (feather_y if y0 > 0 else 0, feather_y if y1 < height else 0),
            )
            smooth = _cells(region, cv2.INTER_CUBIC)
            weight = np.ascontiguousarray(alpha[:, :, 0], dtype=np.float32)
            # OpenCV mixes the uint8 pixels in one pass (numpy in float would take most of
            # a busy video frame's time).
            region[:] = cv2.blendLinear(np.ascontiguousarray(region), smooth, 1 - weight, weight)
    return out


def _cells(region: np.ndarray, interpolation: int) -> np.ndarray:
    """The region reduced to about CELLS cells on its long side and drawn back."""
    rh, rw = region.shape[:2]
    cell = max(rw, rh) / CELLS
    nx, ny = max(1, round(rw / cell)), max(1, round(rh / cell))
    small = cv2.resize(region, (nx, ny), interpolation=cv2.INTER_AREA)
    if interpolation == cv2.INTER_NEAREST:
        return cv2.resize(small, (rw, rh), interpolation=cv2.INTER_NEAREST)
    # Smooth at 8 px per cell, then enlarge: the same look as a wide Gaussian blur at full
    # size, at a cost that does not grow with the face.
    mid = cv2.resize(small, (nx * 8, ny * 8), interpolation=interpolation)
    mid = cv2.GaussianBlur(mid, (0, 0), sigmaX=8 / 3, sigmaY=8 / 3)
    return cv2.resize(mid, (rw, rh), interpolation=cv2.INTER_LINEAR)


def _feather(
    width: int, height: int, ramp_x: tuple[float, float], ramp_y: tuple[float, float]
) -> np.ndarray:
    """Alpha (H, W, 1): 1 inside, ramping to 0 over the given widths at each edge."""

    def ramp(n: int, before: float, after: float) -> np.ndarray:
        pos = np.arange(n, dtype=np.float32) + 0.5
        a = np.ones(n, dtype=np.float32)
        if before > 0:
            a = np.minimum(a, pos / before)
        if after > 0:
            a = np.minimum(a, (n - pos) / after)
        return np.clip(a, 0, 1)

    ax = ramp(width, *ramp_x)
    ay = ramp(height, *ramp_y)
    return np.minimum(ay[:, None], ax[None, :])[:, :, None]
