"""The rules of the privacy registers that act: which processors may be named, and reminders.

Every change to a register is written to the audit trail where it happens (`record_change`):
who changed what, by field name; the values stay in the register itself.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from consentry.accounts.models import User
from consentry.audit.services import record
from consentry.mail.services import queue_mail
from consentry.schools.models import Board, School, StaffRole

from .models import Agreement, AgreementReminder, AgreementStatus, Processor, reminder_days
from .storage import private_storage

logger = logging.getLogger(__name__)


def processors_of(board: Board):
    """The board's processors with what their status needs, in two queries."""
    return Processor.objects.filter(board=board).prefetch_related("agreements", "schools")


def processors_for_category(where: Board | School, number: int, day: date | None = None):
    """The processors a leaflet may name under consent category `number`.

    Only those in use, serving that school (or, for a board, any of its schools), and with an
    agreement valid that day: the leaflet promises parents an agreement with every company that
    handles their child's data, so a processor without one must not be presented as covered.
    """
    day = day or timezone.localdate()
    board = where if isinstance(where, Board) else where.board
    candidates = processors_of(board).filter(in_use=True)
    return [
        p
        for p in candidates
        if number in p.categories
        and p.agreement_status(day) == AgreementStatus.VALID
        and (isinstance(where, Board) or p.serves(where))
    ]


def without_valid_agreement(board: Board, day: date) -> list[tuple[Processor, AgreementStatus]]:
    """Processors in use that have no valid agreement that day, each with the reason."""
    statuses = [(p, p.agreement_status(day)) for p in processors_of(board).filter(in_use=True)]
    return [(p, status) for p, status in statuses if status != AgreementStatus.VALID]


def current_agreements(board: Board):
    """Agreements not superseded by a newer agreement with the same processor."""
    newer = Agreement.objects.filter(
        processor=OuterRef("processor"), signed_on__gt=OuterRef("signed_on")
    )
    return Agreement.objects.filter(processor__board=board, processor__in_use=True).filter(
        ~Exists(newer)
    )


def due_for_review(board: Board, day: date, days_before: int | None = None) -> list[Agreement]:
    """Current agreements whose review or end date falls within the reminder window."""
    days_before = reminder_days() if days_before is None else days_before
    window = Q(review_on__range=(day, day + timedelta(days=days_before))) | Q(
        ends_on__range=(day, day + timedelta(days=days_before))
    )
    agreements = current_agreements(board).filter(window).select_related("processor")
    return [a for a in agreements.order_by("review_on") if a.reminder_due_on(day, days_before)]


def record_change(
    obj: models.Model, *, actor, board_id: int, created: bool, fields: Iterable[str], **extra
) -> None:
    """One audit entry per saved register entry, in the caller's transaction."""
    action = f"{obj._meta.model_name}.{'created' if created else 'changed'}"
    record(
        action, actor=actor, obj=obj, data={"board": board_id, "fields": sorted(fields), **extra}
    )


def save_agreement(form, *, actor) -> Agreement:
    """Save an agreement form (with its document) and its audit entry, all or nothing.

    A new file whose save fails is removed at once; a replaced file is removed only once the
    change has committed. Either way no stray copy of a signed agreement stays on disk.
    """
    created = form.instance.pk is None
    previous = form.previous_document
    new_file = "document" in form.changed_data
    try:
        with transaction.atomic():
            agreement = form.save()
            extra = {"document_sha256": agreement.document_sha256} if new_file else {}
            record_change(
                agreement,
                actor=actor,
                board_id=agreement.processor.board_id,
                created=created,
                fields=form.changed_data,
                **extra,
            )
            if new_file and previous:
                transaction.on_commit(lambda: private_storage.delete(previous))
    except Exception:
        if new_file and form.instance.document.name not in ("", previous):
            private_storage.delete(form.instance.document.name)
        raise
    return agreement


def reminder_recipients(board: Board) -> list[User]:
    """The board's privacy officers; without one, the leadership of its schools."""
    Role = StaffRole.Role
    roles = StaffRole.objects.filter(board=board, user__is_active=True)
    officers = roles.filter(role=Role.PRIVACY_OFFICER)
    chosen = officers if officers.exists() else roles.filter(role=Role.LEADERSHIP)
    return list(User.objects.filter(staff_roles__in=chosen).distinct().order_by("pk"))


@dataclass
class Reminder:
    agreement: Agreement
    recipients: list[User]


def send_agreement_reminders(day: date | None = None, *, dry_run: bool = False) -> list[Reminder]:
    """Remind the privacy officer of every agreement whose review or end date is near.

    Run daily (`consentry agreement_reminders`). Each agreement's deadline is reminded once:
    the AgreementReminder row is unique per agreement and deadline, and it commits together
    with the queued mail, so a second run the same day (or a crash and a rerun) sends nothing
    twice. A review date moved later is a new deadline, and gets its own reminder.
    """
    day = day or timezone.localdate()
    days_before = reminder_days()
    sent = []
    for board in Board.objects.filter(processors__isnull=False).distinct():
        for agreement in due_for_review(board, day, days_before):
            if agreement.reminders.filter(deadline=agreement.deadline or day).exists():
                continue
            recipients = reminder_recipients(board)
            if not recipients:  # kept due: sent once someone is there to read it
                logger.warning("Nobody to remind of agreement %s", agreement.pk)
                continue
            if not dry_run and not _send_reminder(agreement, recipients):
                continue
            sent.append(Reminder(agreement, recipients))
    return sent


def _send_reminder(agreement: Agreement, recipients: list[User]) -> bool:
    deadline = agreement.deadline
    assert deadline is not None  # only agreements with a deadline are ever due
    try:
        with transaction.atomic():
            AgreementReminder.objects.create(
                agreement=agreement,
                deadline=deadline,
                sent_at=timezone.now(),
                recipients=[user.pk for user in recipients],
            )
            for user in recipients:
                _queue_reminder(agreement, user)
            record(
                "agreement.reminder_sent",
                actor="system",
                obj=agreement,
                data={
                    "board": agreement.processor.board_id,
                    "deadline": deadline.isoformat(),
                    "recipients": [user.pk for user in recipients],
                },
            )
    except IntegrityError:  # another run sent it just now
        logger.info("Reminder for agreement %s was already sent", agreement.pk)
        return False
    return True


def _queue_reminder(agreement: Agreement, user: User) -> None:
    base = (getattr(settings, "CONSENTRY_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/")
    context = {
        "user": user,
        "agreement": agreement,
        "processor": agreement.processor,
        "url": base + reverse("processor_detail", args=[agreement.processor_id]),
    }
    with translation.override(user.preferred_language):
        subject = render_to_string("processors/email/reminder_subject.txt", context).strip()
        body = render_to_string("processors/email/reminder.txt", context)
    queue_mail(user.email, subject, body, kind="other", recipient=user)
