"""Receipts: after a decision that changed something, every guardian hears of it.

Why: a parent must be able to see that a decision about their child was made, by whom and
under which leaflet, including one made by the other parent or on a paper form; and when the
parents now disagree, both must know that this means no until they agree. Receipts are
queued in the same transaction as the consent events, so they exist exactly when the events
do. The never-photograph flag is the school's business and never appears in them.

When a change leaves the guardians disagreeing, the school's leadership is told as well
(`queue_conflict_notice`): a conflict means no, and only the school can help the parents
agree; a page they would have to visit to notice it is not enough.

Both hang on `consent.signals.consent_recorded` (connected in `apps.py`), so consent does
not import mail.
"""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from consentry.accounts.models import User
from consentry.consent.models import ConsentEvent
from consentry.consent.services import State, consent_overview
from consentry.schools.models import Pupil, StaffRole

from .links import absolute_url
from .models import OutgoingMail
from .services import queue_mail

ANSWERS = {True: _("yes"), False: _("no"), None: _("no answer")}

_paused: ContextVar[bool] = ContextVar("receipts_paused", default=False)


@contextmanager
def paused() -> Iterator[None]:
    """Send no receipts while this runs: the demo seed writes a made-up history through the
    real services, and nobody must be told about decisions that no one made just now."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


@dataclass
class Change:
    event: ConsentEvent
    old: bool | None
    conflict: bool


def receipt_recipients(pupil: Pupil) -> QuerySet[User]:
    """The guardians with parental authority, and the pupil once they decide for themself."""
    guardians = User.objects.filter(
        guardianships__pupil=pupil, guardianships__has_parental_authority=True
    )
    users = guardians
    if pupil.account_id and pupil.decides_for_self(timezone.localdate()):
        users = guardians | User.objects.filter(pk=pupil.account_id)
    return users.filter(is_active=True).distinct().order_by("pk")


def queue_receipts(
    events: Sequence[ConsentEvent], previous: Mapping[int, bool]
) -> list[OutgoingMail]:
    """Queue one receipt per recipient for these events (one save of one pupil's answers).

    `previous` is the decider's own earlier answer per category number, before this save.
    """
    if not events or _paused.get():
        return []
    pupil = events[0].pupil
    # The guardians' view: answers only, the never-photograph flag hidden.
    verdicts = consent_overview([pupil], hide_never_flag_for={pupil.pk}).get(pupil.pk, {})
    changes = [
        Change(
            event=event,
            old=previous.get(event.category_number),
            conflict=verdicts.get(event.category_number) is not None
            and verdicts[event.category_number].state is State.CONFLICT,
        )
        for event in events
    ]
    categories = {c.number: c for c in events[0].leaflet_version.categories.all()}
    mails = [_queue_one(user, pupil, changes, categories) for user in receipt_recipients(pupil)]
    conflicts = [categories[c.event.category_number] for c in changes if c.conflict]
    if conflicts:
        mails += queue_conflict_notice(pupil, conflicts)
    return mails


def on_consent_recorded(sender, *, events, previous, **kwargs) -> None:
    """Connected in apps.py to `consent.signals.consent_recorded`."""
    queue_receipts(events, previous)


def leadership_of(pupil: Pupil) -> QuerySet[User]:
    return (
        User.objects.filter(
            staff_roles__school_id=pupil.school_id,
            staff_roles__role=StaffRole.Role.LEADERSHIP,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def queue_conflict_notice(pupil: Pupil, categories) -> list[OutgoingMail]:
    """Tell the school's leadership that a pupil's guardians now disagree (which means no)
    for these categories. Names the pupil and the categories, never who said what: the
    leadership reads that in the history, where access is checked."""
    mails = []
    for user in leadership_of(pupil):
        with translation.override(user.preferred_language):
            context = {
                "recipient": user,
                "pupil": pupil,
                "categories": categories,
                "history_url": absolute_url("pupil_history", pupil.pk),
            }
            subject = render_to_string("mail/conflict_subject.txt", context).strip()
            body = render_to_string("mail/conflict_notice.txt", context)
        mails.append(
            queue_mail(
                user.email,
                subject,
                body,
                kind=OutgoingMail.Kind.OTHER,
                recipient=user,
                pupil=pupil,
                school=pupil.school,
            )
        )
    return mails


def _queue_one(user: User, pupil: Pupil, changes: list[Change], categories) -> OutgoingMail:
    first = changes[0].event
    with translation.override(user.preferred_language):
        context = {
            "recipient": user,
            "pupil": pupil,
            "changes": [
                {
                    "category": categories[c.event.category_number],
                    "old": ANSWERS[c.old],
                    "new": ANSWERS[c.event.given],
                    "conflict": c.conflict,
                }
                for c in changes
            ],
            "conflicts": [categories[c.event.category_number] for c in changes if c.conflict],
            "actor": first.actor,
            "actor_role": first.get_actor_role_display(),
            "channel": first.get_channel_display(),
            "on_behalf_of": first.guardian if first.guardian_id != first.actor_id else None,
            "by_pupil": first.guardian_id is None,
            "when": date_format(timezone.localtime(first.recorded_at), "j F Y, H:i"),
            "version": first.leaflet_version,
            "pupil_url": absolute_url("pupil_consent", pupil.pk),
            "history_url": absolute_url("pupil_history", pupil.pk),
        }
        subject = render_to_string("mail/receipt_subject.txt", context)
        body = render_to_string("mail/receipt.txt", context)
    return queue_mail(
        user.email,
        subject,
        body,
        kind=OutgoingMail.Kind.RECEIPT,
        recipient=user,
        pupil=pupil,
        school=pupil.school,
    )
