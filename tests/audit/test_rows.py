"""verify_audit compares every consent event, never-flag event and request answer with the
audit entry written with it: a row changed, removed or written behind the application's back
is named; an erased pupil's rows are not missed; rows from before the digests are counted."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consentry.adhoc.models import RequestAnswer
from consentry.adhoc.services import answer
from consentry.audit import rows
from consentry.audit.models import AuditEntry
from consentry.audit.rows import verify_rows
from consentry.audit.services import verify_chain
from consentry.consent.models import ConsentEvent, NeverFlagEvent
from consentry.consent.services import decide, set_never_flag
from consentry.retention import erasure, services
from tests.adhoc.helpers import ask
from tests.audit.helpers import execute
from tests.retention.helpers import mark_left


@pytest.fixture
def history(world):
    """Two answers for Emma, a never flag for Noah, and a yes to a separate request."""
    decide(world.parent, world.emma, {1: True, 2: False})
    set_never_flag(world.leadership, world.noah, active=True, reason="Veiligheid")
    answer(world.parent, ask(world), world.emma, True)
    return world


def rows_in_total() -> int:
    return sum(m.objects.count() for m in (ConsentEvent, NeverFlagEvent, RequestAnswer))


def verify_audit() -> str:
    """The command's output; CommandError with the problems when it fails."""
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


# Intact.


def test_every_row_matches_the_entry_written_with_it(history):
    report = verify_rows()
    assert report.problems == []
    assert report.verified == rows_in_total() == 4
    assert (report.unverifiable, report.erased) == (0, 0)
    assert "Rows: 4 match their audit entries" in verify_audit()


def test_the_row_digest_is_keyed_and_gives_nothing_away(history, settings):
    flag = NeverFlagEvent.objects.get()
    entry = AuditEntry.objects.get(object_type="consent.neverflagevent", object_id=str(flag.pk))
    assert "Veiligheid" not in str(entry.data)
    assert entry.data["row"] != hashlib.sha256(b"Veiligheid").hexdigest()
    settings.AUDIT_KEY = b"another key, also of 32 bytes!!!"
    assert verify_rows().problem_count == 4  # without the key no digest can be made to fit


# Changed.


def test_a_consent_event_changed_by_raw_sql_is_named(history):
    """The attack of issue 12: a refusal becomes a yes in the row, the trail is untouched."""
    refusal = ConsentEvent.objects.get(given=False)
    assert execute("UPDATE consent_consentevent SET given = %s WHERE id = %s", [True, refusal.pk])
    assert verify_chain()[1] is None  # the chain itself is intact: only the row changed
    with pytest.raises(CommandError, match=rf"consent.consentevent #{refusal.pk} was changed"):
        verify_audit()


@pytest.mark.parametrize(
    ("table", "change"),
    [
        ("consent_consentevent", "note = 'forged'"),
        ("consent_consentevent", "category_number = 3"),
        ("consent_consentevent", "guardian_id = NULL"),
        ("consent_neverflagevent", "active = NOT active"),
        ("consent_neverflagevent", "reason = 'other'"),
        ("adhoc_requestanswer", "given = NOT given"),
    ],
)
def test_any_decisive_field_changed_is_named(history, table, change):
    changed = execute(f"UPDATE {table} SET {change}")
    report = verify_rows()
    assert report.problem_count == changed >= 1
    assert {problem.kind for problem in report.problems} == {"changed"}
    assert {problem.model._meta.db_table for problem in report.problems} == {table}


def test_a_changed_time_is_named(history):
    event = ConsentEvent.objects.first()
    earlier = event.recorded_at - timedelta(days=40)
    execute("UPDATE consent_consentevent SET recorded_at = %s WHERE id = %s", [earlier, event.pk])
    [problem] = verify_rows().problems
    assert (problem.pk, problem.kind) == (event.pk, "changed")


def test_swapping_two_rows_is_named(history):
    yes, no = ConsentEvent.objects.get(given=True), ConsentEvent.objects.get(given=False)
    execute("UPDATE consent_consentevent SET given = %s WHERE id = %s", [False, yes.pk])
    execute("UPDATE consent_consentevent SET given = %s WHERE id = %s", [True, no.pk])
    assert {(p.pk, p.kind) for p in verify_rows().problems} == {
        (yes.pk, "changed"),
        (no.pk, "changed"),
    }


# Removed, or written past the application.


def test_a_deleted_row_is_named(history):
    refusal = ConsentEvent.objects.get(given=False)
    execute("DELETE FROM consent_consentevent WHERE id = %s", [refusal.pk])
    with pytest.raises(CommandError, match=rf"consent.consentevent #{refusal.pk} was removed"):
        verify_audit()


def test_a_row_without_an_audit_entry_is_named(history):
    sneaked = ConsentEvent.objects.create(
        pupil=history.noah,
        category_number=4,
        leaflet_version=history.leaflet,
        given=True,
        actor=history.another_parent,
        actor_role="guardian",
        guardian=history.another_parent,
        channel="web",
    )
    with pytest.raises(CommandError, match=rf"consent.consentevent #{sneaked.pk} has no audit"):
        verify_audit()


# Erased pupils.


def test_an_erased_pupils_rows_are_not_reported(history):
    mark_left(history.emma, timezone.localdate() - timedelta(days=30))
    erasure.erase_pupil(history.emma, actor=history.leadership, reason="pupil_request")
    report = verify_rows()
    assert report.problems == []
    assert (report.verified, report.erased) == (1, 3)  # Noah's flag stays; Emma's three went
    verify_audit()


def test_the_retention_jobs_erasure_is_not_reported_either(history):
    mark_left(history.emma, timezone.localdate() - timedelta(days=3 * 365))
    services.run()
    assert not ConsentEvent.objects.exists()
    report = verify_rows()
    assert report.problems == []
    assert report.erased == 3


def test_removing_rows_of_a_pupil_who_was_not_erased_is_named(history):
    """Erasure of one pupil does not excuse the removal of another's rows."""
    mark_left(history.emma, timezone.localdate() - timedelta(days=30))
    erasure.erase_pupil(history.emma, actor=history.leadership, reason="pupil_request")
    flag = NeverFlagEvent.objects.get(pupil=history.noah)
    execute("DELETE FROM consent_neverflagevent WHERE id = %s", [flag.pk])
    [problem] = verify_rows().problems
    assert (problem.model, problem.pk, problem.kind) == (NeverFlagEvent, flag.pk, "removed")


# From before the digests.


def test_rows_from_before_the_digests_are_counted_not_failed(world, monkeypatch):
    monkeypatch.setattr(ConsentEvent, "audited_fields", ())  # how the code recorded before
    decide(world.parent, world.emma, {1: True, 2: False})
    monkeypatch.undo()
    decide(world.parent, world.emma, {3: True})
    report = verify_rows()
    assert (report.verified, report.unverifiable, report.problems) == (1, 2, [])
    assert "2 from before the row check cannot be verified" in verify_audit()


# At national size.


def test_it_streams_in_a_fixed_number_of_queries(history, monkeypatch):
    monkeypatch.setattr(rows, "CHUNK", 2)  # pages of two rows: every page boundary is crossed
    with CaptureQueriesContext(connection) as few:
        assert verify_rows().verified == 4
    for number in (3, 4, 6, 7, 8):
        decide(history.parent, history.emma, {number: True})
    late = ConsentEvent.objects.get(category_number=7)
    with CaptureQueriesContext(connection) as more:
        assert verify_rows().verified == 9
    assert len(more) == len(few)  # on PostgreSQL: server-side cursors, fetched in pages
    execute("UPDATE consent_consentevent SET given = %s WHERE id = %s", [False, late.pk])
    [problem] = verify_rows().problems
    assert problem.pk == late.pk


def test_a_value_given_in_another_type_is_digested_as_stored(world):
    """A yes that arrives as 1 is stored, and read back, as True: the digest follows."""
    answer(world.parent, ask(world), world.emma, 1)  # type: ignore[arg-type]
    assert RequestAnswer.objects.get().given is True
    assert verify_rows().verified == 1
