"""The private storage as a test sees it: through the storage API, so that a test says the
same of the local folder and of an S3 bucket (CONSENTRY_TEST_STORAGE=s3)."""

from consentry.processors.storage import all_files, private_storage


def stored_files(folder: str = "") -> list[str]:
    """The name of every file in the private storage (below `folder`), sorted."""
    return sorted(all_files(folder))


def read_stored(name: str) -> bytes:
    with private_storage.open(name, "rb") as handle:
        return handle.read()
