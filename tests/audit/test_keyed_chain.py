"""The keyed chain: whoever can write the database but lacks CONSENTRY_AUDIT_KEY cannot make a
changed trail verify, however they recompute the hashes; a chain from before the key still
verifies, sealed by the migration that brought the key."""

import hashlib
import hmac
import importlib
from collections.abc import Callable
from datetime import UTC

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from consentry.audit.models import (
    GENESIS_HASH,
    KEYED,
    UNKEYED,
    AuditEntry,
    canonical,
    chain_payload,
)
from consentry.audit.services import record, verify_chain
from consentry.consent.services import decide, set_never_flag
from tests.audit.helpers import tampering

seal = importlib.import_module("consentry.audit.migrations.0003_keyed_chain").seal


def plain_sha256(entry: AuditEntry) -> str:
    """The attacker's best guess without the key: the chain's old recipe."""
    return hashlib.sha256(canonical(chain_payload(entry)).encode()).hexdigest()


def sha256_of_the_keyed_payload(entry: AuditEntry) -> str:
    """An attacker who read the code: the keyed recipe, with plain SHA-256 for the HMAC."""
    payload = canonical({**chain_payload(entry), "key_version": entry.key_version})
    return hashlib.sha256(payload.encode()).hexdigest()


def wrong_key(entry: AuditEntry) -> str:
    """The right recipe under a key of the attacker's own."""
    payload = canonical({**chain_payload(entry), "key_version": entry.key_version})
    return hmac.new(b"not the audit key, but 32 bytes", payload.encode(), "sha256").hexdigest()


def rewrite(
    first: int, change: dict, forge: Callable[[AuditEntry], str], *, key_version: int = KEYED
) -> None:
    """Change entry `first`, then recompute its hash and every later one with `forge`,
    linking each to the forged one before it: a whole rewritten tail."""
    previous = AuditEntry.objects.get(sequence=first - 1).entry_hash if first > 1 else GENESIS_HASH
    with tampering():
        AuditEntry.objects.filter(sequence=first).update(**change)
        for entry in AuditEntry.objects.filter(sequence__gte=first).order_by("sequence"):
            entry.recorded_at = entry.recorded_at.astimezone(UTC)
            entry.previous_hash = previous
            entry.key_version = key_version
            entry.entry_hash = forge(entry)
            AuditEntry.objects.filter(pk=entry.pk).update(
                previous_hash=entry.previous_hash,
                key_version=entry.key_version,
                entry_hash=entry.entry_hash,
            )
            previous = entry.entry_hash


@pytest.fixture
def chain(world) -> list[AuditEntry]:
    decide(world.parent, world.emma, {1: True, 2: False})
    set_never_flag(world.leadership, world.noah, active=True, reason="Veiligheid")
    decide(world.another_parent, world.noah, {3: True})
    entries = list(AuditEntry.objects.order_by("sequence"))
    assert len(entries) >= 6
    return entries


def a_refusal(chain: list[AuditEntry]) -> AuditEntry:
    return next(e for e in chain if e.action == "consent.recorded" and e.data["given"] is False)


# Keyed.


def test_new_entries_are_keyed_with_the_audit_key(chain, settings):
    assert {entry.key_version for entry in chain} == {KEYED}
    assert verify_chain() == (len(chain), None)
    settings.AUDIT_KEY = b"another key, also of 32 bytes!!!"
    _, problem = verify_chain()
    assert (problem.sequence, problem.kind) == (1, "changed")


@pytest.mark.parametrize(
    ("forge", "key_version"),
    [
        (plain_sha256, KEYED),
        (sha256_of_the_keyed_payload, KEYED),
        (plain_sha256, UNKEYED),
        (wrong_key, KEYED),
    ],
    ids=["sha256", "sha256-of-the-keyed-payload", "sha256-as-unkeyed", "wrong-key"],
)
def test_a_rewritten_tail_is_caught_at_the_changed_entry(chain, forge, key_version):
    """The attack of issue 12: change a refusal into a yes and recompute every later hash."""
    target = a_refusal(chain)
    rewrite(
        target.sequence, {"data": {**target.data, "given": True}}, forge, key_version=key_version
    )
    checked, problem = verify_chain()
    assert (problem.sequence, problem.kind) == (target.sequence, "changed")
    assert checked == target.sequence - 1


def test_verify_audit_names_the_first_rewritten_entry(chain):
    target = a_refusal(chain)
    rewrite(target.sequence, {"data": {**target.data, "given": True}}, plain_sha256)
    with pytest.raises(CommandError, match=rf"entry #{target.sequence} was changed"):
        call_command("verify_audit")


def test_rewriting_the_whole_chain_without_the_key_is_caught(chain):
    """Every entry recomputed with plain SHA-256 and marked as from before the key: it would
    pass as an old chain, but a chain's newest entry is always keyed since the key came."""
    rewrite(1, {"actor_label": "user:999"}, plain_sha256, key_version=UNKEYED)
    _, problem = verify_chain()
    assert (problem.sequence, problem.kind) == (chain[-1].sequence, "changed")
    assert "not keyed" in str(problem)


def test_an_unknown_key_version_never_verifies(chain):
    with tampering():
        AuditEntry.objects.filter(sequence=2).update(key_version=7)
    _, problem = verify_chain()
    assert (problem.sequence, problem.kind) == (2, "changed")


# A chain from before the key.


def write_unkeyed(actions: list[str]) -> list[AuditEntry]:
    """Entries as Consentry wrote them before the key: plain SHA-256."""
    last = AuditEntry.objects.order_by("-sequence").first()
    previous, sequence = (last.entry_hash, last.sequence) if last else (GENESIS_HASH, 0)
    written = []
    for action in actions:
        sequence += 1
        entry = AuditEntry(
            sequence=sequence,
            recorded_at=timezone.now().astimezone(UTC),
            actor_label="system",
            action=action,
            data={"n": sequence},
            previous_hash=previous,
            key_version=UNKEYED,
        )
        entry.entry_hash = plain_sha256(entry)
        entry.save()
        written.append(entry)
        previous = entry.entry_hash
    return written


@pytest.fixture
def old_chain(db) -> list[AuditEntry]:
    return write_unkeyed(["old.one", "old.two", "old.three"])


def test_the_migration_seals_a_chain_from_before_the_key(old_chain):
    _, problem = verify_chain()
    assert (problem.sequence, problem.kind) == (3, "changed")  # unsealed: it could be forged
    seal(apps, None)
    assert verify_chain() == (4, None)
    sealed = AuditEntry.objects.get(sequence=4)
    assert (sealed.action, sealed.key_version, sealed.data) == (
        "audit.keyed",
        KEYED,
        {"unkeyed_until": 3},
    )
    assert [e.entry_hash for e in AuditEntry.objects.filter(sequence__lte=3)] == [
        e.entry_hash for e in old_chain
    ]  # nothing rewritten
    record("after.the.upgrade")
    assert verify_chain() == (5, None)
    seal(apps, None)  # a chain that ends keyed needs no seal
    assert AuditEntry.objects.count() == 5


def test_the_seal_leaves_an_empty_chain_empty(db):
    seal(apps, None)
    assert verify_chain() == (0, None)


def test_an_old_entry_rewritten_with_plain_sha256_is_caught_by_the_first_keyed_one(old_chain):
    seal(apps, None)
    with tampering():
        AuditEntry.objects.filter(sequence=2).update(data={"n": 99})
    for entry in AuditEntry.objects.filter(sequence__in=[2, 3]).order_by("sequence"):
        entry.recorded_at = entry.recorded_at.astimezone(UTC)
        if entry.sequence == 3:
            entry.previous_hash = AuditEntry.objects.get(sequence=2).entry_hash
        with tampering():
            AuditEntry.objects.filter(pk=entry.pk).update(
                previous_hash=entry.previous_hash, entry_hash=plain_sha256(entry)
            )
    _, problem = verify_chain()
    assert problem.sequence == 4  # the seal links to the real #3; only the key could re-link it


def test_a_keyed_entry_turned_unkeyed_in_the_middle_is_caught(chain):
    target = chain[3].sequence
    rewrite(target, {}, plain_sha256, key_version=UNKEYED)
    record("written.later.with.the.key")  # appended by the application: keyed again
    _, problem = verify_chain()
    assert (problem.sequence, problem.kind) == (target, "changed")
