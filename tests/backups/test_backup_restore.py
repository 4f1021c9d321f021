"""Backups that restore: the database, every private file and a manifest, restored into an
empty database and an empty storage with the same consent state and the same photos, still
decryptable with the same master key. On SQLite, and on PostgreSQL with DATABASE_URL (where
the audit log's triggers refuse UPDATE, DELETE and TRUNCATE).

The backups are made of the test database itself (committed data: transactional tests);
"an empty database" is that database with every table dropped.
"""

import base64
import json
import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from consentry.audit.models import AuditEntry
from consentry.audit.services import verify_chain
from consentry.backups import database
from consentry.backups.services import MASTER_KEY_NOTE
from consentry.consent.services import consent_overview, decide, set_never_flag
from consentry.photos.models import Face, Photo, Publication
from consentry.photos.publishing import publish, read_rendition
from consentry.photos.services import read_original
from consentry.schools.models import Pupil
from tests.files import read_stored, stored_files
from tests.photos.helpers import make_photo
from tests.processors.helpers import attach_document, make_agreement, make_processor

pytestmark = pytest.mark.usefixtures("audit_flushable")  # transactional tests, on PostgreSQL too


def backup(directory) -> str:
    out = StringIO()
    call_command("backup", str(directory), stdout=out)
    return out.getvalue()


def restore(directory, *options) -> str:
    out = StringIO()
    call_command("restore", str(directory), *options, stdout=out)
    return out.getvalue()


def overview() -> dict:
    return consent_overview(Pupil.objects.order_by("pk"))


@pytest.fixture
def emptied_database(transactional_db):
    """Call it to drop every table: a new, empty database as `consentry restore` wants one.
    Afterwards the tables are there again for the next test (migrated if the restore failed)."""

    def drop_every_table() -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            else:
                cursor.execute("PRAGMA foreign_keys = OFF")
                for table in database.tables():
                    cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
                cursor.execute("PRAGMA foreign_keys = ON")
        assert database.tables() == []

    yield drop_every_table
    if AuditEntry._meta.db_table not in database.tables():
        call_command("migrate", verbosity=0)


@pytest.fixture
def school_year(world):
    """Consent decided (a yes, a refusal, a never flag) and a photo of Emma, published."""
    for guardian in (world.parent, world.other_parent):
        decide(guardian, world.emma, {1: True, 2: True, 4: False})
    decide(world.another_parent, world.noah, {1: False, 2: True})
    set_never_flag(world.leadership, world.noah, active=True, reason="Safeguarding.")
    photo = make_photo(world)
    photo.faces.update(kind=Face.Kind.PUPIL, pupil=world.emma)
    publication = publish(photo, 2, "blur", actor=world.teacher)
    agreement = make_agreement(make_processor(world.board))
    attach_document(agreement)
    return photo, publication


def test_a_backup_restores_into_an_empty_database_and_storage(
    world, school_year, emptied_database, fresh_storage, tmp_path, settings
):
    photo, publication = school_year
    state, snapshot = overview(), publication.snapshot
    original, rendition = read_original(photo), read_rendition(publication)
    files = {name: read_stored(name) for name in stored_files()}
    assert len(files) == 3  # the original, the rendition, the signed agreement

    out = backup(tmp_path / "backup")

    assert MASTER_KEY_NOTE in out and "3 private files" in out
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["master_key"]["included"] is False
    assert {item["name"] for item in manifest["files"]} == set(files)
    assert manifest["database"]["tables"]["photos_photo"] == 1
    assert manifest["counts"]["files"] == 3
    everything = b"".join(p.read_bytes() for p in (tmp_path / "backup").rglob("*") if p.is_file())
    for key in (settings.MASTER_KEY, base64.b64encode(settings.MASTER_KEY)):
        assert key not in everything
    assert [p.name for p in tmp_path.iterdir()] == ["backup"]  # nothing incomplete left

    emptied_database()
    with pytest.raises(CommandError, match="The private storage is not empty"):
        restore(tmp_path / "backup")
    fresh_storage()
    damaged = tmp_path / "backup" / "files" / photo.storage_name
    good = damaged.read_bytes()
    damaged.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))
    with pytest.raises(CommandError, match=f"The backup is damaged: 1 file.*{photo.storage_name}"):
        restore(tmp_path / "backup")
    damaged.write_bytes(good)
    right_key, settings.MASTER_KEY = settings.MASTER_KEY, os.urandom(32)
    with pytest.raises(CommandError, match="need the master key with fingerprint"):
        restore(tmp_path / "backup")
    settings.MASTER_KEY = right_key
    assert database.tables() == [] and stored_files() == []  # no refusal changed anything

    out = restore(tmp_path / "backup")

    assert "restored the database" in out and "3 private files" in out
    assert "1 photos, 1 publications" in out and MASTER_KEY_NOTE in out
    assert overview() == state
    assert read_original(Photo.objects.get(pk=photo.pk)) == original
    restored = Publication.objects.get(pk=publication.pk)
    assert read_rendition(restored) == rendition and restored.snapshot == snapshot
    assert {name: read_stored(name) for name in stored_files()} == files
    checked, problem = verify_chain()
    assert problem is None and checked == AuditEntry.objects.count()
    assert AuditEntry.objects.latest("sequence").action == "backups.restored"
    if connection.vendor == "postgresql":  # the restored audit log is append-only again
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEntry.objects.update(action="changed")


def test_restore_refuses_a_database_that_has_tables(world, school_year, transactional_db, tmp_path):
    backup(tmp_path / "backup")
    events = AuditEntry.objects.count()
    with pytest.raises(CommandError, match=r"The database is not empty \(it has \d+ tables\)"):
        restore(tmp_path / "backup")
    assert AuditEntry.objects.count() == events


def test_a_backup_that_did_not_finish_is_never_taken_for_one(
    world, transactional_db, tmp_path, monkeypatch
):
    make_photo(world)

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("consentry.backups.services._write_synced", disk_full)  # the manifest
    with pytest.raises(OSError, match="No space left"):
        backup(tmp_path / "backup")
    assert list(tmp_path.iterdir()) == []  # neither the backup nor its incomplete remains

    (tmp_path / "copied-by-hand" / "files").mkdir(parents=True)
    with pytest.raises(CommandError, match="has no manifest.json, so it is not a complete"):
        restore(tmp_path / "copied-by-hand")


def test_a_backup_never_overwrites_a_directory(world, transactional_db, tmp_path):
    (tmp_path / "backup").mkdir()
    with pytest.raises(CommandError, match="already exists; a backup goes into a new directory"):
        backup(tmp_path / "backup")
