"""A school's retention page: the rules, what the next run destroys, who left and until when."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from consentry.audit.models import AuditEntry
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
