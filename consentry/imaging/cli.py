"""`consentry blur IN... --out DIR`: the image and video engines' command line, without Django.

It touches no database and no keys, so it runs on any laptop with only the package
installed: `consentry.cli` hands `blur` straight here, before Django's settings (which need
CONSENTRY_SECRET_KEY and CONSENTRY_MASTER_KEY) are ever read. The detector is chosen as
the server chooses it: `--detector`, else the CONSENTRY_FACE_DETECTOR environment variable.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from consentry.imaging.anonymise import MODES
from consentry.imaging.batch import FileOutcome, blur_files
from consentry.imaging.detect import (
    DETECTOR_VARIABLE,
    DETECTORS,
    configured_detector,
    detector_named,
    usable_cpus,
)
from consentry.imaging.encode import DEFAULT_MAX_SIDE


def parser() -> argparse.ArgumentParser:
    licences = "; ".join(f"{name}: {kind.licence}" for name, kind in DETECTORS.items())
    result = argparse.ArgumentParser(
        prog="consentry blur",
        description=(
            "Blur every face in the given photos (JPEG, PNG, WebP, HEIC) and videos (MP4, "
            "MOV, WebM, ...: what FFmpeg reads) and write them to --out: photos as JPEGs "
            "without any metadata, videos as H.264 MP4s without audio or metadata. A file is "
            "judged by its content, not its name. With --boxes, also write the face boxes as "
            'JSON: for a photo {"file name": [[x, y, w, h, score], ...]} in the original '
            'image\'s pixels, for a video {"file name": {"fps": 25.0, "frames": {"0": '
            "[[x, y, w, h], ...], ...}}}, the boxes hidden in each frame."
        ),
        epilog=(
            f"Detectors and their licences: {licences}. The default, retinaface, may be used "
            "for non-commercial purposes only; choose another with --detector or "
            f"{DETECTOR_VARIABLE} (a name, or module:Class for a model you have the right to "
            "use)."
        ),
    )
    result.add_argument("inputs", nargs="+", metavar="IN", type=Path, help="photo and video files")
    result.add_argument("--out", required=True, type=Path, help="folder for the results")
    result.add_argument("--mode", choices=MODES, default="blur", help="default: blur")
    result.add_argument("--boxes", type=Path, metavar="FILE.json", help="write face boxes")
    result.add_argument(
        "--max-side",
        type=int,
        default=DEFAULT_MAX_SIDE,
        help=f"longest side of the output in pixels, photos and videos alike (default "
        f"{DEFAULT_MAX_SIDE})",
    )
    result.add_argument(
        "--detector",
        default=configured_detector(),
        help=f"face detector: {', '.join(DETECTORS)} or module:Class "
        f"(default: ${DETECTOR_VARIABLE}, else retinaface)",
    )
    result.add_argument(
        "--workers",
        type=int,
        default=usable_cpus(),
        help="photos, or pieces of one video, at once (default: the CPUs)",
    )
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; the exit status is 0 when every file was written, 1 otherwise."""
    arguments = parser().parse_args(argv)
    if arguments.max_side < 1:
        parser().error("--max-side must be a positive number of pixels.")
    if arguments.workers < 1:
        parser().error("--workers must be at least 1.")
    try:
        threads = 1 if arguments.workers > 1 else usable_cpus()
        detector = detector_named(arguments.detector, threads=threads)
    except (ValueError, ImportError) as exc:
        parser().error(f"--detector: {exc}")

    def report(outcome: FileOutcome) -> None:
        print(outcome.line, file=sys.stdout if outcome.error is None else sys.stderr)

    outcomes = blur_files(
        arguments.inputs,
        arguments.out,
        mode=arguments.mode,
        boxes_file=arguments.boxes,
        max_side=arguments.max_side,
        detector=detector,
        detector_spec=arguments.detector,
        workers=arguments.workers,
        report=report,
    )
    failed = sum(outcome.error is not None for outcome in outcomes)
    if failed:
        print(f"{failed} of {len(outcomes)} file(s) failed.", file=sys.stderr)
        return 1
    return 0
