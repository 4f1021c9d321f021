"""`consentry blur IN... --out DIR`: parse the arguments, let consentry.imaging do the work."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consentry.imaging import MODES
from consentry.imaging.batch import FileOutcome, blur_files
from consentry.imaging.encode import DEFAULT_MAX_SIDE


class Command(BaseCommand):
    help = (
        "Blur every face in the given photos (JPEG, PNG, WebP, HEIC) and write them to --out "
        "as JPEGs without any metadata. With --boxes, also write the detected face boxes as "
        'JSON: {"file name": [[x, y, w, h, score], ...]} in the original image\'s pixels.'
    )
    requires_system_checks: list[str] = []  # touches no database or app state

    def add_arguments(self, parser):
        parser.add_argument("inputs", nargs="+", metavar="IN", type=Path, help="photo files")
        parser.add_argument("--out", required=True, type=Path, help="folder for the results")
        parser.add_argument("--mode", choices=MODES, default="blur", help="default: blur")
        parser.add_argument("--boxes", type=Path, metavar="FILE.json", help="write face boxes")
        parser.add_argument(
            "--max-side",
            type=int,
            default=DEFAULT_MAX_SIDE,
            help=f"longest side of the output in pixels (default {DEFAULT_MAX_SIDE})",
        )

    def handle(self, *args, inputs, out, mode, boxes, max_side, **options):
        if max_side < 1:
            raise CommandError("--max-side must be a positive number of pixels.")

        def report(outcome: FileOutcome) -> None:
            if outcome.error is None:
                self.stdout.write(outcome.line)
            else:
                self.stderr.write(outcome.line)

        outcomes = blur_files(
            inputs, out, mode=mode, boxes_file=boxes, max_side=max_side, report=report
        )
        failed = sum(outcome.error is not None for outcome in outcomes)
        if failed:
            raise CommandError(f"{failed} of {len(outcomes)} file(s) failed.")
