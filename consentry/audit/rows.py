"""The append-only rows against their audit entries: did a row change, go or appear behind
the application's back?

The chain proves the entries (`services.verify_chain`); this proves the rows. Every model
that names `audited_fields` (consent events, never-flag events, answers to separate
requests) has the keyed digest of those fields in the audit entry written with each row
(`services.record`). So, per row:

- its digest differs from its entry's: the row was **changed**;
- it has no entry: it was **unrecorded**, written past the services (say by SQL);
- an entry's row is gone: it was **removed**, unless erasure removed it, which it says in
  its own entries ("pupil.erased", or "retention.destroyed" of schools.pupil, with the ids);
- its entry is from before the digests: **unverifiable**, counted, not a failure.

Compare only rows with a verified chain: then the entries are the ones Consentry wrote.

It streams: the rows in primary-key order and their entries in row order, two cursors
walked side by side like a merge, so memory stays flat for a country's 11 million consent
events; only the ids of erased pupils are held.
"""

import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.db.models.functions import Cast

from .models import AuditEntry, row_digest

CHUNK = 2000  # rows per fetch of each cursor
SHOWN = 20  # problems kept to show; all are counted

# The actions by which erasure says which pupils it removed (consentry.retention).
PUPIL_ERASED = "pupil.erased"
RETENTION_DESTROYED = "retention.destroyed"


@dataclass(frozen=True)
class RowProblem:
    model: type[models.Model]
    pk: int
    kind: str  # "changed", "unrecorded" or "removed"
    sequence: int | None = None  # the audit entry's

    def __str__(self) -> str:
        name = f"{self.model._meta.label_lower} #{self.pk}"
        if self.kind == "changed":
            return f"{name} was changed: it no longer matches audit entry #{self.sequence}"
        if self.kind == "unrecorded":
            return f"{name} has no audit entry: it was written past the application"
        return (
            f"{name} was removed: audit entry #{self.sequence} records it, and its pupil "
            "was not erased"
        )


@dataclass
class RowReport:
    verified: int = 0
    unverifiable: int = 0  # rows whose entry is from before the digests
    erased: int = 0  # entries whose row went with an erased pupil
    problems: list[RowProblem] = field(default_factory=list)  # the first SHOWN
    problem_count: int = 0

    def add(self, problem: RowProblem) -> None:
        self.problem_count += 1
        if len(self.problems) < SHOWN:
            self.problems.append(problem)


def audited_models() -> list[type[models.Model]]:
    found = [model for model in apps.get_models() if getattr(model, "audited_fields", ())]
    return sorted(found, key=lambda model: model._meta.label_lower)


def verify_rows() -> RowReport:
    """Compare every audited row with its audit entry (see the module's text)."""
    report = RowReport()
    erased = erased_pupils()
    for model in audited_models():
        _compare(model, erased, report)
    return report


def erased_pupils() -> set[int]:
    """The ids of the pupils that erasure removed, as its audit entries say."""
    entries = AuditEntry.objects.order_by()
    erased = {
        int(pk) for pk in entries.filter(action=PUPIL_ERASED).values_list("object_id", flat=True)
    }
    destroyed = entries.filter(action=RETENTION_DESTROYED, data__what="schools.pupil")
    for ids in destroyed.values_list("data__ids", flat=True).iterator(chunk_size=CHUNK):
        erased.update(ids)
    return erased


def _rows(model: type[models.Model]) -> Iterator[tuple]:
    fields = model.audited_fields  # type: ignore[attr-defined]
    rows = model._base_manager.order_by("pk").values_list("pk", *fields)
    return rows.iterator(chunk_size=CHUNK)


def _entries(model: type[models.Model]) -> Iterator[tuple]:
    """(row id, sequence, data) of the model's entries, in row id order."""
    entries = (
        AuditEntry.objects.filter(object_type=model._meta.label_lower)
        .annotate(row_id=Cast("object_id", models.BigIntegerField()))
        .order_by("row_id", "sequence")
        .values_list("row_id", "sequence", "data")
    )
    return entries.iterator(chunk_size=CHUNK)


def _compare(model: type[models.Model], erased: set[int], report: RowReport) -> None:
    rows, entries = _rows(model), _entries(model)
    row, entry = next(rows, None), next(entries, None)
    while row is not None or entry is not None:
        if entry is None or (row is not None and row[0] < entry[0]):
            assert row is not None
            report.add(RowProblem(model, row[0], "unrecorded"))
            row = next(rows, None)
        elif row is None or entry[0] < row[0]:
            row_id, sequence, data = entry
            if data.get("pupil_id") in erased:
                report.erased += 1
            else:
                report.add(RowProblem(model, row_id, "removed", sequence))
            entry = next(entries, None)
        else:
            _match(model, row, entry, report)
            row, entry = next(rows, None), next(entries, None)


def _match(model: type[models.Model], row: tuple, entry: tuple, report: RowReport) -> None:
    pk, *values = row
    _row_id, sequence, data = entry
    digest = data.get("row")
    if digest is None:
        report.unverifiable += 1
    elif hmac.compare_digest(digest, row_digest(model._meta.label_lower, pk, values)):
        report.verified += 1
    else:
        report.add(RowProblem(model, pk, "changed", sequence))
