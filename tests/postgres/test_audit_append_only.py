"""On PostgreSQL the database itself refuses to change or remove audit entries.

The model refuses too (save() and delete() on an existing entry), but raw SQL, the ORM's
bulk update() and delete(), and a TRUNCATE never call those methods: the triggers of
audit migration 0002 are what stops them.
"""

import pytest
from django.db import DatabaseError, connection, transaction

from consentry.audit.models import AuditEntry
from consentry.audit.services import record, verify_chain
from tests.world import make_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres_only")]

# 42501: the trigger raises insufficient_privilege.
REFUSED = "42501"

STATEMENTS = {
    "update": "UPDATE audit_auditentry SET action = 'tampered' WHERE sequence = 1",
    "update-all": "UPDATE audit_auditentry SET data = '{}'",
    "delete": "DELETE FROM audit_auditentry WHERE sequence = 1",
    "delete-all": "DELETE FROM audit_auditentry",
    "truncate": "TRUNCATE audit_auditentry",
}


@pytest.fixture
def chain():
    """The world's audit entries, as they were before the test tried anything."""
    make_world()
    entries = list(AuditEntry.objects.values_list("sequence", "entry_hash"))
    # A row trigger cannot refuse an UPDATE or DELETE that matches no rows.
    assert entries, "make_world() should have written audit entries"
    return entries


def assert_untouched(chain):
    assert list(AuditEntry.objects.values_list("sequence", "entry_hash")) == chain
    checked, problem = verify_chain()
    assert problem is None
    assert checked == len(chain)


@pytest.mark.parametrize("sql", STATEMENTS.values(), ids=STATEMENTS.keys())
def test_raw_sql_cannot_change_or_remove_entries(chain, sql):
    # The savepoint of atomic() takes the error, so the test's own transaction survives.
    with (
        pytest.raises(DatabaseError, match="append-only") as refused,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert refused.value.__cause__.sqlstate == REFUSED
    assert_untouched(chain)


def test_the_orm_bulk_update_is_refused(chain):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(sequence=1).update(action="tampered")
    assert_untouched(chain)


def test_the_orm_bulk_delete_is_refused(chain):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert_untouched(chain)


def test_appending_still_works(chain):
    record("test.appended")
    checked, problem = verify_chain()
    assert problem is None
    assert checked == len(chain) + 1
