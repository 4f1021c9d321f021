"""Consent as history: decisions and safeguarding flags are append-only events.

The current state of a pupil's consent is never stored; `consent.services` derives it from
these events every time, so what the school can prove and what it acts on are the same thing.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consentry.leaflets.models import LeafletVersion
from consentry.schools.models import Pupil


class AppendOnlyModel(models.Model):
    """Rows are written once. Corrections are new events, never edits.

    Three guards: save() and delete() refuse here; on PostgreSQL triggers refuse UPDATE,
    DELETE and TRUNCATE of consent events, never-flag events and request answers (audit
    migration 0004), except a DELETE by erasure (`audit.services.erasing`); and a model that
    names its decisive fields in `audited_fields` gets their keyed digest in the audit entry
    written with each row, so `consentry verify_audit` finds a row changed behind our back.
    The list is fixed once rows exist: a field added later must not join it.
    """

    audited_fields: ClassVar[tuple[str, ...]] = ()  # attnames: "pupil_id", not "pupil"

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} is append-only: record a new event instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} is append-only.")


class ConsentEvent(AppendOnlyModel):
    class ActorRole(models.TextChoices):
        GUARDIAN = "guardian", _("guardian")
        PUPIL = "pupil", _("pupil (16 or older)")
        STAFF = "staff", _("staff, recording a paper form")

    class Channel(models.TextChoices):
        WEB = "web", _("web")
        API = "api", _("API")
        PAPER = "paper", _("paper form")

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="consent_events")
    category_number = models.PositiveSmallIntegerField(_("category"))
    leaflet_version = models.ForeignKey(
        LeafletVersion, on_delete=models.PROTECT, related_name="consent_events"
    )
    given = models.BooleanField(_("consent given"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consent_actions"
    )
    actor_role = models.CharField(_("acted as"), max_length=10, choices=ActorRole.choices)
    # Whose decision this is: a guardian (directly, or on a paper form that staff recorded),
    # or, when empty, the pupil themself from 16.
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consent_decisions",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    note = models.TextField(_("how consent was obtained"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)

    audited_fields = (
        "pupil_id",
        "category_number",
        "leaflet_version_id",
        "given",
        "actor_id",
        "actor_role",
        "guardian_id",
        "channel",
        "note",
        "recorded_at",
    )

    class Meta:
        verbose_name = _("consent event")
        ordering = ["recorded_at", "id"]
        indexes = [models.Index(fields=["pupil", "category_number"])]

    def __str__(self) -> str:
        return f"{self.pupil_id}/{self.category_number}: {'yes' if self.given else 'no'}"


class NeverFlagEvent(AppendOnlyModel):
    """A safeguarding flag ("never photograph") set or lifted by the school leadership.

    It beats every consent. The reason is seen only by the leadership of the pupil's school.
    """

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="never_flag_events")
    active = models.BooleanField(_("never photograph"))
    reason = models.TextField(_("reason (leadership only)"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)

    audited_fields = ("pupil_id", "active", "reason", "actor_id", "recorded_at")

    class Meta:
        verbose_name = _("never-photograph flag event")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.pupil_id}: {'set' if self.active else 'lifted'}"
