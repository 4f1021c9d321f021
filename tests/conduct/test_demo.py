"""The demo shows the gate: rules in force, the photographer's signed sheet, and the intern
Tim Jansen, whose one-click sign-in lands on the acknowledgement."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from consentry.accounts.models import User
from consentry.conduct.models import Acknowledgement, PrivacyRules
from consentry.conduct.services import needs_acknowledgement
from consentry.demo.personas import PERSONA_EMAILS
from consentry.schools.models import School


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module and roll it back afterwards (as tests/demo does)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def school(seeded, db) -> School:
    return School.objects.get(brin="12AB")


def test_the_rules_of_2026_are_in_force_in_dutch_and_english(school):
    rules = PrivacyRules.objects.current_for(school)
    assert rules.label == "Gedragsregels privacy 2026"
    assert "eigen telefoon" in rules.text_nl and "datalek" in rules.text_nl
    assert "own phone" in rules.text_en and "data breach" in rules.text_en


def test_the_photographer_signed_on_paper(school):
    ack = Acknowledgement.objects.get(school=school)
    assert (ack.role, ack.channel, ack.user) == ("photographer", "paper", None)
    assert ack.covers(timezone.localdate())


def test_the_intern_persona_signs_in_to_the_acknowledgement(school, settings):
    intern = User.objects.get(email=PERSONA_EMAILS["intern"])
    assert intern.full_name == "Tim Jansen"
    assert needs_acknowledgement(intern, timezone.localdate())

    settings.DEMO_MODE = True
    client = Client()
    response = client.post("/demo/login/", {"persona": "intern"}, follow=True)
    assert response.redirect_chain[-1][0] == "/conduct/acknowledge/"
    assert "Gedragsregels privacy 2026" in response.text
