"""Background work of separate consent requests: the reminder before the deadline.

When a request is sent, a job is queued for the reminder moment (two days before answers
close); the worker runs it then (`run_after`). The job takes the request's id and sends at
most once (`notices.send_reminder`), so running it twice is safe.
"""

from datetime import datetime, timedelta

from django.tasks import task

from . import notices
from .models import ConsentRequest

REMINDER_BEFORE = timedelta(days=2)


@task()
def remind_request(request_id: int) -> int:
    """Send the reminder of this request if it is still open; the number of mails."""
    return notices.send_reminder(request_id)


def on_request_opened(sender, *, consent_request: ConsentRequest, now: datetime, **kwargs) -> None:
    """Connected in apps.py: a sent request mails its guardians and plans the reminder."""
    notices.announce(consent_request, now)
    schedule_reminder(consent_request, now)


def schedule_reminder(consent_request: ConsentRequest, now: datetime) -> None:
    """Queue the reminder job, when the tasks backend can defer (ours can; the immediate
    backend of the tests cannot) and the moment is still ahead."""
    if not remind_request.get_backend().supports_defer:
        return
    moment = consent_request.closes_at - REMINDER_BEFORE
    if moment > now:
        remind_request.using(run_after=moment).enqueue(consent_request.pk)
