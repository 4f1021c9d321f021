"""Where signed processor agreements are kept: a private folder under DATA_DIR, never a URL.

A signed agreement names people and may be confidential. It lives outside STATIC and MEDIA,
its storage refuses to make a URL, and the only way to read it is the access-checked view
`agreement_document`. The folder is read from settings on every use, so tests (and an
operator who moves DATA_DIR) get the place the settings say.
"""

import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage

PRIVATE_FOLDER = "private"


class PrivateStorage(FileSystemStorage):
    def __init__(self) -> None:
        # Only the server's own account may read the files.
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @property  # type: ignore[override]
    def base_location(self) -> Path:
        return Path(settings.DATA_DIR) / PRIVATE_FOLDER

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no URL; serve them through an access-checked view.")


private_storage = PrivateStorage()


def get_private_storage() -> PrivateStorage:
    return private_storage


def agreement_path(instance, filename: str) -> str:
    """A random name: the uploaded name (kept in `document_name`) never reaches the disk."""
    return f"agreements/{uuid.uuid4().hex}.pdf"
