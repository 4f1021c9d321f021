"""Queueing outgoing mail. Only the worker sends (`mail.tasks.send_outgoing_mail`)."""

from django.db import transaction

from .models import OutgoingMail

# The worker takes higher priorities first: someone is waiting at the screen for a sign-in
# code, while a batch of reminders or invitations may take its time.
PRIORITY: dict[str, int] = {
    OutgoingMail.Kind.SIGN_IN_CODE: 50,
    OutgoingMail.Kind.REMINDER: -10,
    OutgoingMail.Kind.INVITATION: -10,
}


def queue_mail(
    to: str,
    subject: str,
    body: str,
    *,
    kind: str,
    recipient=None,
    pupil=None,
    school=None,
    sensitive: bool = False,
) -> OutgoingMail:
    """Store one outgoing mail and have the worker send it after the transaction commits.

    Why after the commit: a mail about a change that was rolled back must never go out, and
    the request must not wait for (or fail on) a mail server. The row is the log.
    """
    from .tasks import send_outgoing_mail

    mail = store_mail(
        to,
        subject,
        body,
        kind=kind,
        recipient=recipient,
        pupil=pupil,
        school=school,
        sensitive=sensitive,
    )
    task = send_outgoing_mail.using(priority=PRIORITY.get(kind, 0))
    transaction.on_commit(lambda: task.enqueue(mail.pk))
    return mail


def store_mail(
    to: str,
    subject: str,
    body: str,
    *,
    kind: str,
    recipient=None,
    pupil=None,
    school=None,
    sensitive: bool = False,
) -> OutgoingMail:
    """Store one outgoing mail without queueing it: for a task that sends it itself at once
    (`send_outgoing_mail.call(mail.pk)`), in its own transaction."""
    if kind not in OutgoingMail.Kind.values:
        raise ValueError(f"Unknown kind of mail: {kind!r}")
    return OutgoingMail.objects.create(
        kind=kind,
        to_address=to,
        subject=" ".join(subject.split())[:300],  # a header is one line
        body=body,
        recipient=recipient,
        pupil=pupil,
        school=school,
        sensitive=sensitive,
    )
