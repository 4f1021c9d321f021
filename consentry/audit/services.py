"""Writing and verifying the audit chain."""

from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from .models import GENESIS_HASH, AuditEntry

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
            data=data or {},
            previous_hash=last.entry_hash if last else GENESIS_HASH,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save()
        return entry


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
    and hash of an entry, noted outside Consentry at an earlier check) closes that gap: the
    anchored entry must still be there, unchanged.

    A stored hash that does not match the entry's fields means the entry was changed. A gap
    in the sequence means entries were removed. A previous-hash that does not match the entry
    before it (while the entry itself is intact) means entries were reordered or one before
    it was replaced.
    """
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    checked = 0
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
        if anchor is not None and entry.sequence == anchor[0] and entry.entry_hash != anchor[1]:
            return checked, ChainProblem(entry.sequence, "changed", "it differs from the anchor")
        previous_hash = entry.entry_hash
        expected_sequence += 1
        checked += 1
    if anchor is not None and anchor[0] >= expected_sequence:
        return checked, ChainProblem(
            expected_sequence,
            "removed",
            f"the chain ends at #{expected_sequence - 1} but the anchor is #{anchor[0]}",
        )
    return checked, None


def chain_head() -> AuditEntry | None:
    return AuditEntry.objects.order_by("-sequence").first()
