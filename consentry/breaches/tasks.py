"""Background work of the breach register: the reminders 24 and 48 hours after discovery.

Two ways make sure the reminders go out, and running both is safe (each reminder is sent
once, see `services.send_due_reminders`):

- when a breach is reported (or its discovery moment corrected), a job is queued for each
  reminder moment; the worker runs it then (`run_after`), so the demo needs no scheduler;
- `send_all_breach_reminders` checks every open breach every hour (the worker's schedule,
  `consentry.jobs.schedule`; `consentry breach_reminders` does the same by hand), the safety
  net for jobs lost or moments moved.
"""

from datetime import datetime, timedelta

from django.tasks import task

from . import services
from .models import REMINDER_HOURS, Breach


@task()
def send_breach_reminders(breach_id: int) -> int:
    """Send the reminders for this breach that are due now; 1 when one was sent."""
    return services.send_due_reminders(breach_ids=[breach_id])


@task()
def send_all_breach_reminders() -> int:
    """The hourly safety net: every reminder of every open breach that is due now."""
    return services.send_due_reminders()


def schedule_reminders(breach: Breach, now: datetime) -> None:
    """Queue a job at each reminder moment still ahead, when the tasks backend can defer
    (ours can; the immediate backend of the tests cannot, and the hourly command covers)."""
    if not send_breach_reminders.get_backend().supports_defer:
        return
    for hours in REMINDER_HOURS:
        moment = breach.after_discovery(timedelta(hours=hours))
        if moment > now:
            send_breach_reminders.using(run_after=moment).enqueue(breach.pk)
