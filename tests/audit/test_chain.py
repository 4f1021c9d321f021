"""The audit trail's hash chain: intact after real work, and every kind of tampering is named."""

from datetime import UTC, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from consentry.audit.models import GENESIS_HASH, AuditEntry
from consentry.audit.services import record, verify_chain
from consentry.consent.services import ConsentError, decide, record_paper_form, set_never_flag
from consentry.leaflets.services import new_draft, publish
from tests.audit.helpers import tampering

CONTENT_FIELDS = [
    "recorded_at",
    "actor_id",
    "actor_label",
    "school_id",
    "action",
    "object_type",
    "object_id",
    "data",
    "previous_hash",
    "entry_hash",
]


@pytest.fixture
def chain(world) -> list[AuditEntry]:
    """The world's entries plus a handful of real actions: at least eight entries."""
    decide(world.parent, world.emma, {1: True, 2: False})
    decide(world.another_parent, world.noah, {3: True})
    set_never_flag(world.leadership, world.noah, active=True, reason="Veiligheid")
    record_paper_form(world.leadership, world.emma, {4: True}, signed_by=world.parent, note="f")
    draft = new_draft(world.leaflet, label="versie 2024", actor=world.leadership)
    publish(draft, actor=world.leadership, material_change=False)
    record("system.test", data={"naam": "Zoë", "getal": 3, "lijst": [1, "twee"]})
    entries = list(AuditEntry.objects.order_by("sequence"))
    assert len(entries) >= 8
    return entries


def by_sequence(sequence: int):
    return AuditEntry.objects.filter(sequence=sequence)


def rehash(sequence: int) -> None:
    """What a forger who has the audit key does after editing an entry: make its own hash
    fit again (tests/audit/test_keyed_chain.py is the forger without it)."""
    entry = by_sequence(sequence).get()
    entry.recorded_at = entry.recorded_at.astimezone(UTC)
    with tampering():
        by_sequence(sequence).update(entry_hash=entry.compute_hash())


def swap_contents(first: int, second: int) -> None:
    a = by_sequence(first).values(*CONTENT_FIELDS).get()
    b = by_sequence(second).values(*CONTENT_FIELDS).get()
    with tampering():
        by_sequence(first).update(entry_hash="x" * 64)  # entry_hash is unique
        by_sequence(second).update(**a)
        by_sequence(first).update(**b)


# Intact.


def test_chain_verifies_after_several_recorded_actions(chain):
    assert verify_chain() == (len(chain), None)
    assert [e.sequence for e in chain] == list(range(1, len(chain) + 1))
    assert chain[0].previous_hash == GENESIS_HASH
    for before, entry in zip(chain, chain[1:], strict=False):
        assert entry.previous_hash == before.entry_hash
    assert len({e.entry_hash for e in chain}) == len(chain)


def test_empty_chain_verifies(db):
    assert verify_chain() == (0, None)


def test_entry_is_written_in_the_callers_transaction(world):
    entries = AuditEntry.objects.count()
    with pytest.raises(ConsentError), transaction.atomic():
        decide(world.parent, world.emma, {1: True})
        raise ConsentError("the caller gives up")
    assert AuditEntry.objects.count() == entries
    assert verify_chain() == (entries, None)
    decide(world.parent, world.emma, {1: True})
    assert verify_chain() == (entries + 1, None)


def test_verify_audit_command_says_intact_for_a_good_chain(chain, capsys):
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "intact" in out
    assert f"{len(chain)} entries" in out


# Changed.


@pytest.mark.parametrize(
    "change",
    [
        {"data": {"pupil_id": 1, "category": 1, "given": True}},
        {"actor_id": 999},
        {"actor_label": "user:999"},
        {"school_id": 999},
        {"action": "consent.withdrawn"},
        {"object_id": "999"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_changing_one_entry_is_reported_as_changed_naming_its_sequence(chain, change):
    target = chain[4].sequence
    with tampering():
        by_sequence(target).update(**change)
    checked, problem = verify_chain()
    assert (problem.sequence, problem.kind) == (target, "changed")
    assert checked == target - 1
    assert f"#{target}" in str(problem)


def test_changing_the_given_flag_of_a_consent_entry_is_reported(chain):
    entry = next(e for e in chain if e.action == "consent.recorded" and e.data["given"] is False)
    with tampering():
        by_sequence(entry.sequence).update(data={**entry.data, "given": True})
    _, problem = verify_chain()
    assert (problem.sequence, problem.kind) == (entry.sequence, "changed")


def test_changing_the_time_of_an_entry_is_reported(chain):
    target = chain[3]
    with tampering():
        by_sequence(target.sequence).update(recorded_at=target.recorded_at - timedelta(days=30))
    _, problem = verify_chain()
    assert (problem.sequence, problem.kind) == (target.sequence, "changed")


def test_changing_the_last_entry_is_reported(chain):
    last = chain[-1].sequence
    with tampering():
        by_sequence(last).update(data={})
    _, problem = verify_chain()
    assert (problem.sequence, problem.kind) == (last, "changed")


def test_a_changed_entry_with_a_forged_hash_breaks_the_link_to_the_next(chain):
    target = chain[4].sequence
    with tampering():
        by_sequence(target).update(data={"forged": True})
    rehash(target)
    _, problem = verify_chain()
    assert (problem.sequence, problem.kind) == (target + 1, "reordered")


# Removed.


def test_deleting_an_entry_in_the_middle_is_reported_as_removed(chain):
    target = chain[4].sequence
    with tampering():
        by_sequence(target).delete()
    checked, problem = verify_chain()
    assert (problem.sequence, problem.kind) == (target, "removed")
    assert checked == target - 1
    assert f"#{target}" in str(problem)


def test_deleting_several_entries_names_the_first_missing_one(chain):
    with tampering():
        AuditEntry.objects.filter(sequence__in=[3, 4, 5]).delete()
    _, problem = verify_chain()
    assert (problem.sequence, problem.kind) == (3, "removed")


def test_deleting_the_first_entry_is_reported(chain):
    with tampering():
        by_sequence(1).delete()
    checked, problem = verify_chain()
    assert (checked, problem.sequence, problem.kind) == (0, 1, "removed")


def test_deleting_the_newest_entry_is_reported_against_an_anchor(chain):
    last = chain[-1]
    anchor = (last.sequence, last.entry_hash)
    assert verify_chain(anchor)[1] is None
    with tampering():
        by_sequence(last.sequence).delete()
    _, problem = verify_chain(anchor)
    assert problem is not None
    assert (problem.sequence, problem.kind) == (last.sequence, "removed")


# Reordered.


def test_swapping_two_entries_is_reported_at_the_first_swapped_entry(chain):
    first = chain[3].sequence
    swap_contents(first, first + 1)
    checked, problem = verify_chain()
    assert problem.sequence == first
    assert problem.kind in ("changed", "reordered")
    assert checked == first - 1


def test_swapping_two_entries_with_forged_hashes_is_reported_as_reordered(chain):
    first = chain[3].sequence
    swap_contents(first, first + 1)
    rehash(first)
    rehash(first + 1)
    checked, problem = verify_chain()
    assert (problem.sequence, problem.kind) == (first, "reordered")
    assert checked == first - 1


def test_swapping_far_apart_entries_is_reported_at_the_first(chain):
    swap_contents(2, len(chain) - 1)
    _, problem = verify_chain()
    assert problem.sequence == 2


# The command.


def test_verify_audit_command_fails_naming_the_changed_entry(chain):
    target = chain[5].sequence
    with tampering():
        by_sequence(target).update(action="tampered")
    with pytest.raises(CommandError, match=rf"entry #{target} was changed"):
        call_command("verify_audit")


def test_verify_audit_command_fails_naming_the_removed_entry(chain):
    target = chain[2].sequence
    with tampering():
        by_sequence(target).delete()
    with pytest.raises(CommandError, match=rf"entry #{target} was removed"):
        call_command("verify_audit")


# Append-only.


def test_audit_entry_cannot_be_saved_again(chain):
    entry = AuditEntry.objects.get(sequence=chain[2].sequence)
    entry.data = {"tampered": True}
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    assert verify_chain() == (len(chain), None)


def test_audit_entry_cannot_be_deleted(chain):
    entry = AuditEntry.objects.get(sequence=chain[2].sequence)
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_postgresql_refuses_update_and_delete_of_audit_entries(chain, postgres_only):
    with pytest.raises(DatabaseError), transaction.atomic():
        by_sequence(2).update(action="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        by_sequence(2).delete()
    assert verify_chain() == (len(chain), None)
