"""Fixtures for the consent tests: pupils just below and just at 16."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consentry.schools.models import Pupil
from tests.world import make_pupil

from .helpers import years_before


@pytest.fixture
def sixteen(world) -> Pupil:
    """A pupil of Emma's school who turned 16 today, with `parent` as guardian."""
    pupil = make_pupil(
        world.school,
        world.group,
        "1601",
        "Sanne",
        date_of_birth=years_before(timezone.localdate(), 16),
    )
    pupil.guardianships.create(guardian=world.parent, has_parental_authority=True)
    return pupil


@pytest.fixture
def fifteen(world) -> Pupil:
    """A pupil who turns 16 tomorrow, with `parent` as guardian."""
    pupil = make_pupil(
        world.school,
        world.group,
        "1501",
        "Finn",
        date_of_birth=years_before(timezone.localdate() + timedelta(days=1), 16),
    )
    pupil.guardianships.create(guardian=world.parent, has_parental_authority=True)
    return pupil
