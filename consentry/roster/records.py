"""The format-neutral roster that every parser produces and the sync service consumes.

Plain dataclasses, no Django models: a parser can be tested on bytes alone, and the records
can be stored as JSON between a dry run and its confirmation. Every record carries a `Loc`
(file, line, element or column) so that any problem found later, even by the sync service,
can still point at the place in the file. Only fields Consentry needs exist here: what is not
in these classes can never be stored, logged or shown.
"""

import dataclasses
import types
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Union, get_args, get_origin, get_type_hints

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Loc:
    """Where a value came from: a file, a line in it, and an element path or column name."""

    file: str
    line: int | None = None
    where: str = ""

    def __str__(self) -> str:
        parts = [self.file]
        if self.line:
            parts.append(_("line %(number)d") % {"number": self.line})
        if self.where:
            parts.append(self.where)
        return ", ".join(parts)


@dataclass
class Problem:
    """A problem in the file. Errors stop the whole import; warnings are reported only."""

    message: str
    loc: Loc
    value: str = ""
    error: bool = True

    def text(self) -> str:
        value = f" [{self.value}]" if self.value else ""
        return f"{self.loc}: {self.message}{value}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.loc.file,
            "line": self.loc.line,
            "where": self.loc.where,
            "value": self.value,
            "message": self.message,
            "text": self.text(),
        }


@dataclass
class GroupIn:
    key: str
    name: str
    school_year: str
    loc: Loc
    year_code: str = ""
    composed: bool = False  # a samengestelde groep (EDEXML): extra memberships, no stamgroep


@dataclass
class PupilIn:
    key: str
    number: str
    given_name: str
    prefix: str
    family_name: str
    loc: Loc
    date_of_birth: date | None = None
    year_level: int | None = None
    year_level_known: bool = False  # False: the file says nothing, keep what is stored
    group_key: str | None = None
    keep_group: bool = False  # True in delta files: the group changes only through `moves`
    extra_group_keys: list[str] | None = None  # composed groups; None: the file says nothing
    entered_on: date | None = None
    left_on: date | None = None
    has_left: bool = False


@dataclass
class TeacherIn:
    key: str
    full_name: str
    email: str
    loc: Loc
    group_keys: list[str] = field(default_factory=list)
    removed_group_keys: list[str] = field(default_factory=list)
    groups_complete: bool = True
    intern: bool = False


@dataclass
class ChildLink:
    """A guardian's link to a pupil, named by the pupil's key or number (Roster.child_ref)."""

    pupil_ref: str
    loc: Loc
    has_parental_authority: bool | None = None  # None: the file does not say


@dataclass
class GuardianIn:
    key: str
    full_name: str
    email: str
    loc: Loc
    children: list[ChildLink] = field(default_factory=list)


@dataclass
class GroupMove:
    """A delta enrollment: put a pupil in a group, or (group_key None) take them out of one."""

    pupil_key: str
    loc: Loc
    group_key: str | None = None
    from_group_key: str | None = None


@dataclass
class Departure:
    """A delta record with status `tobedeleted`: this person is gone from the source."""

    kind: str  # "pupil", "teacher" or "guardian"
    key: str
    loc: Loc


@dataclass
class SchoolIn:
    key: str
    loc: Loc
    name: str = ""
    brin: str = ""
    dependance: str = ""
    board_name: str = ""
    school_year: str = ""
    created_at: datetime | None = None
    reference_date: date | None = None
    groups: list[GroupIn] = field(default_factory=list)
    pupils: list[PupilIn] = field(default_factory=list)
    teachers: list[TeacherIn] = field(default_factory=list)
    guardians: list[GuardianIn] = field(default_factory=list)
    moves: list[GroupMove] = field(default_factory=list)
    departures: list[Departure] = field(default_factory=list)
    has_pupils: bool = True
    pupils_complete: bool = False
    teachers_complete: bool = False
    guardians_complete: bool = False


@dataclass
class Roster:
    kind: str  # "edex", "oneroster" or "guardians"
    version: str
    source: str
    schools: list[SchoolIn] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    child_ref: str = "key"  # how ChildLink.pupil_ref names a pupil: "key" or "number"

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.error]

    def error(self, message: str, loc: Loc, value: object = "") -> None:
        self.problems.append(Problem(message, loc, _shown(value), error=True))

    def warn(self, message: str, loc: Loc, value: object = "") -> None:
        self.problems.append(Problem(message, loc, _shown(value), error=False))


def _shown(value: object) -> str:
    """A value as quoted in a message: short, so a problem report never becomes a data dump."""
    text = "" if value is None else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


# -- JSON, for keeping a parsed roster between the dry run and the confirmation ----------


def to_json(obj: Any) -> Any:
    """Plain JSON for a dataclass tree (dates as ISO text)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_json(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, list):
        return [to_json(item) for item in obj]
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    return obj


def from_json(cls: type, data: Any) -> Any:
    """The inverse of to_json, guided by the dataclasses' type hints."""
    return _load(cls, data)


def _load(hint: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(hint) if a is not type(None)]
        return _load(inner[0], data)
    if origin is list:
        (item,) = get_args(hint)
        return [_load(item, value) for value in data]
    if hint is datetime:
        return datetime.fromisoformat(data)
    if hint is date:
        return date.fromisoformat(data)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = get_type_hints(hint)
        fields = [f for f in dataclasses.fields(hint) if f.name in data]  # older: defaults
        kwargs = {f.name: _load(hints[f.name], data[f.name]) for f in fields}
        return hint(**kwargs)
    return data
