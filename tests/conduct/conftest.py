import pytest
from django.test import Client

from consentry.schools.models import StaffRole
from tests.world import make_user


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the English source texts; the Dutch ones are checked elsewhere."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def new_intern(world):
    """An intern at the world's school who has not acknowledged the rules yet."""
    user = make_user("new.intern@school.nl", "New intern")
    StaffRole.objects.create(
        user=user, board=world.board, school=world.school, role=StaffRole.Role.INTERN
    )
    return user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
