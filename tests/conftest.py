import pytest
from django.db import connection

from tests.world import World, make_world


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://... (as .ci/run does)")


@pytest.fixture
def audit_flushable(transactional_db):
    """Let the test database be emptied after a transactional test on PostgreSQL.

    The audit log refuses TRUNCATE; pytest-django empties tables with it after each
    transactional test. As the test superuser we switch triggers off for that one flush.
    """
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")


@pytest.fixture(autouse=True)
def _triggers_on(django_db_blocker):
    """Undo audit_flushable's switch on a reused connection: every test starts protected."""
    if connection.vendor == "postgresql" and connection.connection is not None:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")
    yield
