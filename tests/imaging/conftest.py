"""Photos for the imaging tests: made here, or shipped in a package (scikit-image).

No photo from shared/datasets is used: those may not enter the repository. The astronaut
(NASA, public domain) ships with scikit-image; its face box is the reviewed annotation from
the faces-dev README (x, y, w, h).
"""

import io

import numpy as np
import pytest
from PIL import Image

from consentry.imaging import Detector, default_detector

ASTRONAUT_FACE = (177, 54, 95, 122)


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


@pytest.fixture(scope="session")
def detector() -> Detector:
    return default_detector()


def encode(image: Image.Image | np.ndarray, fmt: str = "PNG", **params) -> bytes:
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def iou(a, b) -> float:
    ax0, ay0, aw, ah = a[:4]
    bx0, by0, bw, bh = b[:4]
    iw = max(0.0, min(ax0 + aw, bx0 + bw) - max(ax0, bx0))
    ih = max(0.0, min(ay0 + ah, by0 + bh) - max(ay0, by0))
    inter = iw * ih
    return inter / (aw * ah + bw * bh - inter)


def detail_energy(gray: np.ndarray) -> float:
    """Energy of the fine detail (what makes a face recognisable): a Laplacian's variance."""
    g = gray.astype(np.float64)
    lap = 4 * g[1:-1, 1:-1] - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:]
    return float(lap.var())
