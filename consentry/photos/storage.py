"""Where encrypted photos are kept: photos/ in the private storage (processors/storage.py:
DATA_DIR/private or an S3 bucket), through Django's storage API.

The private storage (shared with the processors' agreements) refuses to make URLs; files
are read only by access-checked views. Names are random, so the uploaded name (kept on the
row) never reaches the disk. `orphan_files` and `missing_files` compare files and rows, for
the rare crash between writing a file and committing its row.
"""

import uuid

from django.core.files.storage import Storage

from consentry.processors.storage import files_in, get_private_storage

FOLDER = "photos"


def storage() -> Storage:
    return get_private_storage()


def new_name() -> str:
    return f"{FOLDER}/{uuid.uuid4().hex}.bin"


def stored_names() -> set[str]:
    """Every file in the photo folder, as storage names."""
    return set(files_in(FOLDER))


def orphan_files() -> set[str]:
    """Files without a row: left by a crash between writing the file and the commit."""
    from .models import Photo

    return stored_names() - set(Photo.objects.values_list("storage_name", flat=True))


def missing_files() -> set[str]:
    """Rows whose file is gone (should never happen: the file is written first). A row whose
    key was wiped (retention destroyed the original, photos/retention.py) has no file."""
    from .models import Photo

    live = Photo.objects.exclude(wrapped_key=b"")
    return set(live.values_list("storage_name", flat=True)) - stored_names()
