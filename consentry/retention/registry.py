"""The kinds of personal data with a natural end, and what else erasure and export must know.

Each app that holds such data plugs in here from its `AppConfig.ready()`, so retention,
erasure and the pupil's export never need to know the app by name:

- `register_rule(Rule(...))`: a kind of data that expires (records of pupils who left, mail,
  roster uploads; later photos per audience and research material at a project's end date).
  `expired(now)` yields what has expired (a generator reading page by page, `in_pages`, so
  that a whole country's expired mail never sits in memory at once), and with
  `school_filter=True` it takes `school_id=` to yield one school's only (the school's own
  retention page). `destroy(items)` destroys those items of one school (rows, files,
  renditions, keys; a page at a time) inside the caller's transaction and returns counts
  per model. Files are removed with `transaction.on_commit`, so a rollback leaves them in
  place.
- `register_hold(fn, many=None)`: `fn(pupil)` returns a reason why the pupil's data must
  stay (an active research project about them, say), or "". Erasure refuses and retention
  keeps them. `many(pupils)` answers for a page of pupils at once ({pupil id: reason}), so
  that the retention job asks once per page, not once per pupil.
- `register_eraser(fn, models=(...))`: `fn(pupil)` removes what erasure cannot decide by
  itself (files on disk; rows that point at the pupil with PROTECT, listed in `models`, which
  erasure would otherwise refuse over) and returns counts per model.
- `register_section(Section(...))`: a part of the pupil's export (say, ad-hoc request
  answers); `family=True` when guardians and the pupil may read it too.
- `register_files(folder, fn)`: files for the export's zip (the pupil's photos go in
  "photos/"): `fn(pupil, audience)` yields (name, bytes) pairs.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from consentry.schools.models import Pupil

PAGE = 1000  # rows per query and per destroying transaction


@dataclass(frozen=True)
class Item:
    """One expired thing: a row's id, its school, a note without names for the dry run and,
    when it must stay after all, why."""

    pk: int
    school_id: int | None
    note: str = ""
    kept: str = ""


@dataclass(frozen=True)
class Rule:
    name: str  # "pupil.left": stable, it goes into the audit trail
    what: str  # the model label of the items, "schools.pupil"
    description: Callable[[], str]  # for people: the rule and its period as configured now
    expired: Callable[..., Iterable[Item]]  # (now) or, with school_filter, (now, school_id=)
    destroy: Callable[[list[Item]], Counter[str]]
    school_filter: bool = False


@dataclass(frozen=True)
class Section:
    key: str  # the key in the export's JSON
    collect: Callable[[Pupil], Any]  # JSON-serialisable (DjangoJSONEncoder)
    family: bool = False  # guardians and the pupil see it too, not only the school
    models: tuple[str, ...] = ()  # model labels it covers (so they are not exported twice)


FileSource = Callable[[Pupil, str], Iterable[tuple[str, bytes]]]

Hold = Callable[[Pupil], str]
ManyHold = Callable[[Sequence[Pupil]], dict[int, str]]

_rules: dict[str, Rule] = {}
_holds: list[tuple[Hold, ManyHold | None]] = []
_erasers: list[tuple[Callable[[Pupil], Counter[str]], tuple[str, ...]]] = []
_sections: dict[str, Section] = {}
_files: list[tuple[str, FileSource]] = []


def register_rule(rule: Rule) -> Rule:
    _rules[rule.name] = rule
    return rule


def rules() -> list[Rule]:
    return list(_rules.values())


def register_hold(hold: Hold, many: ManyHold | None = None) -> None:
    if all(known is not hold for known, _many in _holds):
        _holds.append((hold, many))


def holds() -> list[tuple[Hold, ManyHold | None]]:
    return list(_holds)


def in_pages(
    queryset: QuerySet, fields: Sequence[str], to_items: Callable[[list[tuple]], Iterable[Item]]
) -> Iterator[Item]:
    """The items of a queryset, read PAGE rows at a time in primary key order (keyset
    pagination: each page is a fresh query, so destroying a page before reading the next is
    safe on every database). `to_items` turns a page of rows (pk first, then `fields`) into
    items."""
    last = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        rows = list(page.order_by("pk").values_list("pk", *fields)[:PAGE])
        yield from to_items(rows)
        if len(rows) < PAGE:
            return
        last = rows[-1][0]


def register_eraser(eraser: Callable[[Pupil], Counter[str]], models: tuple[str, ...] = ()) -> None:
    if all(known is not eraser for known, _models in _erasers):
        _erasers.append((eraser, models))


def erasers() -> list[tuple[Callable[[Pupil], Counter[str]], tuple[str, ...]]]:
    return list(_erasers)


def register_section(section: Section) -> None:
    _sections[section.key] = section


def sections() -> list[Section]:
    return list(_sections.values())


def register_files(folder: str, source: FileSource) -> None:
    if (folder, source) not in _files:
        _files.append((folder, source))


def file_sources() -> list[tuple[str, FileSource]]:
    return list(_files)
