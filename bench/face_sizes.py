"""The photos bench/faces.py measures on: the development set, and copies made from it at
the sizes teachers and parents really produce.

Every copy is made in a temporary folder at run time (the development set may never be
copied into the repository), with its annotated boxes carried over:

- `as-is`: the development photos as they are (512-1280 px, mostly group photos);
- `web-500`: scaled down to 500 px on the long side, like photos saved from a website or a
  chat app: most faces shrink below 20 px;
- `phone-4032`: scaled up to 4032 px, a phone camera's size: small faces become 40-80 px and
  large ones several hundred;
- `close-up`: a square crop around one face so that it fills a third of the frame's height,
  at 1024, 2048 or 4032 px in turn (a portrait taken with a phone, or a crop of one);
- `exif-rotated`: the photo stored sideways or upside down with an EXIF orientation tag
  that says how to show it, as phones store portrait photos.

Boxes are always in the upright photo's pixels. Faces cut by a crop's edge (less than 60% of
the box inside) count as "ignore" boxes: neither a hit nor a false positive.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image

SIZE_CLASSES = ("as-is", "web-500", "phone-4032", "close-up", "exif-rotated")
CLOSE_UP_SIDES = (1024, 2048, 4032)
# EXIF orientation -> how many quarter turns anticlockwise (np.rot90) turn the upright photo
# into the stored one: showing the stored photo undoes exactly that.
STORED_TURNS = {6: 1, 3: 2, 8: 3}
_ORIENTATION_TAG = 0x0112


@dataclass
class Photo:
    name: str
    path: Path
    subset: str
    gt: np.ndarray  # [x, y, w, h] faces, upright pixels
    ignore: np.ndarray
    width: int  # upright size
    height: int
    orientation: int = 1  # the stored file's EXIF orientation


def load_photos(dataset: Path) -> list[Photo]:
    annotations = json.loads((dataset / "annotations.json").read_text())["images"]
    return [
        Photo(
            name=name,
            path=dataset / "images" / name,
            subset=entry["annotation"],
            gt=np.asarray(entry["boxes"], dtype=float).reshape(-1, 4),
            ignore=np.asarray(entry["ignore"], dtype=float).reshape(-1, 4),
            width=entry["width"],
            height=entry["height"],
        )
        for name, entry in annotations.items()
    ]


def size_classes(photos: list[Photo], folder: Path, names: list[str]) -> dict[str, list[Photo]]:
    """Each requested size class's photos, made in `folder`."""
    makers: dict[str, Callable[[list[Photo], Path], list[Photo]]] = {
        "as-is": lambda photos, _folder: photos,
        "web-500": lambda photos, folder: [_scaled(p, 500, folder) for p in photos],
        "phone-4032": lambda photos, folder: [_scaled(p, 4032, folder) for p in photos],
        "close-up": _close_ups,
        "exif-rotated": _rotated,
    }
    result = {}
    for name in names:
        target = folder / name
        target.mkdir(parents=True, exist_ok=True)
        result[name] = makers[name](photos, target)
    return result


def _rgb(photo: Photo) -> Image.Image:
    with Image.open(photo.path) as image:
        return image.convert("RGB")


def _scaled(photo: Photo, long_side: int, folder: Path) -> Photo:
    factor = long_side / max(photo.width, photo.height)
    size = (round(photo.width * factor), round(photo.height * factor))
    resample = Image.Resampling.BICUBIC if factor > 1 else Image.Resampling.LANCZOS
    path = folder / f"{photo.path.stem}.jpg"
    _rgb(photo).resize(size, resample).save(path, quality=92)
    return replace(
        photo, path=path, gt=photo.gt * factor, ignore=photo.ignore * factor,
        width=size[0], height=size[1],
    )  # fmt: skip


def _close_ups(photos: list[Photo], folder: Path) -> list[Photo]:
    """One close-up per photo, around its largest face of at least 24 px."""
    result = []
    for photo in photos:
        heights = photo.gt[:, 3] if len(photo.gt) else np.zeros(0)
        if not len(heights) or heights.max() < 24:
            continue
        x, y, w, h = photo.gt[int(np.argmax(heights))]
        side = min(3 * h, photo.width, photo.height)
        left = float(np.clip(x + w / 2 - side / 2, 0, photo.width - side))
        top = float(np.clip(y + h / 2 - side / 2, 0, photo.height - side))
        out_side = CLOSE_UP_SIDES[len(result) % len(CLOSE_UP_SIDES)]
        factor = out_side / side
        crop = _rgb(photo).crop((round(left), round(top), round(left + side), round(top + side)))
        path = folder / f"{photo.path.stem}.jpg"
        crop.resize((out_side, out_side), Image.Resampling.BICUBIC).save(path, quality=92)
        gt, ignore = _inside(photo.gt, photo.ignore, left, top, side)
        result.append(
            replace(
                photo,
                path=path,
                gt=gt * factor,
                ignore=ignore * factor,
                width=out_side,
                height=out_side,
            )  # fmt: skip
        )
    return result


def _inside(
    gt: np.ndarray, ignore: np.ndarray, left: float, top: float, side: float
) -> tuple[np.ndarray, np.ndarray]:
    """Boxes moved into the crop and cut to it: faces mostly inside stay faces (their
    visible part), those cut more are ignored."""
    kept, ignored = [], []
    for boxes, is_face in ((gt, True), (ignore, False)):
        for x, y, w, h in boxes:
            x0, y0 = max(x, left) - left, max(y, top) - top
            x1, y1 = min(x + w, left + side) - left, min(y + h, top + side) - top
            if x1 <= x0 or y1 <= y0:
                continue
            inside = (x1 - x0) * (y1 - y0) / (w * h)
            (kept if is_face and inside >= 0.6 else ignored).append([x0, y0, x1 - x0, y1 - y0])
    return np.asarray(kept, float).reshape(-1, 4), np.asarray(ignored, float).reshape(-1, 4)


def _rotated(photos: list[Photo], folder: Path) -> list[Photo]:
    """Each photo stored turned, with the EXIF orientation (6, 3 or 8 in turn) to undo it."""
    result = []
    for index, photo in enumerate(photos):
        orientation = tuple(STORED_TURNS)[index % len(STORED_TURNS)]
        stored = np.rot90(np.asarray(_rgb(photo)), STORED_TURNS[orientation])
        exif = Image.Exif()
        exif[_ORIENTATION_TAG] = orientation
        path = folder / f"{photo.path.stem}.jpg"
        Image.fromarray(np.ascontiguousarray(stored)).save(path, quality=92, exif=exif)
        result.append(replace(photo, path=path, orientation=orientation))
    return result


def to_upright(mask: np.ndarray, photo: Photo) -> np.ndarray:
    """A mask drawn on the stored pixels of `photo` (ignoring EXIF), turned as it is shown."""
    return np.rot90(mask, -STORED_TURNS.get(photo.orientation, 0))


def boxes_to_upright(boxes: np.ndarray, photo: Photo, stored_shape: tuple[int, int]) -> np.ndarray:
    """[x, y, w, h] boxes found on the stored pixels (height, width), in upright pixels."""
    boxes, (height, _width) = boxes.copy(), stored_shape
    for _ in range(STORED_TURNS.get(photo.orientation, 0)):  # undo one anticlockwise turn
        x, y, w, h = boxes.T.copy()
        boxes = np.column_stack([height - y - h, x, h, w])
        height, _width = _width, height
    return boxes
