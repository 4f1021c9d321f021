"""What the roster import remembers besides the school's own records.

The foundation models (schools.Pupil, schools.Group) carry their own source keys. Teachers and
guardians are accounts (accounts.User), which have no place for a key from a pupil
administration, and a OneRoster org has none on School: `SourceLink` keeps those keys, so a
re-import finds the same person again. `RosterImport` is both the upload waiting for the
leadership's confirmation and, once applied, the history that stops an older file from
overwriting newer data. `GuardianInvitation` makes the invitation e-mail idempotent.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from consentry.schools.models import School


class RosterImport(models.Model):
    """One import of one file for one school: pending (dry run shown), applied or discarded.

    A pending row holds the parsed, already minimised roster (`payload`), never the uploaded
    bytes: the upload may contain national numbers and origin data, which must not be stored
    even for the minutes between the dry run and the confirmation. `sha256` identifies the
    uploaded file; `payload_sha256` guards that what is applied is what was previewed.
    """

    class Kind(models.TextChoices):
        EDEX = "edex", "EDEXML"
        ONEROSTER = "oneroster", "OneRoster"
        GUARDIANS = "guardians", _("guardians CSV")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for confirmation")
        APPLIED = "applied", _("applied")
        DISCARDED = "discarded", _("discarded")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="roster_imports")
    kind = models.CharField(_("format"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    options = models.JSONField(default=dict, blank=True)
    payload = models.JSONField(null=True, blank=True)
    payload_sha256 = models.CharField(max_length=64, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    school_year = models.CharField(_("school year"), max_length=9, blank=True)
    file_created_at = models.DateTimeField(_("file made at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename} ({self.get_status_display()})"


class SourceLink(models.Model):
    """A key in the pupil administration for a teacher, a guardian or a OneRoster org."""

    class Kind(models.TextChoices):
        ORG = "org", _("OneRoster org")
        TEACHER = "teacher", _("teacher")
        GUARDIAN = "guardian", _("guardian")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="source_links")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=256)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roster_links",
    )

    class Meta:
        verbose_name = _("source key")
        constraints = [
            models.UniqueConstraint(fields=["school", "kind", "key"], name="unique_source_link")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


class GuardianInvitation(models.Model):
    """An invitation to a guardian to sign in at a school; `sent_at` makes sending idempotent."""

    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roster_invitations"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="invitations")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("guardian invitation")
        constraints = [
            models.UniqueConstraint(fields=["guardian", "school"], name="unique_invitation")
        ]

    def __str__(self) -> str:
        return f"{self.guardian_id} @ {self.school_id}"
