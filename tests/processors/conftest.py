import pytest


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the English source texts; the Dutch ones are checked elsewhere."""
    settings.LANGUAGE_CODE = "en"
