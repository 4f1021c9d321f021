"""Background work of the roster: inviting newly imported guardians by e-mail.

The worker may run a job twice (a lease that ran out, a retry), so the task takes primary
keys and checks `GuardianInvitation.sent_at` under a row lock before sending: an invitation
already sent is skipped. The mark is written in the same transaction as the send; only a
crash between handing the mail to the server and the commit could send one twice.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import GuardianInvitation

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def login_url() -> str:
    """The absolute address of the sign-in page, from CONSENTRY_BASE_URL."""
    base = getattr(settings, "CONSENTRY_BASE_URL", "") or DEFAULT_BASE_URL
    return base.rstrip("/") + reverse("login")


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
        send_mail(subject, body, None, [guardian.email])
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return True
