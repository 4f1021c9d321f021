"""Reminders: the leadership asks the guardians of unanswered pupils to answer.

Why these rules: unanswered means no, so a school that wants to use photos must ask; but a
reminder is a nudge, not pressure, so no guardian gets more than one a week, and a guardian
with several children gets one mail that lists them. A never-photograph flag settles the
question for that pupil, so it is no reason to remind anyone (and never shows in the mail).
From 16 the pupil answers: the reminder goes to the pupil's own account, if there is one.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.template.loader import render_to_string
from django.utils import timezone, translation

from consentry.accounts.models import User
from consentry.consent.services import State, consent_overview
from consentry.schools.models import Guardianship, Pupil, School

from .links import absolute_url
from .models import OutgoingMail
from .services import queue_mail

INTERVAL = timedelta(days=7)


@dataclass
class ReminderPlan:
    """Who would get a reminder now (`due`), and who was reminded too recently (`skipped`)."""

    due: dict[User, list[Pupil]] = field(default_factory=dict)
    skipped: dict[User, list[Pupil]] = field(default_factory=dict)


def unanswered_pupils(school: School) -> list[Pupil]:
    """Current pupils with at least one category unanswered in the active answer round.

    The never-photograph flag is looked through: guardians must not be able to tell from
    getting (or missing) a reminder that the school set one.
    """
    pupils = Pupil.objects.current().filter(school=school)
    overview = consent_overview(
        pupils, hide_never_flag_for=list(pupils.values_list("pk", flat=True))
    )
    ids = [
        pupil_id
        for pupil_id, verdicts in overview.items()
        if any(v.state is State.UNANSWERED for v in verdicts.values())
    ]
    return list(Pupil.objects.filter(pk__in=ids).select_related("account", "group"))


def reminded_since(users, since: datetime) -> set[int]:
    """Ids of the users who were sent (or are about to be sent) a reminder since then."""
    return set(
        OutgoingMail.objects.filter(
            kind=OutgoingMail.Kind.REMINDER, recipient__in=users, created_at__gte=since
        )
        .exclude(status=OutgoingMail.Status.FAILED)
        .values_list("recipient_id", flat=True)
    )


def reminder_plan(school: School) -> ReminderPlan:
    today = timezone.localdate()
    children: dict[User, list[Pupil]] = defaultdict(list)
    by_guardians: dict[int, Pupil] = {}
    for pupil in unanswered_pupils(school):
        if not pupil.decides_for_self(today):
            by_guardians[pupil.pk] = pupil
        elif pupil.account is not None and pupil.account.is_active:
            children[pupil.account].append(pupil)
    for guardianship in Guardianship.objects.filter(
        pupil_id__in=by_guardians, has_parental_authority=True, guardian__is_active=True
    ).select_related("guardian"):
        children[guardianship.guardian].append(by_guardians[guardianship.pupil_id])
    recent = reminded_since(list(children), timezone.now() - INTERVAL)
    plan = ReminderPlan()
    for user in sorted(children, key=lambda u: u.pk):
        (plan.skipped if user.pk in recent else plan.due)[user] = children[user]
    return plan


def queue_reminder(user: User, pupils: list[Pupil], school: School) -> OutgoingMail:
    from consentry.leaflets.services import new_round_changes

    changed = new_round_changes(school)
    context = {
        "recipient": user,
        "pupils": pupils,
        "school": school,
        "children_url": absolute_url("children"),
        "new_leaflet": changed[0] if changed else None,
        "changes": changed[1] if changed else [],
    }
    with translation.override(user.preferred_language):
        subject = render_to_string("mail/reminder_subject.txt", context)
        body = render_to_string("mail/reminder.txt", context)
    return queue_mail(
        user.email,
        subject,
        body,
        kind=OutgoingMail.Kind.REMINDER,
        recipient=user,
        pupil=pupils[0] if len(pupils) == 1 else None,
        school=school,
    )
