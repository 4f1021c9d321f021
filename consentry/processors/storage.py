"""The private storage: photos, renditions, signed agreements, research material and request
previews, through Django's storage API and never behind a URL.

Which backend holds the files is decided in one place, `settings.STORAGES["private"]`
(CONSENTRY_STORAGE): `PrivateStorage`, a folder under DATA_DIR (the default), or
`PrivateS3Storage`, a bucket of an S3-compatible object store, when several machines share
the files. Both refuse to make a URL: the only way to read a file is an access-checked view.
What must stay secret even from whoever runs the store is encrypted before the storage sees
it (photos/crypto.py). Every app reaches the storage through `private_storage` (FileFields
through `get_private_storage`); the folder is read from settings on every use, so tests (and
an operator who moves DATA_DIR) get the place the settings say.
"""

import logging
import os
import posixpath
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import cast

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from storages.backends.s3 import S3Storage

logger = logging.getLogger(__name__)

PRIVATE_FOLDER = "private"
PROBE_FOLDER = "healthz"  # check_storage's probes: never data, never in a backup


class _NoUrls:
    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no URL; serve them through an access-checked view.")


class PrivateStorage(_NoUrls, FileSystemStorage):
    """DATA_DIR/private on this machine's disk."""

    def __init__(self) -> None:
        # Only the server's own account may read the files.
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @property  # type: ignore[override]
    def base_location(self) -> Path:
        return Path(settings.DATA_DIR) / PRIVATE_FOLDER

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)


class PrivateS3Storage(_NoUrls, S3Storage):
    """A bucket of an S3-compatible store (settings.py passes endpoint, bucket and keys).

    What keeps it private is fixed here, not left to settings: no ACL is ever sent, so every
    object stays the bucket owner's (the bucket itself must not be public); a name in use is
    never overwritten (as in the folder); paths, not bucket host names, which every
    S3-compatible store understands; a file larger than 8 MiB is spooled to a temporary file
    when read, not held in memory (research videos).
    """

    default_acl = None
    file_overwrite = False
    addressing_style = "path"
    max_memory_size = 8 * 1024 * 1024


class _PrivateStorageProxy(LazyObject):
    """settings.STORAGES["private"], looked up on first use, like Django's default_storage:
    the FileFields are made when the models are imported, before anyone reads a file."""

    def _setup(self) -> None:
        self._wrapped = storages["private"]


private_storage = cast(Storage, _PrivateStorageProxy())


@receiver(setting_changed)
def _forget_private_storage(*, setting: str, **kwargs) -> None:
    """Tests point STORAGES elsewhere; Django then forgets its storages, and so do we."""
    if setting == "STORAGES":
        cast(LazyObject, private_storage)._wrapped = empty


def get_private_storage() -> Storage:
    return private_storage


def agreement_path(instance, filename: str) -> str:
    """A random name: the uploaded name (kept in `document_name`) never reaches the disk."""
    return f"agreements/{uuid.uuid4().hex}.pdf"


def files_in(folder: str) -> list[str]:
    """The names of the files directly in `folder`; none if there is no such folder.

    Ask this rather than `exists(folder)`: in a bucket a folder is only the common start of
    some names, and `exists` of it is always false.
    """
    try:
        _folders, files = private_storage.listdir(folder)
    except FileNotFoundError:  # the local folder was never made
        return []
    return [posixpath.join(folder, name) for name in files]


def all_files(folder: str = "") -> Iterator[str]:
    """Every file in the private storage (below `folder`), in a stable order, without
    check_storage's probes. For backups, and to see that a storage is empty."""
    try:
        folders, files = private_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield posixpath.join(folder, name)
    for name in sorted(folders):
        if folder or name != PROBE_FOLDER:
            yield from all_files(posixpath.join(folder, name))


def check_storage() -> str | None:
    """Write, read back and delete a tiny probe: None when the private storage works,
    otherwise a short reason (for /healthz; the details go to the log, not to the world).

    Why a real write: a store that answers but refuses writes (a full disk, a revoked key,
    a deleted bucket) fails the first upload, not a mere listing.
    """
    probe = os.urandom(16)
    try:
        name = private_storage.save(f"{PROBE_FOLDER}/{uuid.uuid4().hex}", ContentFile(probe))
        try:
            with private_storage.open(name, "rb") as handle:
                read_back = handle.read()
        finally:
            private_storage.delete(name)
    except Exception as error:  # whatever it is, the answer is "not healthy"
        logger.warning("The private storage failed its probe.", exc_info=True)
        if isinstance(error, ClientError):  # the store's own code: NoSuchBucket, AccessDenied
            return f"{type(error).__name__} {error.response.get('Error', {}).get('Code', '')}"
        return type(error).__name__
    return None if read_back == probe else "the probe read back differently"
