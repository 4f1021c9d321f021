"""A school's retention page: the rules, what the next run destroys, who left and until when."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consentry.audit.models import AuditEntry
from consentry.retention import registry, rules
from consentry.retention.models import RetentionPolicy
from tests.retention.helpers import mark_left


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def url(world):
    return reverse("retention_overview", args=[world.school.pk])


def test_the_page_lists_who_left_and_until_when_their_record_is_kept(world, url, settings):
    settings.LANGUAGE_CODE = "en"
    mark_left(world.noah, date(2025, 6, 30))
    page = client_for(world.leadership).get(url).content.decode()
    assert "Noah Test" in page and "30 June 2027" in page
    assert "Emma Test" not in page  # still at school
    assert reverse("pupil_data", args=[world.noah.pk]) in page
    assert 'name="left_pupil_years"' not in page  # the leadership reads, the officer sets


def test_the_privacy_officer_sets_the_schools_period(world, url):
    response = client_for(world.privacy_officer).post(url, {"left_pupil_years": "5"})
    assert response.status_code == 302
    assert RetentionPolicy.objects.get(school=world.school).left_pupil_years == 5
    entry = AuditEntry.objects.get(action="retention.policy_changed")
    assert entry.data == {"left_pupil_years": 5}

    client_for(world.privacy_officer).post(url, {"left_pupil_years": ""})  # the default again
    assert RetentionPolicy.objects.get(school=world.school).left_pupil_years is None


@pytest.mark.parametrize("years", ["0", "21", "two"])
def test_a_period_that_cannot_be_right_is_refused(world, url, years):
    response = client_for(world.privacy_officer).post(url, {"left_pupil_years": years})
    assert response.status_code == 200
    assert not RetentionPolicy.objects.exists()


def test_the_leadership_cannot_change_the_period(world, url):
    response = client_for(world.leadership).post(url, {"left_pupil_years": "5"})
    assert response.status_code == 403
    assert not RetentionPolicy.objects.exists()


def test_bad_settings_are_reported_at_start_up(settings):
    from consentry.retention.checks import retention_periods

    assert retention_periods(None) == []
    settings.RETENTION_MAIL_DAYS = 3
    settings.RETENTION_LEFT_PUPIL_YEARS = 0
    assert {e.id for e in retention_periods(None)} == {"retention.E001", "retention.E002"}


def _left_three_years_ago(pupil):
    """Left three years ago: the default period (two years) ended a year ago."""
    today = timezone.localdate()
    mark_left(pupil, today.replace(year=today.year - 3, day=min(today.day, 28)))
    return rules.destroyed_after(pupil.left_on, 2)


def test_a_period_that_has_ended_is_not_shown_as_kept_until(world, url, settings):
    """The nightly run has not erased the record yet: the page says what happens next."""
    settings.LANGUAGE_CODE = "en"
    until = f"{_left_three_years_ago(world.noah):%-d %B %Y}"
    page = client_for(world.leadership).get(url).content.decode()
    assert f"The retention period ended on {until}: the record is erased" in page
    assert f"Kept until {until}" not in page
    pupil_page = client_for(world.leadership).get(reverse("pupil_data", args=[world.noah.pk]))
    assert f"ended on {until}: the record is erased in the next nightly run" in pupil_page.text
    assert "kept until" not in pupil_page.text.lower()


def test_a_period_still_running_says_until_when(world, url, settings):
    settings.LANGUAGE_CODE = "en"
    mark_left(world.noah, timezone.localdate())
    until = rules.destroyed_after(world.noah.left_on, 2)
    page = client_for(world.leadership).get(url).content.decode()
    assert f"Kept until {until:%-d %B %Y}, erased the day after." in page


def test_a_held_record_past_its_period_says_why_it_is_kept(world, url, settings, monkeypatch):
    settings.LANGUAGE_CODE = "en"
    held = "A research project still uses the data."
    monkeypatch.setattr(registry, "holds", lambda: [(lambda pupil: held, None)])
    until = f"{_left_three_years_ago(world.noah):%-d %B %Y}"
    page = client_for(world.leadership).get(url).content.decode()
    assert f"ended on {until}, but the record is kept for now. {held}" in page


def test_left_pupil_terms_read_the_schools_period_and_the_holds(world, monkeypatch):
    RetentionPolicy.objects.create(school=world.school, left_pupil_years=5)
    mark_left(world.noah, date(2020, 1, 10))
    mark_left(world.emma, date(2024, 1, 10))
    monkeypatch.setattr(
        registry, "holds", lambda: [(lambda p: "held" if p.pk == world.noah.pk else "", None)]
    )
    terms = rules.left_pupil_terms([world.emma, world.noah], today=date(2026, 1, 10))
    assert terms[world.emma.pk] == rules.LeftPupilTerm(date(2029, 1, 10), over=False)
    assert terms[world.noah.pk] == rules.LeftPupilTerm(date(2025, 1, 10), True, ("held",))
