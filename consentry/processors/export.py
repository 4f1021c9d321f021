"""The processing register as CSV, safe to open in a spreadsheet.

A cell that starts with = + - @ (or a tab or carriage return) is a formula to Excel and
LibreOffice: a register entry such as "=HYPERLINK(...)" would run when the privacy officer
opens the export. Such cells get a leading apostrophe, which spreadsheets show as text.
"""

import csv
import io

from django.utils.translation import gettext as _

from consentry.schools.models import Board

from .models import ProcessingActivity

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Semicolons: what a Dutch spreadsheet expects; the byte order mark tells it the text is UTF-8.
DELIMITER = ";"
BOM = "\ufeff"


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def activities_of(board: Board):
    return (
        ProcessingActivity.objects.filter(board=board)
        .prefetch_related("processors")
        .order_by("name", "pk")
    )


def register_rows(board: Board) -> list[list[str]]:
    header = [
        _("Activity"),
        _("Purpose"),
        _("Legal basis"),
        _("Categories of personal data"),
        _("Categories of data subjects"),
        _("Recipients"),
        _("Processors"),
        _("Retention period"),
        _("Transfers outside the EEA"),
        _("Security measures"),
    ]
    rows = [header]
    for activity in activities_of(board):
        rows.append(
            [
                activity.name,
                activity.purpose,
                activity.get_legal_basis_display(),
                activity.data_categories,
                activity.data_subjects,
                activity.recipients,
                ", ".join(str(p) for p in activity.processors.all()),
                activity.retention,
                activity.transfers,
                activity.security_measures,
            ]
        )
    return rows


def register_csv(board: Board) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerows([safe_cell(cell) for cell in row] for row in register_rows(board))
    return BOM + out.getvalue()
