"""`consentry backup DIR` and `consentry restore DIR`: the database, every private file
(through the storage API, so a local folder and an S3 bucket alike), and a manifest with
their sha256 checksums and counts.

Why the master key is not in it: a backup is copied, carried off site and kept for years,
and whoever holds one together with the key holds every child's photo. So the key is kept
apart (the manifest says so, and names the key it needs by its fingerprint); without it the
photos in a backup are gone, by design.

Why a crash never leaves something that looks complete: a backup is written into
DIR.incomplete-XXXX next to DIR, each file synced to disk, the manifest last, and only then
renamed to DIR. The database is copied before the files: a file is always written before
its row commits, so every row in the copy finds its file (unless it was destroyed in between,
and then it stays destroyed). A restore checks the whole backup before it changes anything,
writes the files, then the database (one transaction); when that fails, it removes the files
it wrote, so both are empty again for the next try.
"""

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.utils import timezone

from consentry.audit.models import AuditEntry
from consentry.audit.services import record
from consentry.consent.models import ConsentEvent
from consentry.photos import crypto
from consentry.photos.models import Photo, Publication
from consentry.processors.storage import all_files, private_storage
from consentry.schools.models import Pupil

from . import database
from .database import BackupError

FORMAT = "consentry backup 1"
MANIFEST = "manifest.json"
FILES = "files"
MASTER_KEY_NOTE = (
    "CONSENTRY_MASTER_KEY is deliberately not in this backup. Keep it apart from the backup, "
    "safely: without it the photos in this backup cannot be decrypted, by design."
)
# What a restore reports besides the totals, by table.
HIGHLIGHTS = {
    "pupils": Pupil,
    "consent decisions": ConsentEvent,
    "photos": Photo,
    "publications": Publication,
    "audit entries": AuditEntry,
}


@dataclass(frozen=True)
class Summary:
    manifest: dict

    @property
    def master_key_fingerprint(self) -> str:
        return self.manifest["master_key"]["fingerprint"]

    def describe(self) -> str:
        tables, counts = self.manifest["database"]["tables"], self.manifest["counts"]
        highlights = ", ".join(
            f"{tables.get(model._meta.db_table, 0)} {label}" for label, model in HIGHLIGHTS.items()
        )
        return (
            f"the database ({self.manifest['database']['vendor']}, {counts['tables']} tables, "
            f"{counts['rows']} rows: {highlights}) and {counts['files']} private files "
            f"({counts['file bytes'] / 1e6:.1f} MB)"
        )


def make_backup(target: Path) -> Summary:
    target = target.absolute()
    if target.exists():
        raise BackupError(f"{target} already exists; a backup goes into a new directory.")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a directory.")
    work = Path(tempfile.mkdtemp(prefix=f"{target.name}.incomplete-", dir=target.parent))
    try:
        manifest = _write_backup(work)
        work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _sync(target.parent)
    return Summary(manifest)


def restore_backup(source: Path, *, ignore_master_key: bool = False) -> Summary:
    manifest = read_manifest(source)
    _check_target(manifest, ignore_master_key)
    verify(source, manifest)
    written: list[str] = []
    try:
        for item in manifest["files"]:
            with open(_in_files(source, item), "rb") as handle:
                written.append(private_storage.save(item["name"], File(handle)))
            if written[-1] != item["name"]:
                raise BackupError(f"{item['name']} was stored as {written[-1]}.")
        database.restore(source / manifest["database"]["file"])
    except BaseException:
        for name in written:  # so that the next try finds an empty storage again
            private_storage.delete(name)
        raise
    _check_counts(manifest["database"]["tables"])
    data = {"made_at": manifest["made_at"], "files": len(written)}
    record("backups.restored", actor="command line", data=data)
    return Summary(manifest)


def read_manifest(source: Path) -> dict:
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(
            f"{source} has no {MANIFEST}, so it is not a complete backup (the manifest is "
            "written last; a backup cut off by a crash is left as NAME.incomplete-...)."
        )
    try:
        manifest = json.loads(path.read_text())
    except ValueError:
        raise BackupError(f"{path} is damaged: it is not JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not the manifest of a Consentry backup ({FORMAT}).")
    if manifest["database"]["file"] not in database.FILE_NAMES.values():
        raise BackupError(f"{path} names an unknown database file.")
    return manifest


def verify(source: Path, manifest: dict) -> None:
    """Every file the manifest names is there, with its size and checksum."""
    db = manifest["database"]
    expected = [(source / db["file"], db), *((_in_files(source, i), i) for i in manifest["files"])]
    damaged = [
        path.relative_to(source).as_posix()
        for path, item in expected
        if not path.is_file() or _checksum(path) != (item["sha256"], item["bytes"])
    ]
    if damaged:
        raise BackupError(
            f"The backup is damaged: {len(damaged)} file(s) missing or not matching their "
            f"checksum: {', '.join(damaged[:10])}{' ...' if len(damaged) > 10 else ''}"
        )


def _write_backup(work: Path) -> dict:
    made_at = timezone.now()
    vendor = database.vendor()
    db_file = work / database.FILE_NAMES[vendor]
    tables = database.dump(db_file)  # first: see the module's docstring
    db_sha256, db_bytes = _checksum(db_file)
    _sync(db_file)
    manifest = {
        "format": FORMAT,
        "made_at": made_at.isoformat(),
        "master_key": {
            "included": False,
            "note": MASTER_KEY_NOTE,
            "fingerprint": crypto.fingerprint(settings.MASTER_KEY),
        },
        "database": {
            "vendor": vendor,
            "file": db_file.name,
            "sha256": db_sha256,
            "bytes": db_bytes,
            "tables": tables,
        },
        "files": (files := _copy_files(work)),
        "counts": {
            "tables": len(tables),
            "rows": sum(tables.values()),
            "files": len(files),
            "file bytes": sum(item["bytes"] for item in files),
        },
    }
    _write_synced(work / MANIFEST, json.dumps(manifest, indent=1).encode())
    return manifest


def _copy_files(work: Path) -> list[dict]:
    copied = []
    for name in all_files():
        target = _in_files(work, {"name": name})
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with private_storage.open(name, "rb") as source, open(target, "wb") as out:
                digest = hashlib.sha256()
                for chunk in source.chunks():
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except FileNotFoundError:  # destroyed since it was listed: rightly not in the backup
            continue
        copied.append({"name": name, "sha256": digest.hexdigest(), "bytes": target.stat().st_size})
    return copied


def _check_target(manifest: dict, ignore_master_key: bool) -> None:
    vendor = database.vendor()
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(
            f"This backup is of a {manifest['database']['vendor']} database; DATABASE_URL "
            f"points at {vendor}."
        )
    if tables := database.tables():
        raise BackupError(
            f"The database is not empty (it has {len(tables)} tables). Restore only into a new, "
            "empty database: create one, point DATABASE_URL at it, and do not run "
            "`consentry migrate` before the restore (the backup brings the tables)."
        )
    if next(all_files(), None) is not None:
        raise BackupError(
            "The private storage is not empty. Restore only into an empty one: a new "
            "DATA_DIR/private folder, or an empty bucket (CONSENTRY_S3_BUCKET)."
        )
    needed, current = manifest["master_key"]["fingerprint"], crypto.fingerprint(settings.MASTER_KEY)
    if needed != current and not ignore_master_key:
        raise BackupError(
            f"The photos in this backup need the master key with fingerprint {needed}; "
            f"CONSENTRY_MASTER_KEY here is {current}. Set the key the backup was made under "
            "(after a rotation, the old one), or pass --ignore-master-key to restore "
            "everything else, without photos that can be read."
        )


def _check_counts(expected: dict[str, int]) -> None:
    restored = database.row_counts()
    differ = sorted(
        t for t in expected.keys() | restored.keys() if expected.get(t) != restored.get(t)
    )
    if differ:
        raise BackupError(
            f"The database was restored, but {len(differ)} table(s) do not have the rows the "
            f"manifest counts: {', '.join(differ[:10])}. Do not use it; restore again into a "
            "new, empty database."
        )


def _in_files(root: Path, item: dict) -> Path:
    """Where a file of the manifest lies in the backup; never outside it."""
    name = PurePosixPath(item["name"])
    if name.is_absolute() or ".." in name.parts or "\\" in item["name"]:
        raise BackupError(f"The manifest names a file outside the backup: {item['name']!r}.")
    return root / FILES / name


def _checksum(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _write_synced(path: Path, content: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def _sync(path: Path) -> None:
    """Make what was written to `path` (a file, or a folder's entries) survive a crash."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
