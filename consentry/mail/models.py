"""Outgoing mail: one row per message, which is both the queue and the log.

A request never talks to a mail server. It stores an `OutgoingMail` row and, once its
transaction commits, enqueues the worker task that sends it (`mail.tasks`). The row then
records what was sent to whom and when ("each reminder logged"); a sign-in code's body is
erased as soon as it has been sent.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consentry.schools.models import Pupil, School


class OutgoingMail(models.Model):
    class Kind(models.TextChoices):
        SIGN_IN_CODE = "sign_in_code", _("sign-in code")
        RECEIPT = "receipt", _("receipt")
        REMINDER = "reminder", _("reminder")
        INVITATION = "invitation", _("invitation")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    to_address = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    # Erase the body once sent (sign-in codes): the log keeps that a code went out, not the code.
    sensitive = models.BooleanField(_("sensitive"), default=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="received_mail",
    )
    pupil = models.ForeignKey(
        Pupil, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey(
        School, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    created_at = models.DateTimeField(_("queued at"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "recipient", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_address} [{self.status}]"
