import pytest


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    """Material goes to a fresh DATA_DIR per test, never to var/."""
    settings.DATA_DIR = tmp_path
    return tmp_path / "private"


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the English source texts; the Dutch ones are checked elsewhere."""
    settings.LANGUAGE_CODE = "en"
