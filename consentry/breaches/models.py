"""The data-breach register (datalekken).

Anyone may report a suspected breach; the school's leadership and the board's privacy
officer keep the register. The GDPR (art. 33) gives the school 72 hours from discovering a
breach to notify the Autoriteit Persoonsgegevens (AP), unless the breach is unlikely to
pose a risk. They are calendar hours: weekends and holidays count. Every breach is
recorded either way, with what happened, its cause, whom it touched and what was done.

Free text is kept to the few fields the register needs; the audit trail gets the names of
changed fields and the structured values, never the free text (it cannot be erased there).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consentry.schools.models import School

NOTIFY_WITHIN = timedelta(hours=72)
DUE_SOON_WITHIN = timedelta(hours=24)
REMINDER_HOURS = (24, 48)  # after discovery
DESCRIPTION_MAX = 2000
TEXT_MAX = 4000


class ClockState(models.TextChoices):
    RUNNING = "running", _("clock running")
    DUE_SOON = "due_soon", _("due within 24 hours")
    OVERDUE = "overdue", _("overdue")
    DECIDED = "decided", _("AP decision made")
    CLOSED = "closed", _("closed")


@dataclass(frozen=True)
class Clock:
    """Where a breach stands against the 72-hour deadline at one moment."""

    state: ClockState
    deadline: datetime
    left: timedelta  # negative once the deadline has passed

    @property
    def hours(self) -> int:
        return int(abs(self.left).total_seconds() // 3600)

    @property
    def minutes(self) -> int:
        return int(abs(self.left).total_seconds() % 3600 // 60)

    @property
    def ticking(self) -> bool:
        return self.state in (ClockState.RUNNING, ClockState.DUE_SOON, ClockState.OVERDUE)


class BreachQuerySet(models.QuerySet["Breach"]):
    def awaiting_decision(self) -> "BreachQuerySet":
        """Open breaches without an AP decision: the ones the 72-hour clock is about."""
        return self.filter(closed_at__isnull=True, ap_notified_at__isnull=True).filter(
            ap_not_needed_reason=""
        )


class Breach(models.Model):
    class Risk(models.TextChoices):
        UNASSESSED = "", _("not assessed yet")
        UNLIKELY = "unlikely", _("unlikely to pose a risk to the people concerned")
        RISK = "risk", _("a risk to the people concerned")
        HIGH = "high", _("a high risk to the people concerned")

    class Informed(models.TextChoices):
        UNDECIDED = "", _("not decided yet")
        YES = "yes", _("yes, they were told")
        NOT_NEEDED = "not_needed", _("no, not needed")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="breaches")
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now, editable=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    reporter_name = models.CharField(_("your name"), max_length=200, blank=True)
    reporter_email = models.EmailField(_("your e-mail address"), blank=True)
    description = models.TextField(_("what happened"), max_length=DESCRIPTION_MAX)
    occurred_at = models.DateTimeField(_("when it happened"), null=True, blank=True)
    discovered_at = models.DateTimeField(_("when it was discovered"))
    data_concerned = models.TextField(_("what data"), max_length=TEXT_MAX, blank=True)
    people_concerned = models.CharField(_("whose data"), max_length=300, blank=True)
    people_count = models.PositiveIntegerField(_("how many people"), null=True, blank=True)
    cause = models.TextField(_("cause"), max_length=TEXT_MAX, blank=True)
    risk = models.CharField(_("risk"), max_length=10, choices=Risk.choices, blank=True)
    risk_assessment = models.TextField(_("risk assessment"), max_length=TEXT_MAX, blank=True)
    measures = models.TextField(_("measures"), max_length=TEXT_MAX, blank=True)
    ap_notified_at = models.DateTimeField(_("AP notified at"), null=True, blank=True)
    ap_reference = models.CharField(_("AP report number"), max_length=50, blank=True)
    ap_not_needed_reason = models.TextField(
        _("why the AP was not notified"), max_length=TEXT_MAX, blank=True
    )
    people_informed = models.CharField(
        _("people concerned told"), max_length=10, choices=Informed.choices, blank=True
    )
    people_informed_on = models.DateField(_("told on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = BreachQuerySet.as_manager()

    class Meta:
        verbose_name = _("data breach")
        verbose_name_plural = _("data breaches")
        ordering = ["-discovered_at", "-id"]

    def __str__(self) -> str:
        return self.reference

    @property
    def deadline(self) -> datetime:
        """72 calendar hours after discovery: elapsed time, so nights and weekends count."""
        return self.after_discovery(NOTIFY_WITHIN)

    def after_discovery(self, elapsed: timedelta) -> datetime:
        """The moment `elapsed` after discovery, counted in UTC: Python adds to the wall
        clock of a local time, which would be an hour off across a daylight-saving change."""
        return self.discovered_at.astimezone(UTC) + elapsed

    @property
    def ap_decided(self) -> bool:
        return self.ap_notified_at is not None or bool(self.ap_not_needed_reason)

    @property
    def notified_late(self) -> bool:
        """The AP asks for the reason of a late notification; the register shows it."""
        return self.ap_notified_at is not None and self.ap_notified_at > self.deadline

    def clock(self, now: datetime) -> Clock:
        """The clock stops once the AP was notified or the school decided it need not be."""
        left = self.deadline - now
        if self.closed_at is not None:
            state = ClockState.CLOSED
        elif self.ap_decided:
            state = ClockState.DECIDED
        elif left <= timedelta(0):
            state = ClockState.OVERDUE
        elif left <= DUE_SOON_WITHIN:
            state = ClockState.DUE_SOON
        else:
            state = ClockState.RUNNING
        return Clock(state=state, deadline=self.deadline, left=left)

    def clean(self) -> None:
        """Dates must be possible: none in the future, no discovery before it happened, no
        notification before discovery. A wrong date would move the 72-hour deadline."""
        now = timezone.now()
        errors: dict = {}
        for name in ("occurred_at", "discovered_at", "ap_notified_at"):
            value = getattr(self, name)
            if value is not None and value > now:
                errors[name] = _("This cannot be in the future.")
        if self.people_informed_on and self.people_informed_on > timezone.localdate(now):
            errors["people_informed_on"] = _("This cannot be in the future.")
        discovered, occurred = self.discovered_at, self.occurred_at
        if discovered and occurred and discovered < occurred and "discovered_at" not in errors:
            errors["discovered_at"] = _("It cannot have been discovered before it happened.")
        notified = self.ap_notified_at
        if notified and discovered and notified < discovered and "ap_notified_at" not in errors:
            errors["ap_notified_at"] = _("The AP cannot have been notified before the discovery.")
        if errors:
            raise ValidationError(errors)

    def problems_before_closing(self) -> list[str]:
        """Why the breach cannot be closed yet. A closed entry is the school's proof that it
        acted: it needs the measures taken, the AP decision (art. 33), and, for a high risk,
        whether the people concerned were told (art. 34)."""
        problems = []
        if not self.measures.strip():
            problems.append(_("Describe the measures taken."))
        if not self.ap_decided:
            problems.append(_("Record whether the AP was notified, or why that was not needed."))
        if self.risk == self.Risk.UNASSESSED:
            problems.append(_("Assess the risk."))
        if self.risk == self.Risk.HIGH and self.people_informed == self.Informed.UNDECIDED:
            problems.append(_("With a high risk, record whether the people concerned were told."))
        return [str(problem) for problem in problems]


class BreachReminder(models.Model):
    """A reminder that went out, so each one (24 and 48 hours) is sent once at most."""

    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="reminders")
    hours = models.PositiveSmallIntegerField(_("hours after discovery"))
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("breach reminder")
        ordering = ["hours"]
        constraints = [
            models.UniqueConstraint(fields=["breach", "hours"], name="unique_breach_reminder")
        ]

    def __str__(self) -> str:
        return f"{self.breach} +{self.hours}h"
