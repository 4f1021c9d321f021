"""`consentry import edex|oneroster|guardians PATH`: import a roster from the command line.

Prints what was (or with --dry-run, would be) created, updated, left unchanged and marked as
left, and every problem; with --json the same as JSON. Exits with status 1 when the file was
refused, so scripts notice.
"""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from consentry.roster import services
from consentry.roster.sync import ENTITIES, Options
from consentry.schools.models import Board, School

FORMATS = {
    "edex": "an EDEXML file (1.03, 2.0 or 2.1)",
    "oneroster": "a OneRoster 1.1/1.2 CSV package: a ZIP file or a folder",
    "guardians": "a guardians CSV (pupil_number,guardian_name,email,parental_authority)",
}


class Command(BaseCommand):
    help = "Import pupils, groups, teachers and guardians from the pupil administration."

    def add_arguments(self, parser: CommandParser) -> None:
        formats = parser.add_subparsers(dest="format", required=True, metavar="FORMAT")
        for name, description in FORMATS.items():
            sub = formats.add_parser(name, help=f"import {description}")
            sub.add_argument("path", help=description)
            sub.add_argument("--school", help="the school's id or BRIN (12AB or 12AB01)")
            sub.add_argument(
                "--create-school",
                action="store_true",
                help="create the school from the file when it does not exist",
            )
            sub.add_argument("--board", help="board (id or name) for a school to create")
            sub.add_argument(
                "--dry-run", action="store_true", help="check and report, write nothing"
            )
            sub.add_argument("--json", action="store_true", help="print the summary as JSON")
            sub.add_argument(
                "--partial",
                action="store_true",
                help="the file is not complete: pupils missing from it have not left",
            )
            sub.add_argument(
                "--confirm-leavers",
                action="store_true",
                help="allow an import that marks many pupils as left",
            )

    def handle(self, *args, **options):
        school = self._school(options)
        upload = services.read_path(options["format"], options["path"])
        today = timezone.localdate()
        roster = services.parse(upload, today=today)
        run_options = Options(
            today=today,
            create_school=options["create_school"],
            board=self._board(options),
            partial=options["partial"],
            confirm_leavers=options["confirm_leavers"],
        )
        outcome = services.run(
            roster, school=school, options=run_options, dry_run=options["dry_run"], upload=upload
        )
        if options["json"]:
            self.stdout.write(json.dumps(outcome.summary, indent=2, ensure_ascii=False))
        else:
            self._print(outcome.summary)
        if outcome.summary["errors"]:
            raise CommandError(
                f"{len(outcome.summary['errors'])} error(s): nothing was imported.", returncode=1
            )

    def _school(self, options) -> School | None:
        if not options["school"]:
            return None
        school = services.find_school(options["school"])
        if school is None:
            raise CommandError(f"No school with id or BRIN {options['school']!r}.")
        return school

    def _board(self, options) -> Board | None:
        value = options["board"]
        if not value:
            return None
        board = (
            Board.objects.filter(pk=int(value)).first()
            if value.isdigit()
            else (Board.objects.filter(name=value).first())
        )
        if board is None:
            raise CommandError(f"No board with id or name {value!r}.")
        return board

    def _print(self, summary: dict) -> None:
        mode = (
            "dry run" if summary["dry_run"] else ("imported" if summary["applied"] else "refused")
        )
        self.stdout.write(
            f"{summary['format']} {summary['version']} · {summary['source']} · {mode}"
        )
        self.stdout.write(f"{'':10} {'created':>8} {'updated':>8} {'unchanged':>10} {'left':>6}")
        for entity in ENTITIES:
            c = summary[entity]
            self.stdout.write(
                f"{entity:10} {c['created']:>8} {c['updated']:>8} "
                f"{c['unchanged']:>10} {c['left']:>6}"
            )
        for problem in summary["warnings"]:
            self.stdout.write(self.style.WARNING(f"warning: {problem['text']}"))
        for problem in summary["errors"]:
            self.stderr.write(self.style.ERROR(f"error: {problem['text']}"))
