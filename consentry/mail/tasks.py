"""Background work of mail: sending one queued mail, and the leadership's reminders.

The worker may run a job twice (a lease that ran out, a retry), so each task takes primary
keys and looks at the row under a lock first: a mail already sent is skipped. The mark is
written in the same transaction as the send; only a crash between handing the mail to the
server and the commit could send one twice.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from consentry.accounts.models import User
from consentry.schools import access
from consentry.schools.models import School

from .models import OutgoingMail
from .reminders import queue_reminder, reminder_plan


class SendFailed(Exception):
    """The mail server refused or could not be reached; the worker retries the job."""


@task(queue_name="mail")
def send_outgoing_mail(mail_id: int) -> bool:
    """Send one queued mail through the default mailer; True when it was sent now.

    The mail server is talked to outside any transaction: on SQLite a transaction holds the
    database's write lock, and a slow server must not make a guardian's save wait or fail.
    So the attempt is counted first, the mail sent, and the outcome recorded after.
    """
    with transaction.atomic():
        mail = (
            OutgoingMail.objects.select_for_update()
            .filter(pk=mail_id, status=OutgoingMail.Status.QUEUED)
            .first()
        )
        if mail is None:
            return False  # already sent, given up on, or gone
        mail.attempts += 1
        mail.save(update_fields=["attempts"])
    error = None
    try:
        EmailMessage(mail.subject, mail.body, None, [mail.to_address]).send()
    except Exception as exc:  # any failure of the mailer: record it, let the worker retry
        error = exc
    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update().get(pk=mail_id)
        if error is None:
            mail.status = OutgoingMail.Status.SENT
            mail.sent_at = timezone.now()
            mail.last_error = ""
        else:
            mail.last_error = f"{type(error).__name__}: {error}"[:2000]
            if mail.attempts >= settings.JOB_MAX_ATTEMPTS:
                mail.status = OutgoingMail.Status.FAILED
        if mail.sensitive and mail.status != OutgoingMail.Status.QUEUED:
            mail.body = ""  # sent or given up on: a sign-in code is kept no longer than needed
        mail.save()
    if error is not None:
        raise SendFailed(mail.last_error) from error
    return True


@task()
def send_reminders(school_id: int, actor_id: int) -> int:
    """Queue this week's reminders for a school; return how many were queued now.

    The reminders page runs it in its own request (`.call`), so that the page it comes back
    to lists what was queued; every mail is then sent by the worker. The school row is
    locked, so two runs (a double click, a retried job) take turns: the second finds every
    guardian reminded already and queues nothing. Someone who no longer leads the school
    cannot have reminders sent.
    """
    with transaction.atomic():
        school = School.objects.select_for_update().get(pk=school_id)
        actor = User.objects.get(pk=actor_id)
        if not access.leads_school(actor, school):
            return 0
        plan = reminder_plan(school)
        for user, pupils in plan.due.items():
            queue_reminder(user, pupils, school)
    return len(plan.due)
