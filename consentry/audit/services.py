"""Writing and verifying the audit chain, and the one door through which erasure deletes
append-only rows on PostgreSQL."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from .models import GENESIS_HASH, KEYED, UNKEYED, AuditEntry, row_digest

# One fixed key for PostgreSQL's advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 7_341_201


def record(
    action: str,
    *,
    actor=None,  # a User, or a label such as "system" or "command line"
    obj: models.Model | None = None,
    school_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain, inside the caller's transaction.

    Called from the place where the change happens, so the entry commits or rolls back
    together with the change. Appends are serialised (an advisory lock on PostgreSQL,
    IMMEDIATE transactions on SQLite) so two writers never fork the chain.
    """
    data = dict(data or {})
    if obj is not None and getattr(obj, "audited_fields", None):
        data["row"] = digest_of_row(obj)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        last = AuditEntry.objects.order_by("-sequence").only("sequence", "entry_hash").first()
        entry = AuditEntry(
            sequence=(last.sequence + 1) if last else 1,
            recorded_at=timezone.now().astimezone(UTC),
            actor_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
            actor_label=_actor_label(actor),
            school_id=school_id,
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            data=data,
            previous_hash=last.entry_hash if last else GENESIS_HASH,
            key_version=KEYED,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save()
        return entry


def digest_of_row(obj: models.Model) -> str:
    """The keyed digest of an append-only row's `audited_fields` (see `models.row_digest`),
    each value as the database gives it back ("4" is stored, and read, as 4)."""
    fields = {field.attname: field for field in obj._meta.concrete_fields}
    names = obj.audited_fields  # type: ignore[attr-defined]
    values = [fields[name].to_python(getattr(obj, name)) for name in names]
    return row_digest(obj._meta.label_lower, obj.pk, values)


@contextmanager
def erasing() -> Iterator[None]:
    """Let erasure delete append-only rows (consent events, never-flag events, request
    answers) inside this block; everywhere else PostgreSQL refuses (audit migration 0004).

    Why a switch and not a free hand: those rows are the proof of every decision, so a stray
    bulk delete must fail, while erasing a pupil who left must work. The triggers allow a
    DELETE only while the transaction-local setting `consentry.erasure` is on and only of a
    pupil marked as left. The block is a savepoint: the setting is switched off at its end,
    and a failure inside rolls it back with everything else. Erasure writes its own audit
    entry ("pupil.erased", "retention.destroyed"), which `verify_audit` reads to tell an
    erased pupil's rows from rows removed behind our back. (Whoever can run any SQL as
    Consentry's role can switch it on too; that removal is what verify_audit reports.)
    """
    with transaction.atomic():
        _set_erasure("on")
        yield
        _set_erasure("off")


def _set_erasure(value: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('consentry.erasure', %s, true)", [value])


def _actor_label(actor) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    if not actor.is_authenticated:
        return "anonymous"
    return f"user:{actor.pk}"


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    kind: str  # "changed", "removed" or "reordered"
    detail: str

    def __str__(self) -> str:
        return f"entry #{self.sequence} was {self.kind}: {self.detail}"


def verify_chain(anchor: tuple[int, str] | None = None) -> tuple[int, ChainProblem | None]:
    """Walk the chain in order; return how many entries were checked and the first problem.

    A chain cannot see by itself that its newest entries were cut off. An `anchor` (sequence
    and hash of an entry, noted outside Consentry at an earlier check, or mailed by the daily
    anchor job) closes that gap: the anchored entry must still be there, unchanged.

    A stored hash that does not match the entry's fields means the entry was changed (for a
    keyed entry: by someone without the audit key, or the key is not the one it was written
    under). A gap in the sequence means entries were removed. A previous-hash that does not
    match the entry before it (while the entry itself is intact) means entries were reordered
    or one before it was replaced. An unkeyed entry after a keyed one, or a chain whose newest
    entry is unkeyed, was rewritten with plain SHA-256 (see `models`).
    """
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    checked = 0
    keyed = False
    for entry in AuditEntry.objects.order_by("sequence").iterator(chunk_size=2000):
        if entry.sequence != expected_sequence:
            return checked, ChainProblem(
                expected_sequence,
                "removed",
                f"the chain jumps from #{expected_sequence - 1} to #{entry.sequence}",
            )
        # recorded_at comes back in the database's zone; the hash was made in UTC.
        entry.recorded_at = entry.recorded_at.astimezone(UTC)
        if entry.compute_hash() != entry.entry_hash:
            return checked, ChainProblem(
                entry.sequence, "changed", "its contents no longer match its hash"
            )
        if entry.previous_hash != previous_hash:
            return checked, ChainProblem(
                entry.sequence,
                "reordered",
                "it does not follow the entry before it (reordered, or an entry was replaced)",
            )
        if keyed and entry.key_version == UNKEYED:
            return checked, ChainProblem(
                entry.sequence, "changed", "it is not keyed, but an entry before it is"
            )
        if anchor is not None and entry.sequence == anchor[0] and entry.entry_hash != anchor[1]:
            return checked, ChainProblem(entry.sequence, "changed", "it differs from the anchor")
        keyed = keyed or entry.key_version != UNKEYED
        previous_hash = entry.entry_hash
        expected_sequence += 1
        checked += 1
    if checked and not keyed:
        return checked - 1, ChainProblem(
            checked, "changed", "it is the newest entry and it is not keyed"
        )
    if anchor is not None and anchor[0] >= expected_sequence:
        return checked, ChainProblem(
            expected_sequence,
            "removed",
            f"the chain ends at #{expected_sequence - 1} but the anchor is #{anchor[0]}",
        )
    return checked, None


def chain_head() -> AuditEntry | None:
    return AuditEntry.objects.order_by("-sequence").first()
