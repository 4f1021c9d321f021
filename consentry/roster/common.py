"""Helpers the parsers share: strict dates, booleans, names, e-mail and CSV tables.

Strict on purpose: a date like `1-5-2023` could be the first of May or the fifth of January,
so it is reported, not guessed (ROSTER-FORMATS.md 6.2). Where a spreadsheet's habit is
unambiguous (a BOM, CRLF, `;` as separator, `TRUE`) we accept it and say so.
"""

import csv
import difflib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from .records import Loc, Roster

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LOCAL_DATE = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
BOM = "\ufeff"

# Words that start a Dutch (or Belgian, French, Arabic, Portuguese) surname prefix.
PREFIX_WORDS = frozenset(
    {
        "van",
        "de",
        "der",
        "den",
        "het",
        "'t",
        "ter",
        "ten",
        "te",
        "in",
        "op",
        "aan",
        "'d",
        "d'",
        "la",
        "le",
        "el",
        "al",
        "da",
        "du",
        "di",
        "dos",
        "das",
        "des",
        "do",
        "uit",
        "bij",
        "over",
        "onder",
        "vd",
        "v.",
        "d.",
        "v.d.",
        "vd.",
        "v/d",
    }
)

TRUE_WORDS = {"true", "1", "yes", "ja", "j", "y", "waar", "x"}
FALSE_WORDS = {"false", "0", "no", "nee", "n", "onwaar", ""}


class DateError(ValueError):
    """A value that is not a date in the expected form; the message says what was expected."""


def parse_date(text: str) -> date:
    """A `YYYY-MM-DD` date. Day-first spreadsheet dates are refused with a hint, not guessed."""
    value = text.strip()
    if ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise DateError(_("is not a date that exists")) from None
    if LOCAL_DATE.fullmatch(value):
        raise DateError(
            _("is not a date in the form YYYY-MM-DD (it looks like a spreadsheet changed it)")
        )
    raise DateError(_("is not a date in the form YYYY-MM-DD"))


def parse_date_or_datetime(text: str) -> datetime:
    """A date-time (`YYYY-MM-DDThh:mm:ss`, with or without zone) or a plain date."""
    value = text.strip()
    if len(value) == 10:
        day = parse_date(value)
        return datetime(day.year, day.month, day.day)
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise DateError(_("is not a date-time in the form YYYY-MM-DDThh:mm:ss")) from None


def parse_bool(text: str) -> bool:
    """Yes or no, as people and spreadsheets write it (true, TRUE, WAAR, ja, 1, ...)."""
    value = text.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ValueError(value)


def normalise_email(text: str) -> str | None:
    """The address in lower case, or None when it is not a valid address."""
    value = text.strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        return None
    return value


def split_prefix(family_name: str) -> tuple[str, str]:
    """Split a leading tussenvoegsel off a family name given in one field ("van der Berg").

    Only lower-case prefixes are split: a capitalised one ("Van Steeg", "Da Silva") is part
    of the name as the family writes it, and stays in the family name.
    """
    words = family_name.split()
    count = 0
    while count < len(words) - 1 and words[count] in PREFIX_WORDS:
        count += 1
    return " ".join(words[:count]), " ".join(words[count:])


def split_list(text: str) -> list[str]:
    """A OneRoster list cell: items comma-separated inside one cell ("org1,org2")."""
    return [item.strip() for item in text.split(",") if item.strip()]


def full_name(given: str, prefix: str, family: str) -> str:
    return " ".join(part for part in (given, prefix, family) if part)


def looks_mangled(text: str) -> bool:
    """UTF-8 read as Windows-1252 somewhere on the way: `Ã«` where `ë` was meant."""
    return bool(re.search("[ÃÂ][\u0080-\u00bf\u2018-\u203a\u0152-\u0178\u20ac]", text))


def decode_text(data: bytes, loc: Loc, roster: Roster) -> str | None:
    """UTF-8 text without BOM; anything else is an error naming the line of the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        roster.error(
            _(
                "the file is not UTF-8 text (byte 0x%(byte)02X); a spreadsheet probably saved it "
                "as Windows-1252: save it again as 'CSV UTF-8'"
            )
            % {"byte": data[exc.start]},
            Loc(loc.file, line),
        )
        return None
    return text[1:] if text.startswith(BOM) else text


@dataclass
class Row:
    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()


@dataclass
class Table:
    name: str
    header: list[str]
    rows: list[Row]
    delimiter: str

    def loc(self, row: Row, column: str = "") -> Loc:
        return Loc(self.name, row.line, column)


def read_table(text: str, name: str, *, delimiters: str = ",;", roster: Roster) -> Table | None:
    """Rows keyed by header name. The separator is taken from the header line."""
    first_line = text.split("\n", 1)[0]
    delimiter = _pick_delimiter(first_line, delimiters)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [cell.strip().lstrip(BOM) for cell in next(reader, [])]
        rows = list(_rows(reader, header))
    except csv.Error as exc:
        roster.error(_("the CSV is broken: %(error)s") % {"error": exc}, Loc(name, reader.line_num))
        return None
    if not any(header):
        roster.error(_("the file is empty: the first line must name the columns"), Loc(name, 1))
        return None
    return Table(name, header, rows, delimiter)


def _pick_delimiter(first_line: str, allowed: str) -> str:
    counts = {d: first_line.count(d) for d in allowed}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else allowed[0]


def _rows(reader: Iterator[list[str]], header: list[str]) -> Iterable[Row]:
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        line = reader.line_num  # type: ignore[attr-defined]
        yield Row(line, dict(zip(header, cells, strict=False)))


def check_header(
    table: Table,
    required: Iterable[str],
    known: Iterable[str],
    roster: Roster,
    *,
    warn_unknown: bool = True,
) -> bool:
    """Missing required columns are errors; unknown ones warnings (`metadata.*` is allowed).

    Both name a likely intended column, so a typo like `dataLastModified` explains itself.
    """
    present = set(table.header)
    known_set = set(known) | set(required)
    ok = True
    unknown = [
        c for c in table.header if c and c not in known_set and not c.startswith("metadata.")
    ]
    for column in required:
        if column in present:
            continue
        ok = False
        roster.error(
            _("required column '%(column)s' is missing%(hint)s")
            % {"column": column, "hint": _hint(column, unknown)},
            Loc(table.name, 1),
        )
    if warn_unknown:
        for column in unknown:
            roster.warn(
                _("unknown column '%(column)s' is ignored%(hint)s")
                % {"column": column, "hint": _hint(column, sorted(known_set - present))},
                Loc(table.name, 1),
            )
    return ok


def _hint(column: str, candidates: list[str]) -> str:
    lowered = {c.lower(): c for c in candidates}
    if column.lower() in lowered:
        return _(" (found '%(found)s': names are case-sensitive)") % {
            "found": lowered[column.lower()]
        }
    close = difflib.get_close_matches(column, candidates, n=1, cutoff=0.75)
    return _(" (did you mean '%(found)s'?)") % {"found": close[0]} if close else ""
