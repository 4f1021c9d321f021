"""The daily agreement reminders, for the worker's schedule (`consentry.jobs.schedule`)."""

from django.tasks import task

from .services import send_agreement_reminders


@task()
def remind_of_agreements() -> int:
    """Remind the privacy officers of agreements nearing their review or end date; each
    deadline once, so running it twice sends nothing again. Returns how many were sent."""
    return len(send_agreement_reminders())
