import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings

from tests.mail.smtp import SmtpServer
from tests.world import World, make_world


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture(scope="session", autouse=True)
def _session_data_dir_in_tmp(tmp_path_factory):
    """The same for what module-scoped fixtures store (the demo seed's files), which run
    before the per-test folder below is set."""
    with override_settings(DATA_DIR=tmp_path_factory.mktemp("session-data")):
        yield


@pytest.fixture(autouse=True)
def _data_dir_in_tmp(settings, tmp_path_factory):
    """Files a test stores (a signed agreement, an upload) go to a fresh folder, never var/."""
    settings.DATA_DIR = tmp_path_factory.mktemp("data")


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 (aiosmtpd); MAILERS points at it while the test runs."""
    server = SmtpServer().start()
    settings.MAILERS = server.mailers()
    yield server
    server.stop()


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


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Sign-in rate limits and used TOTP codes live in the cache: no test sees another's."""
    cache.clear()
    yield
