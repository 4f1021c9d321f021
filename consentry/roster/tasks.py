"""Background work of the roster: inviting newly imported guardians by e-mail.

The worker may run a job twice (a lease that ran out, a retry), so the task takes primary
keys and checks `GuardianInvitation.sent_at` under a row lock before sending: an invitation
already sent is skipped. The mail is logged as an `OutgoingMail` and sent at once, here in the
worker; the mark is written in the same transaction as the send, so only a crash between
handing the mail to the server and the commit could send one twice.
"""

from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation

from consentry.mail.links import sign_in_url
from consentry.mail.models import OutgoingMail
from consentry.mail.services import store_mail
from consentry.mail.tasks import send_outgoing_mail

from .models import GuardianInvitation


def login_url() -> str:
    """The absolute address of the sign-in page, from CONSENTRY_BASE_URL."""
    return sign_in_url()


@task()
def send_invitations(invitation_ids: list[int]) -> int:
    """Send the invitations not sent yet; return how many were sent now."""
    return sum(send_invitation(pk) for pk in invitation_ids)


def send_invitation(invitation_id: int) -> bool:
    with transaction.atomic():
        invitation = (
            GuardianInvitation.objects.select_for_update()
            .select_related("guardian", "school")
            .filter(pk=invitation_id, sent_at__isnull=True)
            .first()
        )
        if invitation is None:
            return False
        guardian = invitation.guardian
        context = {"guardian": guardian, "school": invitation.school, "login_url": login_url()}
        with translation.override(guardian.preferred_language):
            subject = render_to_string("roster/email/invitation_subject.txt", context).strip()
            body = render_to_string("roster/email/invitation.txt", context)
        mail = store_mail(
            guardian.email,
            subject,
            body,
            kind=OutgoingMail.Kind.INVITATION,
            recipient=guardian,
            school=invitation.school,
        )
        send_outgoing_mail.call(mail.pk)  # raises when the server refuses: all rolls back
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return True


@task()
def tell_pupils_who_turned_16() -> int:
    """Daily: pupils with an account who turned 16 hear that they now decide themselves."""
    from .pupil_accounts import tell_those_who_turned_16

    return tell_those_who_turned_16()
