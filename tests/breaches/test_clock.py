"""The 72-hour clock: calendar hours from discovery, due soon, overdue, stopped by the AP
decision; and what closing an entry requires."""

from datetime import timedelta

import pytest

from consentry.audit.models import AuditEntry
from consentry.breaches import services
from consentry.breaches.models import Breach, ClockState
from tests.breaches.helpers import at, report

FRIDAY_AFTERNOON = at(2026, 5, 1, 16, 0)


@pytest.fixture
def breach(world) -> Breach:
    return report(world.school, FRIDAY_AFTERNOON)


def test_deadline_counts_the_weekend(breach):
    assert breach.deadline == at(2026, 5, 4, 16, 0)  # Monday, not Wednesday


def test_deadline_is_72_elapsed_hours_across_the_clock_change(world):
    """The clocks go forward on Sunday 29 March 2026: 72 hours end at 13:00 local time."""
    breach = report(world.school, at(2026, 3, 27, 12, 0))
    assert breach.deadline == at(2026, 3, 30, 13, 0)


@pytest.mark.parametrize(
    ("now", "state", "hours", "minutes"),
    [
        (at(2026, 5, 1, 16, 0), ClockState.RUNNING, 72, 0),
        (at(2026, 5, 3, 15, 0), ClockState.RUNNING, 25, 0),  # Sunday
        (at(2026, 5, 3, 16, 0), ClockState.DUE_SOON, 24, 0),
        (at(2026, 5, 4, 15, 59), ClockState.DUE_SOON, 0, 1),
        (at(2026, 5, 4, 16, 0), ClockState.OVERDUE, 0, 0),
        (at(2026, 5, 4, 19, 30), ClockState.OVERDUE, 3, 30),
    ],
)
def test_clock_counts_down_and_goes_overdue(breach, now, state, hours, minutes):
    clock = breach.clock(now)
    assert (clock.state, clock.hours, clock.minutes) == (state, hours, minutes)


def test_notifying_the_ap_stops_the_overdue_state(breach, world):
    late = at(2026, 5, 5, 9, 0)
    assert breach.clock(late).state is ClockState.OVERDUE
    services.record_authority_decision(
        breach, actor=world.privacy_officer, notified_at=late, ap_reference="M-123"
    )
    breach.refresh_from_db()
    assert breach.clock(late + timedelta(days=3)).state is ClockState.DECIDED
    assert breach.notified_late
    entry = AuditEntry.objects.get(action="breach.ap_notified")
    assert entry.data["late"] is True and entry.actor_id == world.privacy_officer.pk


def test_not_notifying_needs_a_risk_assessed_as_unlikely(breach, world):
    with pytest.raises(services.BreachError):
        services.record_authority_decision(
            breach, actor=world.leadership, not_needed_reason="Only names."
        )
    breach.refresh_from_db()
    assert not breach.ap_decided

    breach.risk = Breach.Risk.UNLIKELY
    breach.save()
    services.record_authority_decision(
        breach, actor=world.leadership, not_needed_reason="Only names."
    )
    breach.refresh_from_db()
    assert breach.clock(at(2026, 5, 9, 0, 0)).state is ClockState.DECIDED


def test_closing_requires_measures_and_the_ap_decision(breach, world):
    with pytest.raises(services.BreachError, match="measures"):
        services.close(breach, actor=world.leadership)
    breach.risk = Breach.Risk.RISK
    breach.ap_notified_at = at(2026, 5, 2, 10, 0)
    breach.save()
    with pytest.raises(services.BreachError, match="measures"):
        services.close(breach, actor=world.leadership)
    breach.refresh_from_db()
    assert breach.closed_at is None

    breach.measures = "Asked the recipients to delete the mail; checked it was deleted."
    breach.save()
    services.close(breach, actor=world.leadership, now=at(2026, 5, 6, 10, 0))
    breach.refresh_from_db()
    assert breach.clock(at(2026, 5, 7, 10, 0)).state is ClockState.CLOSED
    assert AuditEntry.objects.filter(action="breach.closed").count() == 1


def test_a_high_risk_cannot_be_closed_before_deciding_to_tell_the_people(breach, world):
    breach.risk = Breach.Risk.HIGH
    breach.measures = "Revoked the shared link."
    breach.ap_notified_at = at(2026, 5, 2, 10, 0)
    breach.save()
    with pytest.raises(services.BreachError, match="told"):
        services.close(breach, actor=world.leadership)
    breach.people_informed = Breach.Informed.YES
    breach.save()
    services.close(breach, actor=world.leadership)
