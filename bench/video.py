"""Video anonymisation benchmark: consentry's `blur_video` against `deface`, side by side.

    .venv/bin/python bench/video.py            # 4 kinds x 720p, 1080p, 3 s each (~10 min, 2 cores)
    .venv/bin/python bench/video.py --quick    # the middle 1.2 s of each clip (a check)

The test videos are made at run time in a temporary folder from the development photos in
shared/datasets/faces-dev (bench/video_clips.py: pans, zooms, faces walking in and out,
bars passing in front of faces; every frame's face boxes known exactly from the geometric
transform that drew it). Each clip goes, in turn, through:

- consentry: `consentry.imaging.video.blur_video`, exactly as `consentry blur VIDEO` runs it
  (the video detector settings, one worker per CPU, pieces of 5 s, tracks, H.264 out);
- deface: deface 1.5's video path (`deface.deface.video_detect`, as its CLI calls it) with its
  defaults (CenterFace at the frame's own size, threshold 0.2, mask scale 1.3, ellipse blur,
  imageio-ffmpeg reading and writing, libx264, no audio). Its backend "auto" is OpenCV's DNN
  unless the `onnx` package is installed (deface requires neither): `--deface-backend
  onnxrt` with `onnx` on the path measures the other; on 720p it ran no faster;
- floor: decode, blur the true boxes, encode (`render_range` on the ground truth): the cost
  of everything but finding the faces, and a check of the coverage measure (it must be 100%).

Coverage is measured on the pixels each tool wrote, compared with the input, never on the
boxes it says it found: a ground-truth face counts as covered in a frame when the fine
detail of the middle of its box (the inner 70%, where eyes, nose and mouth are: a band-pass,
a difference of Gaussians at 1/50 and 1/12 of the face's height) kept at most
`KEPT_DETAIL` of its energy in the input. Re-encoding alone keeps 97-100% of it, blurring
the true boxes (the floor) at most 10% (`--validate` prints the spread of both, with an
untouched re-encode). So a box drawn on the wrong frame, a box beside the face or a blur too
weak counts as a miss, whatever the tool says it found. Faces mostly out of the frame or
behind a bar do not count (bench/video_clips.py says when).
"Flicker": the longest run of consecutive frames in which one face counts and is not
covered. Speed: frames per second of each tool's whole run on a clip (decode to written
file, the model loaded beforehand), one run each, the tools alternating clip by clip.
The targets the issue sets: >= 99% of face-frames covered, no face uncovered for more than
2 consecutive frames, at >= 2x deface's frames per second. Timings on a shared machine are
noisy; JSON goes to bench/results/video.json (git-ignored).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from video_clips import KINDS, RESOLUTIONS, Clip, make_clips  # noqa: E402

from consentry.imaging.detect import usable_cpus  # noqa: E402
from consentry.imaging.video import (  # noqa: E402
    blur_video,
    probe,
    render_range,
    video_detector,
)

KEPT_DETAIL = 0.25  # a face is covered when its inner box kept at most this share of detail
INNER = 0.15  # each side of the face box shrunk by this share: the inner 70%
TARGET_COVERAGE, TARGET_FLICKER, TARGET_SPEED = 0.99, 2, 2.0


def default_dataset() -> Path:
    for candidate in (ROOT / "shared", ROOT.parent / "shared"):
        path = candidate / "datasets" / "faces-dev"
        if path.is_dir():
            return path
    return ROOT.parent / "shared" / "datasets" / "faces-dev"


# --- the methods ---------------------------------------------------------------------------


class Consentry:
    """`blur_video` as `consentry blur` calls it."""

    def __init__(self) -> None:
        self.workers = usable_cpus()
        self.detector = video_detector(threads=1 if self.workers > 1 else None)
        self.last: Any = None

    def settings(self) -> str:
        return f"{self.detector.describe()}; {self.workers} workers, blur, H.264 crf 21"

    def run(self, clip: Clip, out: Path) -> None:
        self.last = blur_video(clip.path, out, self.detector, workers=self.workers)


class Deface:
    """deface 1.5's video path, as its CLI calls it, with its default options."""

    THRESHOLD, MASK_SCALE = 0.2, 1.3

    def __init__(self, backend: str = "auto") -> None:
        from deface.centerface import CenterFace

        with contextlib.redirect_stdout(io.StringIO()):  # "Running on CPUExecutionProvider."
            self.centerface = CenterFace(in_shape=None, backend=backend)

    def settings(self) -> str:
        import deface

        return (
            f"deface {getattr(deface, '__version__', '?')}: CenterFace at the frame's size, "
            f"backend {self.centerface.backend}, threshold {self.THRESHOLD}, mask scale "
            f"{self.MASK_SCALE}, ellipse blur, imageio-ffmpeg with libx264, no audio"
        )

    def run(self, clip: Clip, out: Path) -> None:
        from deface.deface import video_detect

        # deface draws progress bars and imageio warns about sizes: keep the table readable.
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            video_detect(
                ipath=str(clip.path),
                opath=str(out),
                centerface=self.centerface,
                threshold=self.THRESHOLD,
                enable_preview=False,
                cam=False,
                nested=False,
                replacewith="blur",
                mask_scale=self.MASK_SCALE,
                ellipse=True,
                draw_scores=False,
                ffmpeg_config={"codec": "libx264"},
                replaceimg=None,
                keep_audio=False,
                mosaicsize=20,
            )


class Floor:
    """Decode, blur the true boxes, encode: everything except finding the faces."""

    def settings(self) -> str:
        return "consentry's render_range on the true boxes (no detection, no tracks)"

    def run(self, clip: Clip, out: Path) -> None:
        hide: dict[int, list[tuple[float, float, float, float]]] = {}
        for face in clip.faces:
            for frame, box in face.boxes.items():
                hide.setdefault(frame, []).append(box)
        render_range(clip.path, out, 0, clip.frames, hide, info=probe(clip.path))


class Untouched:
    """Decode and re-encode only: what the coverage measure makes of no anonymisation."""

    def settings(self) -> str:
        return "consentry's render_range with nothing hidden (checks the measure)"

    def run(self, clip: Clip, out: Path) -> None:
        render_range(clip.path, out, 0, clip.frames, {}, info=probe(clip.path))


def make(method: str, deface_backend: str = "auto") -> Any:
    if method == "deface":
        return Deface(deface_backend)
    return {"consentry": Consentry, "floor": Floor, "untouched": Untouched}[method]()


# --- measuring --------------------------------------------------------------------------


@dataclass
class Score:
    face_frames: int = 0
    covered: int = 0
    flicker: int = 0  # the longest run of uncovered frames of one face
    misses: list[tuple[str, int, int]] = field(default_factory=list)  # face, first, last
    kept: list[float] = field(default_factory=list)  # detail kept per face-frame
    frames_out: int = 0

    @property
    def share(self) -> float:
        return self.covered / self.face_frames if self.face_frames else float("nan")


def gray_frames(path: Path, size: tuple[int, int]) -> list[np.ndarray]:
    """Every frame's luma, at `size` (deface's writer rounds 1080 up to 1088 rows)."""
    result = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            gray = frame.to_ndarray(format="gray")
            if (gray.shape[1], gray.shape[0]) != size:
                gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
            result.append(gray)
    return result


def detail(gray: np.ndarray, box: tuple[float, float, float, float]) -> float:
    """Energy of the face-sized fine detail in the inner part of `box` (see the docstring)."""
    x, y, w, h = box
    height, width = gray.shape
    fine, coarse = max(0.7, h / 50), max(2.0, h / 12)
    margin = int(3 * coarse) + 1
    x0, x1 = max(0, int(x + INNER * w)), min(width, int(np.ceil(x + (1 - INNER) * w)))
    y0, y1 = max(0, int(y + INNER * h)), min(height, int(np.ceil(y + (1 - INNER) * h)))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return 0.0
    cx0, cy0 = max(0, x0 - margin), max(0, y0 - margin)
    crop = gray[cy0 : min(height, y1 + margin), cx0 : min(width, x1 + margin)].astype(np.float32)
    band = cv2.GaussianBlur(crop, (0, 0), fine) - cv2.GaussianBlur(crop, (0, 0), coarse)
    inner = band[y0 - cy0 : y1 - cy0, x0 - cx0 : x1 - cx0]
    return float(np.mean(inner * inner))


def input_details(clip: Clip) -> dict[tuple[int, int], float]:
    """(face index, frame) -> the input's detail, for every face-frame that counts."""
    frames = gray_frames(clip.path, (clip.width, clip.height))
    return {
        (index, n): detail(frames[n], face.boxes[n])
        for index, face in enumerate(clip.faces)
        for n in range(min(clip.frames, len(frames)))
        if face.counts(n)
    }


def score(clip: Clip, out: Path, reference: dict[tuple[int, int], float]) -> Score:
    frames = gray_frames(out, (clip.width, clip.height)) if out.exists() else []
    result = Score(frames_out=len(frames))
    for index, face in enumerate(clip.faces):
        run_start, run = None, 0
        for n in range(clip.frames):
            if not face.counts(n):
                run_start, run = None, 0
                continue
            before = reference.get((index, n), 0.0)
            after = detail(frames[n], face.boxes[n]) if n < len(frames) else before
            kept = after / before if before > 1e-6 else 0.0
            covered = kept <= KEPT_DETAIL
            result.face_frames += 1
            result.covered += covered
            result.kept.append(kept)
            if covered:
                run_start, run = None, 0
                continue
            run_start = n if run_start is None else run_start
            run += 1
            result.flicker = max(result.flicker, run)
            if run == 1:
                result.misses.append((face.label, n, n))
            else:
                result.misses[-1] = (face.label, run_start, n)
    return result


def timed(run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def measure(clip: Clip, methods: list[str], runners: dict[str, Any]) -> dict[str, Any]:
    reference = input_details(clip)
    seconds, scores = {}, {}
    with tempfile.TemporaryDirectory(prefix="video-bench-") as tmp:
        for method in methods:
            out = Path(tmp) / f"{method}.mp4"
            seconds[method] = timed(lambda: runners[method].run(clip, out))  # noqa: B023
            scores[method] = score(clip, out, reference)
    tracks = None
    if "consentry" in runners and runners["consentry"].last is not None:
        tracks = len(runners["consentry"].last.tracks)
    return {"clip": clip, "seconds": seconds, "scores": scores, "tracks": tracks}


# --- reporting --------------------------------------------------------------------------


def fps(result: dict[str, Any], method: str) -> float:
    return result["clip"].frames / result["seconds"][method]


def table(methods: list[str], results: list[dict[str, Any]]) -> None:
    peers = "consentry" in methods and "deface" in methods
    print(
        "\nPer clip. covered: face-frames whose inner box lost at least "
        f"{1 - KEPT_DETAIL:.0%} of its fine detail; flicker: the longest run of consecutive "
        "uncovered frames of one face; fps: frames per second, the whole run; ratios: "
        "consentry over deface"
    )
    header = f"{'clip':16s}{'frames':>7s}{'faces':>6s}{'face-fr':>8s}"
    for m in methods:
        header += f" | {m[:9]:>9s} {'flick':>5s} {'fps':>5s}"
    if peers:
        header += f" | {'cov ratio':>9s} {'speed':>6s}"
    print(header)
    for result in results:
        clip, scores = result["clip"], result["scores"]
        line = f"{clip.name:16s}{clip.frames:7d}{len(clip.faces):6d}{clip.face_frames():8d}"
        for m in methods:
            line += f" | {100 * scores[m].share:8.1f}% {scores[m].flicker:5d} {fps(result, m):5.1f}"
        if peers:
            ratio = scores["consentry"].share / scores["deface"].share
            speed = fps(result, "consentry") / fps(result, "deface")
            line += f" | {ratio:9.3f} {speed:5.2f}x"
        print(line)


def summary(methods: list[str], results: list[dict[str, Any]]) -> None:
    print("\nPer resolution (all kinds together: frames over seconds, face-frames over faces)")
    totals: dict[str, dict[str, float]] = {}
    for resolution in RESOLUTIONS:
        chosen = [r for r in results if r["clip"].resolution == resolution]
        if not chosen:
            continue
        frames = sum(r["clip"].frames for r in chosen)
        line = f"{resolution:8s}{frames:6d} frames"
        for m in methods:
            seconds = sum(r["seconds"][m] for r in chosen)
            covered = sum(r["scores"][m].covered for r in chosen)
            face_frames = sum(r["scores"][m].face_frames for r in chosen)
            flicker = max(r["scores"][m].flicker for r in chosen)
            totals.setdefault(m, {})[resolution] = frames / seconds
            line += (
                f" | {m}: {100 * covered / face_frames:.2f}% covered, flicker {flicker},"
                f" {frames / seconds:.1f} fps"
            )
        if "consentry" in methods and "deface" in methods:
            line += (
                f" | speed {totals['consentry'][resolution] / totals['deface'][resolution]:.2f}x"
            )
        print(line)
    if "consentry" in methods:
        ours = [r["scores"]["consentry"] for r in results]
        share = sum(s.covered for s in ours) / max(1, sum(s.face_frames for s in ours))
        flicker = max(s.flicker for s in ours)
        print(
            f"\nTargets: coverage {100 * share:.2f}% (>= {100 * TARGET_COVERAGE:.0f}%: "
            f"{'met' if share >= TARGET_COVERAGE else 'NOT met'}); longest uncovered run "
            f"{flicker} frame(s) (<= {TARGET_FLICKER}: "
            f"{'met' if flicker <= TARGET_FLICKER else 'NOT met'})",
            end="",
        )
        if "deface" in methods:
            speeds = [totals["consentry"][r] / totals["deface"][r] for r in totals["consentry"]]
            worst = min(speeds)
            print(
                f"; speed {worst:.2f}x deface at worst (>= {TARGET_SPEED:.0f}x: "
                f"{'met' if worst >= TARGET_SPEED else 'NOT met'})"
            )
        else:
            print()


def misses(methods: list[str], results: list[dict[str, Any]], limit: int = 12) -> None:
    """The longest runs of uncovered frames, to see which faces and frames fail."""
    for m in methods:
        runs = [
            (last - first + 1, r["clip"].name, label, first, last)
            for r in results
            for label, first, last in r["scores"][m].misses
        ]
        runs.sort(key=lambda item: (-item[0], item[1], item[3]))
        if not runs or m in ("floor", "untouched"):
            continue
        print(f"\n{m}: longest uncovered runs (frames, clip, face, first-last frame)")
        for length, name, label, first, last in runs[:limit]:
            print(f"  {length:3d}  {name:16s} {label:52s} {first}-{last}")


def validation(results: list[dict[str, Any]]) -> None:
    kept = {m: np.concatenate([r["scores"][m].kept for r in results]) for m in results[0]["scores"]}
    print("\nDetail kept per face-frame (share of the input's), percentiles 1, 5, 50, 95, 99:")
    for m, values in kept.items():
        cells = " ".join(f"{v:6.3f}" for v in np.percentile(values, [1, 5, 50, 95, 99]))
        print(f"  {m:10s} {cells}")


def write_json(path: Path, methods: list[str], runners: dict[str, Any], results: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "cpus": usable_cpus(),
        "settings": {m: runners[m].settings() for m in methods},
        "clips": {
            r["clip"].name: {
                "frames": r["clip"].frames,
                "face_frames": r["clip"].face_frames(),
                "consentry_tracks": r["tracks"],
                **{
                    m: {
                        "covered": r["scores"][m].covered,
                        "face_frames": r["scores"][m].face_frames,
                        "flicker": r["scores"][m].flicker,
                        "frames_written": r["scores"][m].frames_out,
                        "seconds": r["seconds"][m],
                        "fps": fps(r, m),
                        "misses": r["scores"][m].misses,
                    }
                    for m in methods
                },
            }
            for r in results
        },
    }
    path.write_text(json.dumps(data, indent=1) + "\n")
    print(f"\nJSON: {os.path.relpath(path)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=default_dataset())
    parser.add_argument("--quick", action="store_true", help="the middle 1.2 s of each clip")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each clip")
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"of {', '.join(KINDS)}")
    parser.add_argument(
        "--resolutions", default=",".join(RESOLUTIONS), help=f"of {', '.join(RESOLUTIONS)}"
    )
    parser.add_argument("--skip-deface", action="store_true", help="when deface is missing")
    parser.add_argument(
        "--deface-backend",
        choices=("auto", "onnxrt", "opencv"),
        default="auto",
        help="deface's --backend (auto: onnxruntime if the onnx package is installed, else "
        "OpenCV; deface requires neither)",
    )
    parser.add_argument(
        "--validate", action="store_true", help="also an untouched re-encode (checks the measure)"
    )
    parser.add_argument("--keep", type=Path, help="keep the test videos in this folder")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "video.json")
    args = parser.parse_args()
    if not (args.dataset / "annotations.json").is_file():
        sys.exit(f"faces-dev not found at {args.dataset} (use --dataset)")
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    resolutions = tuple(r.strip() for r in args.resolutions.split(",") if r.strip())
    unknown = (set(kinds) - set(KINDS)) | (set(resolutions) - set(RESOLUTIONS))
    if unknown:
        sys.exit(f"unknown kind(s) or resolution(s): {', '.join(sorted(unknown))}")
    methods = ["consentry", *([] if args.skip_deface else ["deface"]), "floor"]
    methods += ["untouched"] if args.validate else []
    runners = {m: make(m, args.deface_backend) for m in methods}
    print(
        f"{usable_cpus()} CPUs ({platform.processor() or platform.machine()}); one run per "
        "tool and clip, the tools alternating clip by clip"
    )
    for m in methods:
        print(f"  {m:10s} {runners[m].settings()}")
    with contextlib.ExitStack() as stack:
        folder = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        clips = make_clips(
            args.dataset, folder, kinds=kinds, resolutions=resolutions,
            seconds=args.seconds, quick=args.quick,
        )  # fmt: skip
        print(f"  {len(clips)} clips made in {time.perf_counter() - started:.0f} s")
        results = []
        for clip in clips:
            results.append(measure(clip, methods, runners))
            print(f"  {clip.name}: done", flush=True)
    table(methods, results)
    summary(methods, results)
    misses(methods, results)
    if args.validate:
        validation(results)
    write_json(args.json, methods, runners, results)


if __name__ == "__main__":
    main()
