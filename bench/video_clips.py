"""The test videos bench/video.py measures on, with every frame's face boxes known exactly.

They are made at run time, in a temporary folder, from the development photos in
shared/datasets/faces-dev (read its README.md: those photos may never be copied into this
repository). Each frame is drawn by a known geometric transform of a photo (a scale and a
shift, `cv2.warpAffine`), so the annotated boxes follow by the same transform, to the
sub-pixel. Four kinds, each at 720p and 1080p, 25 frames a second:

- `pan`: the camera pans diagonally across a photo of 26 faces (ulfd_imgs_11), faces
  entering and leaving at the edges, 8 px a frame at 720p;
- `zoom`: from the whole of a ceremony photo (30 faces) into one face until it fills 40%
  of the frame's height, and back out (faces grow sixfold, most leave the frame);
- `walk`: faces cut from three portraits (with hair and some shoulder, the cut feathered)
  cross a drawn background at three sizes, entering and leaving the frame;
- `occlusion`: a group photo (6 faces) with the camera drifting, while two bars (a pillar,
  a pole) pass in front of every face.

A face counts in a frame when its box is at least `MIN_HEIGHT` px high and at least
`MIN_VISIBLE` of the box can be seen: inside the frame and not behind a bar. Faces cut
more than that are neither a hit nor a miss (the tools are not asked to find a face that
is mostly gone). `--quick` clips are the middle of the same motion, not a faster one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image

Box = tuple[float, float, float, float]  # x, y, width, height in the frame's pixels

KINDS = ("pan", "zoom", "walk", "occlusion")
RESOLUTIONS = {"720p": (1280, 720), "1080p": (1920, 1080)}
FPS = 25
MIN_HEIGHT = 20
MIN_VISIBLE = 0.6
CRF = 18  # the test videos themselves: good quality, as a phone or camera would record

PAN_PHOTO = "ulfd_imgs_11.jpg"
ZOOM_PHOTO = "wider_val_17_Ceremony_Ceremony_17_171.jpg"
OCCLUSION_PHOTO = "insightface_t1.jpg"
# Walkers: the photo whose largest face walks, its face height as a share of the frame's
# height, the height of its centre, from where to where (shares of the width; beyond 0
# and 1 is outside the frame) and during which part of the clip.
WALKERS = (
    ("matplotlib_grace_hopper.jpg", 0.22, 0.28, (-0.25, 1.25), (0.0, 1.0)),
    ("skimage_astronaut.png", 0.14, 0.70, (1.15, -0.15), (0.0, 0.55)),
    ("insightface_t1.jpg", 0.08, 0.68, (-0.05, 1.05), (0.45, 1.0)),
)
QUICK_PART = (0.3, 0.7)  # --quick: this middle part of each clip's motion


@dataclass
class Truth:
    """One face through a clip: its box in every frame where any of it is in the picture,
    and how much of that box can be seen (inside the frame, not behind a bar)."""

    label: str
    boxes: dict[int, Box] = field(default_factory=dict)
    visible: dict[int, float] = field(default_factory=dict)

    def counts(self, frame: int) -> bool:
        """Whether a tool must hide this face in `frame` (see the module's docstring)."""
        box = self.boxes.get(frame)
        return bool(
            box is not None and box[3] >= MIN_HEIGHT and self.visible.get(frame, 0.0) >= MIN_VISIBLE
        )


@dataclass
class Clip:
    kind: str
    resolution: str
    path: Path
    width: int
    height: int
    fps: int
    frames: int
    faces: list[Truth]

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.resolution}"

    def face_frames(self) -> int:
        return sum(face.counts(n) for face in self.faces for n in range(self.frames))

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "width": self.width,
            "height": self.height,
            "fps": self.fps,
            "frames": self.frames,
            "rule": f"a face counts when >= {MIN_HEIGHT} px high and >= {MIN_VISIBLE:.0%} visible",
            "faces": [
                {
                    "label": face.label,
                    "boxes": {
                        str(n): [round(v, 2) for v in box] + [round(face.visible[n], 3)]
                        for n, box in face.boxes.items()
                    },
                }
                for face in self.faces
            ],
        }


@dataclass
class Photo:
    name: str
    rgb: np.ndarray
    boxes: np.ndarray  # [x, y, w, h] annotated faces


def load_photos(dataset: Path, names: set[str]) -> dict[str, Photo]:
    annotations = json.loads((dataset / "annotations.json").read_text())["images"]
    photos = {}
    for name in names:
        with Image.open(dataset / "images" / name) as image:
            rgb = np.asarray(image.convert("RGB"))
        boxes = np.asarray(annotations[name]["boxes"], dtype=float).reshape(-1, 4)
        photos[name] = Photo(name, rgb, boxes)
    return photos


def make_clips(
    dataset: Path,
    folder: Path,
    *,
    kinds: tuple[str, ...] = KINDS,
    resolutions: tuple[str, ...] = tuple(RESOLUTIONS),
    seconds: float = 3.0,
    quick: bool = False,
) -> list[Clip]:
    """Every requested clip, encoded as H.264 MP4 in `folder`, with its truth as JSON."""
    needed = {PAN_PHOTO, ZOOM_PHOTO, OCCLUSION_PHOTO} | {w[0] for w in WALKERS}
    photos = load_photos(dataset, needed)
    scenes: dict[str, Callable[[dict[str, Photo], int, int], Scene]] = {
        "pan": _pan,
        "zoom": _zoom,
        "walk": _walk,
        "occlusion": _occlusion,
    }
    part = QUICK_PART if quick else (0.0, 1.0)
    clips = []
    for kind in kinds:
        for resolution in resolutions:
            width, height = RESOLUTIONS[resolution]
            scene = scenes[kind](photos, width, height)
            frames = max(2, round(seconds * FPS * (part[1] - part[0])))
            path = folder / f"{kind}-{resolution}.mp4"
            faces = _record(scene, path, width, height, frames, part)
            clip = Clip(kind, resolution, path, width, height, FPS, frames, faces)
            path.with_suffix(".json").write_text(json.dumps(clip.as_json()) + "\n")
            clips.append(clip)
    return clips


# --- drawing ----------------------------------------------------------------------------

# A scene draws the frame at progress u (0 to 1 over the full clip) and says where each face
# is: (label, box, visible share).
Scene = Callable[[float], tuple[np.ndarray, list[tuple[str, Box, float]]]]


def _record(
    scene: Scene, path: Path, width: int, height: int, frames: int, part: tuple[float, float]
) -> list[Truth]:
    truths: dict[str, Truth] = {}
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": str(CRF), "preset": "veryfast", "g": str(2 * FPS)}
        for number, (rgb, faces) in enumerate(_frames(scene, frames, part)):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            container.mux(stream.encode(frame))
            for label, box, visible in faces:
                truth = truths.setdefault(label, Truth(label))
                truth.boxes[number] = box
                truth.visible[number] = visible
        container.mux(stream.encode(None))
    return list(truths.values())


def _frames(
    scene: Scene, frames: int, part: tuple[float, float]
) -> Iterator[tuple[np.ndarray, list[tuple[str, Box, float]]]]:
    for number in range(frames):
        u = part[0] + (part[1] - part[0]) * number / (frames - 1)
        rgb, faces = scene(u)
        yield rgb, [face for face in faces if face[2] > 0]


def _warp(rgb: np.ndarray, scale: float, tx: float, ty: float, size: tuple[int, int]) -> np.ndarray:
    """`rgb` scaled by `scale` and shifted by (tx, ty) (pixel centres), into a frame."""
    matrix = np.float32([[scale, 0, tx], [0, scale, ty]])
    return cv2.warpAffine(rgb, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _moved(box: np.ndarray, scale: float, tx: float, ty: float) -> Box:
    """A box in the photo's pixels, in the frame's, by the transform `_warp` applied.

    warpAffine maps pixel centres (edge coordinate - 0.5); a box's sides are pixel edges.
    """
    x, y, w, h = (float(v) for v in box)
    return (scale * (x - 0.5) + tx + 0.5, scale * (y - 0.5) + ty + 0.5, scale * w, scale * h)


def _visible(box: Box, width: int, height: int, bars: list[tuple[float, float]] = ()) -> float:
    """The share of `box` inside the frame and not behind the vertical bars (x0, x1)."""
    x, y, w, h = box
    x0, x1 = max(0.0, x), min(float(width), x + w)
    y0, y1 = max(0.0, y), min(float(height), y + h)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    hidden = 0.0
    for start, end in _union(bars):
        hidden += max(0.0, min(x1, end) - max(x0, start))
    return max(0.0, (x1 - x0 - hidden) * (y1 - y0) / (w * h))


def _union(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _faces(
    photo: Photo, scale: float, tx: float, ty: float, width: int, height: int, bars=()
) -> list[tuple[str, Box, float]]:
    result = []
    for index, box in enumerate(photo.boxes):
        moved = _moved(box, scale, tx, ty)
        result.append((f"{photo.name}#{index}", moved, _visible(moved, width, height, list(bars))))
    return result


def _ease(u: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * min(1.0, max(0.0, u)))


def _pan(photos: dict[str, Photo], width: int, height: int) -> Scene:
    """A diagonal pan over half the photo's height at a constant speed."""
    photo = photos[PAN_PHOTO]
    ph, pw = photo.rgb.shape[:2]
    window_h = 0.5 * ph
    window_w = window_h * width / height
    scale = height / window_h

    def draw(u: float) -> tuple[np.ndarray, list[tuple[str, Box, float]]]:
        left = u * (pw - window_w)
        top = (0.15 + 0.7 * u) * (ph - window_h)
        tx, ty = -left * scale, -top * scale
        rgb = _warp(photo.rgb, scale, tx, ty, (width, height))
        return rgb, _faces(photo, scale, tx, ty, width, height)

    return draw


def _zoom(photos: dict[str, Photo], width: int, height: int) -> Scene:
    """From the whole photo into one face of middling size, and back out."""
    photo = photos[ZOOM_PHOTO]
    ph, pw = photo.rgb.shape[:2]
    full_h = min(ph, pw * height / width)
    heights = photo.boxes[:, 3]
    x, y, w, h = photo.boxes[int(np.argsort(heights)[len(heights) // 2])]
    close_h = h / 0.4
    start, target = np.array([pw / 2, ph / 2]), np.array([x + w / 2, y + h / 2])

    def draw(u: float) -> tuple[np.ndarray, list[tuple[str, Box, float]]]:
        z = _ease(2 * u) if u < 0.5 else _ease(2 - 2 * u)
        window_h = full_h * (close_h / full_h) ** z
        window_w = window_h * width / height
        cx, cy = start + (target - start) * z
        left = min(max(cx - window_w / 2, 0.0), pw - window_w)
        top = min(max(cy - window_h / 2, 0.0), ph - window_h)
        scale = height / window_h
        tx, ty = -left * scale, -top * scale
        rgb = _warp(photo.rgb, scale, tx, ty, (width, height))
        return rgb, _faces(photo, scale, tx, ty, width, height)

    return draw


def _walk(photos: dict[str, Photo], width: int, height: int) -> Scene:
    """Three faces cut from portraits cross a drawn background at three sizes."""
    background = _background(width, height)
    walkers = [_cut_out(photos[name], *spec) for name, *spec in WALKERS]

    def draw(u: float) -> tuple[np.ndarray, list[tuple[str, Box, float]]]:
        rgb = background.astype(np.float32)
        faces = []
        for cut, alpha, face, (label, size, centre_y, path, when) in walkers:
            share = (u - when[0]) / (when[1] - when[0])
            if not 0 <= share <= 1:
                continue
            scale = size * height / face[3]
            face_x = (path[0] + (path[1] - path[0]) * share) * width
            face_y = centre_y * height + 0.015 * height * math.sin(12 * math.pi * share)
            tx = face_x - scale * (face[0] + face[2] / 2 - 0.5) - 0.5
            ty = face_y - scale * (face[1] + face[3] / 2 - 0.5) - 0.5
            layer = _warp_layer(cut, scale, tx, ty, (width, height))
            weight = _warp_layer(alpha, scale, tx, ty, (width, height))[..., None]
            rgb = rgb * (1 - weight) + layer * weight
            box = _moved(face, scale, tx, ty)
            faces.append((label, box, _visible(box, width, height)))
        return np.clip(rgb + 0.5, 0, 255).astype(np.uint8), faces

    return draw


def _warp_layer(
    image: np.ndarray, scale: float, tx: float, ty: float, size: tuple[int, int]
) -> np.ndarray:
    matrix = np.float32([[scale, 0, tx], [0, scale, ty]])
    return cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR, borderValue=0)


def _cut_out(
    photo: Photo, size: float, centre_y: float, path: tuple, when: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple]:
    """The photo's largest face with hair and some shoulder, and a feathered alpha that is
    fully opaque over the face box and a margin around it."""
    box = photo.boxes[int(np.argmax(photo.boxes[:, 3]))]
    x, y, w, h = box
    ph, pw = photo.rgb.shape[:2]
    x0, y0 = int(max(0, x - 0.5 * w)), int(max(0, y - 0.5 * h))
    x1, y1 = int(min(pw, x + 1.5 * w)), int(min(ph, y + 1.6 * h))
    cut = photo.rgb[y0:y1, x0:x1].astype(np.float32)
    rows, cols = np.arange(y1 - y0) + y0 + 0.5, np.arange(x1 - x0) + x0 + 0.5

    def ramp(pos: np.ndarray, start: float, end: float, edge0: float, edge1: float) -> np.ndarray:
        inside = np.minimum(
            (pos - edge0) / max(1.0, start - edge0), (edge1 - pos) / max(1.0, edge1 - end)
        )
        return np.clip(inside, 0, 1)

    pad = 0.2
    ay = ramp(rows, y - pad * h, y + h + pad * h, y0, y1)
    ax = ramp(cols, x - pad * w, x + w + pad * w, x0, x1)
    alpha = np.minimum(ay[:, None], ax[None, :]).astype(np.float32)
    local = np.array([x - x0, y - y0, w, h], dtype=float)
    return cut, alpha, local, (f"{photo.name}#walk", size, centre_y, path, when)


def _background(width: int, height: int) -> np.ndarray:
    """A plain room: a wall with a gradient and soft texture, a floor, posters, a window."""
    rng = np.random.default_rng(13)
    rows = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    wall = np.array([196, 188, 170], np.float32) * (1 - 0.25 * rows)
    image = np.broadcast_to(wall, (height, width, 3)).copy()
    floor = int(0.8 * height)
    image[floor:] = np.array([120, 96, 72], np.float32)
    grain = rng.normal(0, 6, (height // 16, width // 16, 1)).astype(np.float32)
    image += cv2.resize(grain, (width, height), interpolation=cv2.INTER_CUBIC)[..., None]
    for left, top, w, h, colour in (
        (0.05, 0.12, 0.12, 0.22, (70, 110, 160)),
        (0.42, 0.08, 0.2, 0.3, (220, 230, 235)),
        (0.78, 0.18, 0.1, 0.16, (170, 60, 50)),
    ):
        x0, y0 = int(left * width), int(top * height)
        image[y0 : y0 + int(h * height), x0 : x0 + int(w * width)] = colour
    return np.clip(image, 0, 255)


def _occlusion(photos: dict[str, Photo], width: int, height: int) -> Scene:
    """A group with the camera drifting; a pillar and a pole pass in front of every face."""
    photo = photos[OCCLUSION_PHOTO]
    ph, pw = photo.rgb.shape[:2]
    window_w = 0.9 * pw
    window_h = window_w * height / width
    scale = width / window_w
    faces_top = photo.boxes[:, 1].min()
    faces_bottom = (photo.boxes[:, 1] + photo.boxes[:, 3]).max()
    top = min(max((faces_top + faces_bottom) / 2 - window_h / 2, 0.0), ph - window_h)
    face_w = float(np.median(photo.boxes[:, 2])) * scale
    bars = (
        (1.1 * face_w, (70, 72, 80), (0.0, 1.0), 1),
        (0.5 * face_w, (40, 40, 40), (0.2, 1.0), -1),
    )

    def draw(u: float) -> tuple[np.ndarray, list[tuple[str, Box, float]]]:
        left = u * (pw - window_w)
        tx, ty = -left * scale, -top * scale
        rgb = _warp(photo.rgb, scale, tx, ty, (width, height))
        spans = []
        for bar_w, colour, when, direction in bars:
            share = (u - when[0]) / (when[1] - when[0])
            if not 0 <= share <= 1:
                continue
            travel = -bar_w + share * (width + bar_w)
            x0 = travel if direction > 0 else width - travel - bar_w
            a, b = max(0, round(x0)), min(width, round(x0 + bar_w))
            if b > a:
                rgb[:, a:b] = colour
                spans.append((float(a), float(b)))
        return rgb, _faces(photo, scale, tx, ty, width, height, spans)

    return draw
