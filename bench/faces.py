"""Face anonymisation benchmark: consentry.imaging against `deface`, side by side.

    .venv/bin/python bench/faces.py [--repeats 3] [--dataset DIR] [--long-side 1536] ...
    .venv/bin/python bench/faces.py --limit 5 --repeats 1 --json /tmp/faces.json  # a check

Reads the development set in shared/datasets/faces-dev (read its README.md: the photos and
annotations must never be copied into this repository, so this script only reads them and
writes its outputs to a temporary folder) and makes its size classes from it in a temporary
folder (bench/face_sizes.py: as they are, 500 px web photos, 4032 px phone photos, close-ups,
EXIF-rotated). In one run, per size class, on the same files:

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
on the machine hurts all three alike; "batch ms" is `consentry blur`'s own path over the
whole class (blur_files: decode to encode, one photo per CPU, one shared model), which is
the command's time less its process start. The summary gives one row per size class with
the worst face size, both tools' coverage and the ratios, and how many photos with a missed
face the detector's doubts sent for a look by eye. JSON goes to bench/results/ (git-ignored).
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

from face_sizes import (  # noqa: E402
    SIZE_CLASSES,
    Photo,
    boxes_to_upright,
    load_photos,
    size_classes,
    to_upright,
)

from consentry.imaging import anonymise, decode_image, detector_named, encode_jpeg  # noqa: E402
from consentry.imaging.anonymise import DEFAULT_PADDING  # noqa: E402
from consentry.imaging.batch import blur_files  # noqa: E402
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
class Detections:
    boxes: np.ndarray  # [x, y, w, h] as the detector reports them
    scores: np.ndarray
    mask: np.ndarray  # bool (H, W): the pixels that were anonymised at full strength
    doubtful: bool = False  # consentry: the photo would wait for a look by eye


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
    """Our whole path per photo, as `consentry blur` runs it (blur_photo, then write)."""

    def __init__(self, detector: str, options: dict[str, Any]) -> None:
        self.detector = detector_named(detector, **options)

    def settings(self) -> str:
        return f"{self.detector.describe()}; padding {DEFAULT_PADDING}, blur, JPEG q85 <= 2048 px"

    def run(self, photo: Photo, out_dir: Path) -> Detections:
        result = blur_photo(photo.path, detector=self.detector)
        (out_dir / f"{photo.path.stem}.jpg").write_bytes(result.jpeg)
        boxes = np.asarray([[f.x, f.y, f.w, f.h] for f in result.faces]).reshape(-1, 4)
        scores = np.asarray([f.score for f in result.faces])
        return Detections(
            boxes, scores, rect_mask(photo, boxes, CORE_PADDING), doubtful=bool(result.doubts)
        )


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
        # deface reads the stored pixels, ignoring the EXIF orientation: turn its findings
        # the way the photo is shown, where the faces are annotated.
        stored = (photo.width, photo.height)[:: 1 if photo.orientation in (1, 3) else -1]
        mask = to_upright(self._mask(stored, dets), photo)
        boxes = boxes_to_upright(boxes, photo, stored[::-1])
        return Detections(boxes, dets[:, 4].astype(float), mask)

    def _mask(self, stored: tuple[int, int], dets: np.ndarray) -> np.ndarray:
        """The ellipses deface blurs (deface.deface.anonymize_frame's geometry)."""
        import skimage.draw
        from deface.deface import scale_bb

        width, height = stored
        mask = np.zeros((height, width), dtype=bool)
        for det in dets:
            x0, y0, x1, y1 = scale_bb(*det[:4].astype(int), self.MASK_SCALE)
            y0, y1 = max(0, y0), min(height - 1, y1)
            x0, x1 = max(0, x0), min(width - 1, x1)
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
    if method.startswith("consentry"):
        return Consentry(method.partition("-")[2], detector_options)
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
    coverage, recall50, recall30, checked = Tally(), Tally(), Tally(), Tally()
    detections = fps = 0
    for photo in photos:
        det = found[photo.name]
        detections += len(det.boxes)
        fps += false_positives(det.boxes, photo.gt, photo.ignore)
        hit50 = match(det.boxes, det.scores, photo.gt, 0.5)
        hit30 = match(det.boxes, det.scores, photo.gt, 0.3)
        missed = False
        for i, (x, y, w, h) in enumerate(photo.gt.astype(int)):
            covered = det.mask[y : y + h, x : x + w].mean() >= 0.5 if w and h else False
            missed = missed or not covered
            size = bucket(h)
            for key in ("all", photo.subset, f"{photo.subset} {size}", f"all {size}"):
                coverage.add(key, bool(covered))
            recall50.add(f"{photo.subset} {size}", bool(hit50[i]))
            recall30.add(f"{photo.subset} {size}", bool(hit30[i]))
            recall50.add(photo.subset, bool(hit50[i]))
            recall30.add(photo.subset, bool(hit30[i]))
        # Fail safe: of the photos with a missed face, how many the doubts send to a person;
        # and how many photos are sent in all.
        if missed:
            checked.add("missed", det.doubtful)
        checked.add("all", det.doubtful)
    return {
        "checked": checked,
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
    parser.add_argument(
        "--sizes",
        default=",".join(SIZE_CLASSES),
        help=f"size classes, comma-separated (default: all of {', '.join(SIZE_CLASSES)})",
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per photo (min kept)")
    parser.add_argument(
        "--detector",
        action="append",
        default=[],
        metavar="NAME",
        help="also measure this detector (e.g. yunet); repeatable",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="OPTION=VALUE",
        help="tuning: a detector option, e.g. --set long_side=1280",
    )
    parser.add_argument("--skip-deface", action="store_true", help="when deface is missing")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory runs")
    parser.add_argument("--details", action="store_true", help="the full table per size class")
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N photos (a check)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "faces.json")
    args = parser.parse_args()
    if not (args.dataset / "annotations.json").is_file():
        sys.exit(f"faces-dev not found at {args.dataset} (use --dataset)")
    options = {key: float(value) for key, value in (item.split("=", 1) for item in args.set)}
    methods = ["consentry", *(f"consentry-{name}" for name in args.detector)]
    methods += [m for m in ("deface", "floor") if not (m == "deface" and args.skip_deface)]
    sizes = [name.strip() for name in args.sizes.split(",") if name.strip()]
    unknown = set(sizes) - set(SIZE_CLASSES)
    if unknown:
        sys.exit(f"unknown size class(es): {', '.join(sorted(unknown))}")
    runners = {m: make(m, options) for m in methods}
    print(
        f"{usable_cpus()} CPUs ({platform.processor() or platform.machine()}); min of "
        f"{args.repeats} runs per photo, the methods interleaved photo by photo"
    )
    for m in methods:
        print(f"  {m:17s} {runners[m].settings()}")
    results = {}
    with tempfile.TemporaryDirectory() as copies:
        photos = load_photos(args.dataset)
        if args.limit:
            photos = photos[: args.limit]
        for size, members in size_classes(photos, Path(copies), sizes).items():
            results[size] = measure(args, size, members, methods, runners, options)
    summary(methods, results)
    write_json(args.json, methods, runners, results)


def measure(
    args: argparse.Namespace,
    size: str,
    photos: list[Photo],
    methods: list[str],
    runners: dict[str, Any],
    options: dict[str, Any],
) -> dict[str, Any]:
    times: dict[str, dict[str, float]] = {m: {} for m in methods}
    found: dict[str, dict[str, Detections]] = {m: {} for m in methods}
    with tempfile.TemporaryDirectory() as tmp:
        out = {m: Path(tmp) / m for m in methods}
        for folder in out.values():
            folder.mkdir()
        for m in methods:  # warm up: first-run allocations at this size are not timed
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
    batch = batch_ms(photos, options, args.repeats)
    if args.details:
        report(size, photos, methods, scores, ms, memory)
    return {
        "photos": photos, "scores": scores, "ms": ms, "batch_ms": batch,
        "memory": memory, "times": times,
    }  # fmt: skip


def batch_ms(photos: list[Photo], options: dict[str, Any], repeats: int) -> float:
    """ms per photo for `consentry blur` over the whole class at once (its batch path:
    one photo per CPU, one shared model), the fastest of `repeats` runs."""
    detector = detector_named(threads=1 if usable_cpus() > 1 else None, **options)
    best = float("inf")
    with tempfile.TemporaryDirectory() as out:
        blur_files([photos[0].path], Path(out), detector=detector)  # warm up
        for _ in range(repeats):
            start = time.perf_counter()
            blur_files([p.path for p in photos], Path(out), detector=detector)
            best = min(best, time.perf_counter() - start)
    return 1000 * best / len(photos)


def report(
    size: str,
    photos: list[Photo],
    methods: list[str],
    scores: dict[str, dict[str, Any]],
    ms: dict[str, float],
    memory: dict[str, float],
) -> None:
    faces = {s: sum(len(p.gt) for p in photos if p.subset == s) for s in SUBSETS}
    print(
        f"\n{size}: {len(photos)} photos, {sum(faces.values())} faces "
        f"({faces['official']} official, {faces['reviewed']} reviewed)"
    )
    width = 20
    print(f"{'':34s}" + "".join(f"{m:>{width}s}" for m in methods))

    def row(label: str, cell: Callable[[str], str]) -> None:
        print(f"{label:34s}" + "".join(f"{cell(m):>{width}s}" for m in methods))

    def tally(label: str, metric: str, key: str) -> None:
        row(label, lambda m: scores[m][metric].text(key))

    tally("coverage, all faces", "coverage", "all")
    for subset in SUBSETS:
        tally(f"coverage, {subset}", "coverage", subset)
    for bucket_name in BUCKETS:
        tally(f"coverage, all, {bucket_name} px", "coverage", f"all {bucket_name}")
    for limit, key in (("0.5", "recall50"), ("0.3", "recall30")):
        for subset in SUBSETS:
            for bucket_name in BUCKETS:
                label = f"recall IoU {limit} {subset} {bucket_name}"
                if scores[methods[0]][key].totals.get(f"{subset} {bucket_name}"):
                    tally(label, key, f"{subset} {bucket_name}")
    row("detections", lambda m: str(scores[m]["detections"]))
    row("false positives (IoU<0.3, no ignore)", lambda m: str(scores[m]["false_positives"]))
    row("ms per photo, whole path", lambda m: f"{ms[m]:.1f}")
    if memory:
        row("peak memory, fresh process (MiB)", lambda m: f"{memory[m]:.0f}")


def summary(methods: list[str], results: dict[str, dict[str, Any]]) -> None:
    """One row per size class: coverage (all, >= 40 px, worst bucket), time, the ratios."""
    ours = [m for m in methods if m.startswith("consentry")]
    peers = ["deface"] if "deface" in methods else []
    print(
        "\nPer size class. coverage: faces at least half anonymised; worst: the weakest face"
        " size; ms: the whole path per photo, one at a time; batch ms: `consentry blur` over"
        " the class (one photo per CPU); speed: deface's ms over ours, photo by photo and in"
        " a batch (deface works one photo at a time); by eye: photos with a missed face that"
        " consentry's doubts send for a look by eye / all photos with a missed face, then"
        " photos sent / all photos"
    )
    header = f"{'size class':13s}{'photos':>7s}{'faces':>6s}"
    for m in ours + peers:
        header += f" | {m[:17]:>17s} {'>=40px':>7s} {'worst':>12s} {'ms':>6s}"
    header += f" | {'batch ms':>8s} | {'by eye':>13s}"
    if peers:
        header += f" | {'cov ratio':>9s} {'speed':>6s} {'batch':>6s}"
    print(header + f" | {'floor ms':>8s}")
    worst: dict[str, tuple[float, str]] = {}
    totals: dict[str, Tally] = {m: Tally() for m in methods}
    for size, result in results.items():
        scores, ms = result["scores"], result["ms"]
        line = f"{size:13s}{len(result['photos']):7d}{sum(len(p.gt) for p in result['photos']):6d}"
        for m in ours + peers:
            coverage = scores[m]["coverage"]
            large = _large(coverage)
            weakest = min(
                (coverage.share(f"all {b}"), b) for b in BUCKETS if coverage.totals.get(f"all {b}")
            )
            line += (
                f" | {100 * coverage.share('all'):16.1f}% {_percent(large):>7s}"
                f" {weakest[1]:>6s} {100 * weakest[0]:4.1f}% {ms[m]:6.0f}"
            )
            worst[m] = min(worst.get(m, (2.0, "")), (coverage.share("all"), size))
            for key in ("all", *(f"all {b}" for b in BUCKETS)):
                totals[m].totals[key] = totals[m].totals.get(key, 0) + coverage.totals.get(key, 0)
                totals[m].hits[key] = totals[m].hits.get(key, 0) + coverage.hits.get(key, 0)
        checked = scores["consentry"]["checked"]
        by_eye = (
            f"{checked.hits.get('missed', 0)}/{checked.totals.get('missed', 0)}"
            f" {checked.hits.get('all', 0)}/{checked.totals.get('all', 0)}"
        )
        line += f" | {result['batch_ms']:8.0f} | {by_eye:>13s}"
        if peers:
            ratio = scores["consentry"]["coverage"].share("all") / scores["deface"][
                "coverage"
            ].share("all")
            line += (
                f" | {ratio:9.3f} {ms['deface'] / ms['consentry']:5.2f}x"
                f" {ms['deface'] / result['batch_ms']:5.2f}x"
            )
        print(line + f" | {ms['floor']:8.0f}")
    print()
    for m in ours + peers:
        print(
            f"{m}: overall {totals[m].text('all')}, >= 40 px {_percent(_large(totals[m]))}; "
            f"worst size class {worst[m][1]} ({100 * worst[m][0]:.1f}%)"
        )


def _large(coverage: Tally) -> tuple[int, int]:
    keys = ("all 40-80", "all >=80")
    return sum(coverage.hits.get(k, 0) for k in keys), sum(coverage.totals.get(k, 0) for k in keys)


def _percent(counts: tuple[int, int]) -> str:
    hit, total = counts
    return f"{100 * hit / total:.1f}%" if total else "-"


def write_json(
    path: Path, methods: list[str], runners: dict[str, Any], results: dict[str, dict[str, Any]]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "cpus": usable_cpus(),
        "settings": {m: runners[m].settings() for m in methods},
        "size_classes": {
            size: {
                m: {
                    "photos": len(result["photos"]),
                    "coverage": result["scores"][m]["coverage"].hits,
                    "faces": result["scores"][m]["coverage"].totals,
                    "recall_iou50": result["scores"][m]["recall50"].hits,
                    "recall_iou30": result["scores"][m]["recall30"].hits,
                    "detections": result["scores"][m]["detections"],
                    "false_positives": result["scores"][m]["false_positives"],
                    "ms_per_photo": result["ms"][m],
                    "batch_ms_per_photo": result["batch_ms"] if m == "consentry" else None,
                    "sent_for_a_look": result["scores"][m]["checked"].hits,
                    "photos_missed_and_all": result["scores"][m]["checked"].totals,
                    "ms_by_photo": result["times"][m],
                    "peak_memory_mib": result["memory"].get(m),
                }
                for m in methods
            }
            for size, result in results.items()
        },
    }
    path.write_text(json.dumps(data, indent=1) + "\n")
    print(f"\nJSON: {os.path.relpath(path)}")


if __name__ == "__main__":
    main()
