"""The breach register's rules: reporting, keeping the register, the AP decision, closing,
and the reminders at 24 and 48 hours after discovery.

Each change writes an audit entry in the same transaction. Mail is queued (`mail.services`),
so a change that rolls back sends nothing. Functions take `now` so tests can move time.
"""

import hashlib
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import get_random_string
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from consentry.accounts.models import User
from consentry.audit.services import record
from consentry.mail.links import absolute_url
from consentry.mail.models import OutgoingMail
from consentry.mail.services import queue_mail
from consentry.schools.models import School, StaffRole

from .models import REMINDER_HOURS, Breach, BreachReminder

# A public form must not become a way to flood the leadership's mailbox, nor a way to
# silence it: one sender gets a few reports an hour; past the school's hourly number every
# report is still stored (the register shows it), only its mails are held back.
REPORTS_PER_SENDER_PER_HOUR = 5
RECEIPTS_PER_ADDRESS_PER_DAY = 3
PUBLIC_REPORTS_PER_HOUR = 10
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
# Free text stays out of the audit trail: an append-only log cannot forget it.
TEXT_FIELDS = {
    "description",
    "data_concerned",
    "people_concerned",
    "cause",
    "risk_assessment",
    "measures",
    "ap_not_needed_reason",
    "reporter_name",
    "reporter_email",
}


class BreachError(Exception):
    """A request the register refuses; the message says why, for the person who asked."""


def breach_contacts(school: School) -> QuerySet[User]:
    """Who keeps the register and gets its mail: the school's leadership and the board's
    privacy officers (the same people `access.schools_overseen_by` lets in)."""
    Role = StaffRole.Role
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(staff_roles__school=school, staff_roles__role=Role.LEADERSHIP)
            | Q(staff_roles__board_id=school.board_id, staff_roles__role=Role.PRIVACY_OFFICER)
        )
        .distinct()
        .order_by("pk")
    )


def report(breach: Breach, *, school: School, actor, now: datetime | None = None) -> Breach:
    """Store a report from the public form and tell the people who keep the register.

    The 72-hour clock starts at the discovery the reporter gave; the register's keepers may
    correct that moment (for instance to when an outsider's report reached the school).
    """
    now = _utc(now)
    recent = Breach.objects.filter(school=school, reported_at__gt=now - timedelta(hours=1))
    flooded = recent.count() >= PUBLIC_REPORTS_PER_HOUR
    breach.school = school
    breach.reported_at = now
    breach.reported_by = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        breach.reference = _new_reference()
        breach.save()
        record(
            "breach.reported",
            actor=actor if breach.reported_by else "public form",
            obj=breach,
            school_id=school.pk,
            data={"reference": breach.reference},
        )
        if not flooded:
            _mail_contacts(breach, "reported", now)
            if breach.reporter_email and _receipt_may_be_sent(breach.reporter_email):
                _mail_receipt(breach)
        _schedule_reminders(breach, now)
    return breach


def sender_may_report(sender: str) -> bool:
    """Count a public report from this sender (an IP address); False past the hourly limit.

    Counted in the cache, like sign-in attempts: a refused sender stores nothing. One count
    for all schools: every school's form is on the same server, so a flood spread over a
    board's schools is still one flood (a parent reporting one leak to two schools stays
    well under it)."""
    return _counted(f"breach-report:{sender}", 60 * 60) <= REPORTS_PER_SENDER_PER_HOUR


def _receipt_may_be_sent(address: str) -> bool:
    """Count a receipt to this address; False past the daily limit. The form takes any
    address, so without a limit it would let anyone have Consentry mail anyone."""
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()
    return _counted(f"breach-receipt:{digest}", 24 * 60 * 60) <= RECEIPTS_PER_ADDRESS_PER_DAY


def _counted(key: str, timeout: int) -> int:
    """Add one to a counter in the cache that lives `timeout` seconds; its new value."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def _utc(now: datetime | None) -> datetime:
    """Time arithmetic in UTC: on a local time Python adds to the wall clock, which is an
    hour off across a daylight-saving change."""
    return (now or timezone.now()).astimezone(UTC)


def _new_reference() -> str:
    while True:
        reference = "DL-" + get_random_string(8, REFERENCE_ALPHABET)
        if not Breach.objects.filter(reference=reference).exists():
            return reference


def update_register(breach: Breach, changed: list[str], *, actor) -> None:
    """Save the register's fields (already validated by the form) with an audit entry."""
    if not changed:
        return
    with transaction.atomic():
        breach.save()
        record(
            "breach.updated",
            actor=actor,
            obj=breach,
            school_id=breach.school_id,
            data={"changed": {name: _audit_value(breach, name) for name in sorted(changed)}},
        )
        if "discovered_at" in changed:
            _schedule_reminders(breach, timezone.now())


def _audit_value(breach: Breach, name: str) -> str | int | None:
    if name in TEXT_FIELDS:
        return "(text changed)"
    value = getattr(breach, name)
    if value is None or isinstance(value, int):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def record_authority_decision(
    breach: Breach,
    *,
    actor,
    notified_at: datetime | None = None,
    ap_reference: str = "",
    not_needed_reason: str = "",
) -> None:
    """Record that the AP was notified, or why it need not be; either stops the clock.

    Not notifying is allowed only for a breach assessed as unlikely to pose a risk
    (GDPR art. 33(1)); the reason is kept so the school can account for it.
    """
    if breach.closed_at is not None:
        raise BreachError(_("This breach is closed."))
    if notified_at is None and not not_needed_reason.strip():
        raise BreachError(_("Give the moment the AP was notified, or why that is not needed."))
    if notified_at is None and breach.risk != Breach.Risk.UNLIKELY:
        raise BreachError(
            _("Only a breach assessed as unlikely to pose a risk need not be reported to the AP.")
        )
    breach.ap_notified_at = notified_at
    breach.ap_reference = ap_reference.strip() if notified_at else ""
    breach.ap_not_needed_reason = "" if notified_at else not_needed_reason.strip()
    with transaction.atomic():
        breach.save(update_fields=["ap_notified_at", "ap_reference", "ap_not_needed_reason"])
        record(
            "breach.ap_notified" if notified_at else "breach.ap_not_needed",
            actor=actor,
            obj=breach,
            school_id=breach.school_id,
            data={
                "notified_at": notified_at.isoformat() if notified_at else None,
                "ap_reference": breach.ap_reference,
                "late": breach.notified_late,
            },
        )


def close(breach: Breach, *, actor, now: datetime | None = None) -> None:
    """Close the entry once it proves the school acted (`Breach.problems_before_closing`)."""
    if breach.closed_at is not None:
        raise BreachError(_("This breach is already closed."))
    problems = breach.problems_before_closing()
    if problems:
        raise BreachError(" ".join(problems))
    breach.closed_at = _utc(now)
    breach.closed_by = actor
    with transaction.atomic():
        breach.save(update_fields=["closed_at", "closed_by"])
        record("breach.closed", actor=actor, obj=breach, school_id=breach.school_id)


def due_reminders(breach: Breach, now: datetime) -> list[int]:
    """The reminder moments (hours after discovery) that have passed and were not sent.

    Moments before the report reached the school are skipped: the report's own mail already
    said how much time was left. A breach whose AP decision is made gets no reminders.
    """
    if breach.closed_at is not None or breach.ap_decided:
        return []
    sent = {reminder.hours for reminder in breach.reminders.all()}
    return [
        hours
        for hours in REMINDER_HOURS
        if hours not in sent
        and breach.reported_at < breach.after_discovery(timedelta(hours=hours)) <= now
    ]


def send_due_reminders(now: datetime | None = None, breach_ids: list[int] | None = None) -> int:
    """Send every reminder that is due, once; return how many breaches were reminded about.

    Safe to run as often as you like and from several places at once (the hourly command and
    the worker's deferred jobs): the breach row is locked and each reminder is a unique row.
    When both moments have passed, one mail (the latest) covers both.
    """
    now = _utc(now)
    candidates = Breach.objects.awaiting_decision().filter(
        discovered_at__lte=now - timedelta(hours=min(REMINDER_HOURS))
    )
    if breach_ids is not None:
        candidates = candidates.filter(pk__in=breach_ids)
    sent = 0
    for breach_id in candidates.values_list("pk", flat=True):
        sent += _remind(breach_id, now)
    return sent


def _remind(breach_id: int, now: datetime) -> bool:
    try:
        with transaction.atomic():
            breach = Breach.objects.select_for_update().select_related("school").get(pk=breach_id)
            due = due_reminders(breach, now)
            if not due:
                return False
            BreachReminder.objects.bulk_create(
                BreachReminder(breach=breach, hours=hours, sent_at=now) for hours in due
            )
            _mail_contacts(breach, "reminder", now, hours=max(due))
    except IntegrityError:  # another run sent it in the meantime
        return False
    return True


def _mail_contacts(breach: Breach, template: str, now: datetime, **extra) -> None:
    for user in breach_contacts(breach.school):
        with translation.override(user.preferred_language):
            context = {
                "recipient": user,
                "breach": breach,
                "school": breach.school,
                "clock": breach.clock(now),
                "deadline": date_format(timezone.localtime(breach.deadline), "l j F Y, H:i"),
                "url": absolute_url("breach_detail", breach.pk),
                **extra,
            }
            subject = render_to_string(f"breaches/email/{template}_subject.txt", context)
            body = render_to_string(f"breaches/email/{template}.txt", context)
        queue_mail(
            user.email,
            subject,
            body,
            kind=OutgoingMail.Kind.OTHER,
            recipient=user,
            school=breach.school,
        )


def _mail_receipt(breach: Breach) -> None:
    """The reporter's receipt, in the language of the form they used."""
    context = {
        "breach": breach,
        "school": breach.school,
        "received": date_format(timezone.localtime(breach.reported_at), "j F Y, H:i"),
    }
    subject = render_to_string("breaches/email/receipt_subject.txt", context)
    body = render_to_string("breaches/email/receipt.txt", context)
    queue_mail(
        breach.reporter_email,
        subject,
        body,
        kind=OutgoingMail.Kind.OTHER,
        recipient=breach.reported_by,
        school=breach.school,
    )


def _schedule_reminders(breach: Breach, now: datetime) -> None:
    from .tasks import schedule_reminders  # the tasks module imports this one

    schedule_reminders(breach, now)
