"""`consentry import edex|oneroster|guardians PATH`: import a roster from the command line.

Prints what was (or with --dry-run, would be) created, updated, left unchanged and marked as
left, and every problem; with --json the same as JSON. Exits with status 1 when the file was
refused, so scripts notice.
"""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from consentry.roster import services
from consentry.roster.sync import ENTITIES, Options
from consentry.schools.models import Board, School


def entity_labels() -> dict[str, str]:
    """The report's rows, in the language the command runs in (Dutch, the default)."""
    return {
        "schools": pgettext("import report", "schools"),
        "groups": pgettext("import report", "groups"),
        "pupils": pgettext("import report", "pupils"),
        "teachers": pgettext("import report", "teachers"),
        "guardians": pgettext("import report", "guardians"),
    }


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
            count = len(outcome.summary["errors"])
            raise CommandError(
                ngettext(
                    "%(count)d error: nothing was imported.",
                    "%(count)d errors: nothing was imported.",
                    count,
                )
                % {"count": count},
                returncode=1,
            )

    def _school(self, options) -> School | None:
        if not options["school"]:
            return None
        school = services.find_school(options["school"])
        if school is None:
            raise CommandError(
                _("No school with id or BRIN %(school)r.") % {"school": options["school"]}
            )
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
            raise CommandError(_("No board with id or name %(board)r.") % {"board": value})
        return board

    def _print(self, summary: dict) -> None:
        if summary["dry_run"]:
            mode = pgettext("import report", "dry run")
        elif summary["applied"]:
            mode = pgettext("import report", "imported")
        else:
            mode = pgettext("import report", "refused")
        self.stdout.write(
            f"{summary['format']} {summary['version']} · {summary['source']} · {mode}"
        )
        columns = [
            pgettext("import report", "created"),
            pgettext("import report", "updated"),
            pgettext("import report", "unchanged"),
            pgettext("import report", "left"),
        ]
        widths = [max(len(column), 8) for column in columns]
        self.stdout.write(
            f"{'':12}" + " ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))
        )
        labels = entity_labels()
        for entity in ENTITIES:
            c = summary[entity]
            numbers = [c["created"], c["updated"], c["unchanged"], c["left"]]
            self.stdout.write(
                f"{labels[entity]:12}"
                + " ".join(str(n).rjust(w) for n, w in zip(numbers, widths, strict=True))
            )
        for problem in summary["warnings"]:
            self.stdout.write(
                self.style.WARNING(_("warning: %(problem)s") % {"problem": problem["text"]})
            )
        for problem in summary["errors"]:
            self.stderr.write(
                self.style.ERROR(_("error: %(problem)s") % {"problem": problem["text"]})
            )
