from django.utils import timezone

from consentry.breaches.demo import seed
from consentry.breaches.models import ClockState


def test_the_demo_has_a_breach_due_soon_and_a_closed_one(world):
    due, closed = seed(world.school, keeper=world.privacy_officer)
    now = timezone.now()
    assert due.clock(now).state is ClockState.DUE_SOON
    assert sorted(due.reminders.values_list("hours", flat=True)) == [24, 48]  # one mail for both
    assert closed.clock(now).state is ClockState.CLOSED
