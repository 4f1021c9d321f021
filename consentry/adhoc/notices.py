"""Mail about separate consent requests: the announcement when a request is sent, and one
reminder before the deadline to those who decide for a pupil nobody has answered for yet.

Who gets mail is who decides (`services.decider_for`): below 16 every active guardian with
parental authority, from 16 the pupil's own account. Each person gets one mail that lists
their children the request is about, in their own language. Mail is queued in the caller's
transaction (`mail.services.queue_mail`) and sent by the worker after the commit.
"""

from collections import defaultdict
from datetime import date, datetime

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from consentry.accounts.models import User
from consentry.consent.services import State
from consentry.mail.links import absolute_url
from consentry.mail.models import OutgoingMail
from consentry.mail.services import queue_mail
from consentry.schools.models import Guardianship, Pupil

from .models import ConsentRequest
from .services import outcomes


def deciders(pupils: list[Pupil], day: date) -> dict[User, list[Pupil]]:
    """Per person who decides for some of these pupils: those pupils."""
    result: dict[User, list[Pupil]] = defaultdict(list)
    by_guardians: dict[int, Pupil] = {}
    for pupil in pupils:
        if not pupil.decides_for_self(day):
            by_guardians[pupil.pk] = pupil
        elif pupil.account is not None and pupil.account.is_active:
            result[pupil.account].append(pupil)
    for guardianship in (
        Guardianship.objects.filter(
            pupil_id__in=by_guardians, has_parental_authority=True, guardian__is_active=True
        )
        .select_related("guardian")
        .order_by("guardian_id", "pupil_id")
    ):
        result[guardianship.guardian].append(by_guardians[guardianship.pupil_id])
    return result


def _queue(template: str, user: User, pupils: list[Pupil], consent_request: ConsentRequest):
    context = {
        "recipient": user,
        "pupils": pupils,
        "request": consent_request,
        "school": consent_request.school,
        "children_url": absolute_url("children"),
    }
    with translation.override(user.preferred_language):
        subject = render_to_string(f"adhoc/email/{template}_subject.txt", context)
        body = render_to_string(f"adhoc/email/{template}.txt", context)
    return queue_mail(
        user.email,
        subject,
        body,
        kind=OutgoingMail.Kind.OTHER,
        recipient=user,
        pupil=pupils[0] if len(pupils) == 1 else None,
        school=consent_request.school,
    )


def _pupils(consent_request: ConsentRequest, ids=None) -> list[Pupil]:
    pupils = consent_request.pupils.select_related("account", "group")
    return list(pupils if ids is None else pupils.filter(pk__in=ids))


def announce(consent_request: ConsentRequest, now: datetime) -> int:
    """Mail everyone who decides for a pupil of the request; returns how many mails."""
    recipients = deciders(_pupils(consent_request), timezone.localdate(now))
    for user, pupils in recipients.items():
        _queue("announcement", user, pupils, consent_request)
    return len(recipients)


@transaction.atomic
def send_reminder(request_id: int, now: datetime | None = None) -> int:
    """Remind, once per request, those who decide for a pupil nobody has answered for.

    A pupil with one guardian's answer needs no reminder: that answer already counts. Safe
    to run twice: `reminded_at` is set in the same transaction as the mail is queued.
    """
    now = now or timezone.now()
    consent_request = ConsentRequest.objects.select_for_update().filter(pk=request_id).first()
    if (
        consent_request is None
        or consent_request.reminded_at is not None
        or not consent_request.accepts_answers(now)
    ):
        return 0
    unanswered = [
        pupil_id
        for pupil_id, outcome in outcomes(consent_request, now=now).items()
        if outcome.state is State.UNANSWERED
    ]
    recipients = deciders(_pupils(consent_request, unanswered), timezone.localdate(now))
    for user, pupils in recipients.items():
        _queue("reminder", user, pupils, consent_request)
    consent_request.reminded_at = now
    consent_request.save(update_fields=["reminded_at"])
    return len(recipients)
