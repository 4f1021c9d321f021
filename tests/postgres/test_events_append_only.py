"""On PostgreSQL the database refuses to change or remove the append-only decision rows
(consent events, never-flag events, answers to separate requests), as it does for the audit
log: only erasure may delete them, the rows of a pupil who left, through `erasing()`.

The models refuse save() and delete() of an existing row, but raw SQL and the ORM's bulk
update() and delete() never call those: the triggers of audit migration 0004 stop them.
"""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from consentry.adhoc.models import RequestAnswer
from consentry.adhoc.services import answer
from consentry.audit.rows import verify_rows
from consentry.audit.services import erasing
from consentry.consent.models import ConsentEvent, NeverFlagEvent
from consentry.consent.services import decide, set_never_flag
from consentry.retention import erasure, services
from tests.adhoc.helpers import ask
from tests.retention.helpers import mark_left

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres_only")]

REFUSED = "42501"  # insufficient_privilege, raised by the trigger
TABLES = ["consent_consentevent", "consent_neverflagevent", "adhoc_requestanswer"]
MODELS = [ConsentEvent, NeverFlagEvent, RequestAnswer]


@pytest.fixture
def history(world):
    decide(world.parent, world.emma, {1: True, 2: False})
    set_never_flag(world.leadership, world.emma, active=True, reason="Veiligheid")
    answer(world.parent, ask(world), world.emma, True)
    return world


def snapshot() -> list[list[tuple]]:
    return [list(model.objects.order_by("pk").values_list()) for model in MODELS]


def assert_refused(sql: str) -> None:
    # The savepoint of atomic() takes the error, so the test's own transaction survives.
    with (
        pytest.raises(DatabaseError, match="append-only") as refused,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert refused.value.__cause__.sqlstate == REFUSED


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize(
    "statement",
    ["UPDATE {table} SET recorded_at = recorded_at - interval '1 day'", "DELETE FROM {table}"],
    ids=["update", "delete"],
)
def test_raw_sql_cannot_change_or_remove_rows(history, table, statement):
    before = snapshot()
    assert_refused(statement.format(table=table))
    assert snapshot() == before


@pytest.mark.parametrize("table", TABLES)
def test_truncate_is_refused(history, table):
    before = snapshot()
    with connection.cursor() as cursor:  # the world's deferred foreign key checks, done now
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert_refused(f"TRUNCATE {table} CASCADE")
    assert snapshot() == before


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_the_orm_bulk_update_and_delete_are_refused(history, model):
    before = snapshot()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        model.objects.update(recorded_at=timezone.now())
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        model.objects.all().delete()
    assert snapshot() == before


def test_the_erasure_switch_does_not_let_anyone_update(history):
    mark_left(history.emma, timezone.localdate() - timedelta(days=30))
    with erasing():
        assert_refused("UPDATE consent_consentevent SET given = true")


def test_the_erasure_switch_deletes_only_the_rows_of_a_pupil_who_left(history):
    with erasing():
        assert_refused("DELETE FROM consent_consentevent")  # Emma is still at school
    mark_left(history.emma, timezone.localdate() - timedelta(days=30))
    with erasing():
        assert ConsentEvent.objects.all().delete()[0] == 2


def test_the_erasure_switch_is_off_after_its_block(history):
    mark_left(history.emma, timezone.localdate() - timedelta(days=30))
    with transaction.atomic():
        with erasing():
            pass
        assert_refused("DELETE FROM consent_consentevent")


def test_whoever_runs_any_sql_can_switch_it_on_and_verify_audit_names_the_loss(history):
    """Documented limit: the switch is a guard against mistakes, not against someone who runs
    any SQL as Consentry's role; verify_audit then names the removed rows."""
    mark_left(history.emma, timezone.localdate() - timedelta(days=30))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL consentry.erasure = 'on'")
        cursor.execute("DELETE FROM consent_neverflagevent")
    assert {problem.kind for problem in verify_rows().problems} == {"removed"}


def test_erasing_a_pupil_still_works(history):
    mark_left(history.emma, timezone.localdate() - timedelta(days=30))
    counts = erasure.erase_pupil(history.emma, actor=history.leadership, reason="pupil_request")
    assert (counts["consent.consentevent"], counts["consent.neverflagevent"]) == (2, 1)
    assert counts["adhoc.requestanswer"] == 1
    report = verify_rows()
    assert (report.problems, report.erased) == ([], 4)


def test_the_retention_job_still_erases_pupils_who_left(history):
    mark_left(history.emma, timezone.localdate() - timedelta(days=3 * 365))
    [run] = [r for r in services.run() if r.rule.name == "pupil.left"]
    assert run.error == ""
    assert run.counts["consent.consentevent"] == 2
    assert not ConsentEvent.objects.exists()
    assert verify_rows().problems == []
