"""Reminders 24 and 48 hours after discovery: each sent once, to the register's keepers."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from consentry.breaches import services
from consentry.breaches.models import Breach
from consentry.breaches.tasks import send_breach_reminders
from consentry.jobs.models import Job
from consentry.mail.models import OutgoingMail
from tests.breaches.helpers import at, report

DISCOVERED = at(2026, 5, 1, 16, 0)  # a Friday


def reported(*args, **kwargs) -> Breach:
    """A reported breach, without the report's own mail: what is left are the reminders."""
    breach = report(*args, **kwargs)
    OutgoingMail.objects.all().delete()
    return breach


def reminder_mail():
    return OutgoingMail.objects.all()


def reminded_hours(breach: Breach) -> list[int]:
    return list(breach.reminders.values_list("hours", flat=True))


@pytest.fixture
def breach(world) -> Breach:
    return reported(world.school, DISCOVERED)


def test_reminders_at_24_and_48_hours_are_sent_once_each(breach, world):
    assert services.send_due_reminders(now=DISCOVERED + timedelta(hours=23, minutes=59)) == 0
    assert not reminder_mail().exists()

    day_one = DISCOVERED + timedelta(hours=24)
    assert services.send_due_reminders(now=day_one) == 1
    assert services.send_due_reminders(now=day_one + timedelta(hours=1)) == 0  # ran twice
    assert reminded_hours(breach) == [24]
    assert sorted(reminder_mail().values_list("to_address", flat=True)) == sorted(
        [world.leadership.email, world.privacy_officer.email]
    )

    day_two = DISCOVERED + timedelta(hours=48)  # Sunday: the weekend counts
    assert services.send_due_reminders(now=day_two) == 1
    assert services.send_due_reminders(now=day_two) == 0
    assert reminded_hours(breach) == [24, 48]
    assert reminder_mail().count() == 4
    assert not reminder_mail().filter(to_address=world.teacher.email).exists()
    assert not reminder_mail().filter(to_address=world.other_leadership.email).exists()


def test_a_late_check_sends_one_reminder_for_both_moments(breach):
    assert services.send_due_reminders(now=DISCOVERED + timedelta(hours=50)) == 1
    assert reminded_hours(breach) == [24, 48]
    assert reminder_mail().count() == 2  # one mail per keeper, not two
    assert "48" in reminder_mail().first().subject


def test_moments_before_the_report_reached_the_school_are_skipped(world):
    breach = reported(world.school, DISCOVERED, now=DISCOVERED + timedelta(hours=30))
    assert services.send_due_reminders(now=DISCOVERED + timedelta(hours=31)) == 0
    assert services.send_due_reminders(now=DISCOVERED + timedelta(hours=48)) == 1
    assert reminded_hours(breach) == [48]


def test_no_reminders_once_the_ap_decision_is_made(breach, world):
    services.record_authority_decision(
        breach, actor=world.leadership, notified_at=DISCOVERED + timedelta(hours=2)
    )
    assert services.send_due_reminders(now=DISCOVERED + timedelta(hours=60)) == 0
    assert not reminder_mail().exists()


def test_the_command_sends_what_is_due(world):
    breach = reported(world.school, timezone.now() - timedelta(hours=25))
    call_command("breach_reminders")
    call_command("breach_reminders")
    assert reminded_hours(breach) == [24]
    assert reminder_mail().count() == 2


def test_the_worker_task_sends_what_is_due_once(world):
    breach = reported(world.school, timezone.now() - timedelta(hours=49))
    assert send_breach_reminders.call(breach.pk) == 1
    assert send_breach_reminders.call(breach.pk) == 0
    assert reminded_hours(breach) == [24, 48]


def test_a_report_queues_a_job_for_each_reminder_moment(world, settings):
    settings.TASKS = {
        "default": {
            **settings.TASKS["default"],
            "BACKEND": "consentry.jobs.backend.DatabaseBackend",
        }
    }
    discovered = timezone.now() - timedelta(hours=1)
    breach = report(world.school, discovered, now=timezone.now())
    jobs = Job.objects.filter(task_path=send_breach_reminders.module_path).order_by("run_after")
    assert [(job.args, job.run_after) for job in jobs] == [
        ([breach.pk], discovered + timedelta(hours=24)),
        ([breach.pk], discovered + timedelta(hours=48)),
    ]
