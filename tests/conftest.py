import os

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings

from tests.mail.smtp import SmtpServer
from tests.seaweedfs import SeaweedFS
from tests.world import World, make_world

# CONSENTRY_TEST_STORAGE=s3: every test's private files go to a real S3 server (SeaweedFS)
# instead of a local folder (.ci/run runs the tests that store files this way too).
TEST_STORAGE = os.environ.get("CONSENTRY_TEST_STORAGE", "local")
if TEST_STORAGE not in ("local", "s3"):
    raise pytest.UsageError(f"CONSENTRY_TEST_STORAGE must be local or s3, not {TEST_STORAGE!r}")


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture(scope="session", autouse=True)
def _session_data_dir_in_tmp(tmp_path_factory):
    """The same for what module-scoped fixtures store (the demo seed's files), which run
    before the per-test folder below is set."""
    with override_settings(DATA_DIR=tmp_path_factory.mktemp("session-data")):
        yield


@pytest.fixture
def fresh_storage(request, settings, tmp_path_factory):
    """Call it to point the private storage at a fresh, empty place: a new DATA_DIR, and with
    CONSENTRY_TEST_STORAGE=s3 a new place in the real S3 server."""

    def point_at_a_fresh_place() -> None:
        settings.DATA_DIR = tmp_path_factory.mktemp("data")
        if TEST_STORAGE == "s3":
            seaweedfs = request.getfixturevalue("seaweedfs")
            settings.STORAGES = {**settings.STORAGES, "private": seaweedfs.storage_setting()}

    return point_at_a_fresh_place


@pytest.fixture(autouse=True)
def _data_dir_in_tmp(fresh_storage):
    """Files a test stores (a signed agreement, an upload) go to a fresh folder, never var/
    (or to a fresh place in the S3 server)."""
    fresh_storage()


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    """A real S3 server on 127.0.0.1 (SeaweedFS), started once for the session."""
    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs")).start()
    yield server
    server.stop()


@pytest.fixture
def s3_storage(settings, seaweedfs) -> SeaweedFS:
    """The private storage in a fresh, empty place of the S3 server, for this test."""
    settings.STORAGES = {**settings.STORAGES, "private": seaweedfs.storage_setting()}
    return seaweedfs


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
