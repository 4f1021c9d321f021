import pytest

from consentry.retention import registry


@pytest.fixture(autouse=True)
def _registry_restored():
    """A test may plug its own rule, hold or file source in; the next test sees none of it."""
    saved = (
        dict(registry._rules),
        list(registry._holds),
        list(registry._erasers),
        dict(registry._sections),
        list(registry._files),
    )
    yield
    registry._rules.clear()
    registry._rules.update(saved[0])
    registry._holds[:] = saved[1]
    registry._erasers[:] = saved[2]
    registry._sections.clear()
    registry._sections.update(saved[3])
    registry._files[:] = saved[4]
