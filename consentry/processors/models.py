"""The board's privacy registers: processors with their agreements, and the processing register.

A processor (verwerker) is a company that handles pupil data for the board's schools: the pupil
administration, the parent app, the school photographer, a workbook publisher. The board signs
a processor agreement (verwerkersovereenkomst) with each, usually the sector's model agreement,
with a product privacy sheet (privacybijsluiter) annexed: which data, why, how long, where.
The leaflet promises parents that such an agreement exists for every company that collects
their child's data, so "has a valid agreement" is the rule this module is about.

The processing register (GDPR art. 30) lists what the board does with personal data, why, on
which legal basis, and who receives it.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consentry.schools.models import Board, School

from .storage import agreement_path, get_private_storage

# The leaflet's consent categories (5 was dropped; numbers stay stable across versions).
CATEGORIES = [
    (1, _("Educational reporting")),
    (2, _("Class group")),
    (3, _("Department and school")),
    (4, _("Public")),
    (6, _("Internal research")),
    (7, _("Internal training")),
    (8, _("Anonymised national research")),
]
CATEGORY_NUMBERS = [number for number, _label in CATEGORIES]
SECTOR_MODEL = "Model Verwerkersovereenkomst 4.0"
DEFAULT_REMINDER_DAYS = 30


def reminder_days() -> int:
    return getattr(settings, "AGREEMENT_REMINDER_DAYS", DEFAULT_REMINDER_DAYS)


class AgreementStatus(models.TextChoices):
    VALID = "valid", _("valid agreement")
    NONE = "none", _("no agreement")
    NOT_YET = "not_yet", _("agreement not yet in force")
    EXPIRED = "expired", _("agreement expired")
    REVIEW_PASSED = "review_passed", _("review date passed")


class Processor(models.Model):
    """A company and its product that process the board's personal data on its behalf."""

    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="processors")
    company = models.CharField(_("company"), max_length=200)
    product = models.CharField(_("product or service"), max_length=200)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail address"), blank=True)
    contact_phone = models.CharField(_("contact telephone"), max_length=50, blank=True)
    # The leaflet's consent categories whose use involves this processor.
    categories = models.JSONField(_("consent categories"), default=list, blank=True)
    # Empty: the processor serves all the board's schools.
    schools = models.ManyToManyField(
        School, blank=True, related_name="processors", verbose_name=_("schools")
    )
    in_use = models.BooleanField(_("in use"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("processor")
        ordering = ["company", "product"]

    def __str__(self) -> str:
        return f"{self.company}: {self.product}"

    def serves(self, school: School) -> bool:
        """A processor without schools of its own serves every school of the board."""
        schools = list(self.schools.all())
        return school.board_id == self.board_id and (not schools or school in schools)

    def category_labels(self) -> list[str]:
        return [f"{number}. {label}" for number, label in CATEGORIES if number in self.categories]

    def latest_agreement(self, day: date) -> "Agreement | None":
        signed = [a for a in self.agreements.all() if a.signed_on <= day]
        return max(signed, key=lambda a: (a.signed_on, a.pk), default=None)

    def valid_agreement(self, day: date) -> "Agreement | None":
        valid = [a for a in self.agreements.all() if a.is_valid_on(day)]
        return max(valid, key=lambda a: (a.signed_on, a.pk), default=None)

    def agreement_status(self, day: date) -> AgreementStatus:
        """Valid if any agreement is valid that day; otherwise why not, from the latest one.

        Works on prefetched agreements, so a list of processors costs one query for all.
        """
        if self.valid_agreement(day) is not None:
            return AgreementStatus.VALID
        latest = self.latest_agreement(day)
        if latest is None:
            signed_later = any(a.signed_on > day for a in self.agreements.all())
            return AgreementStatus.NOT_YET if signed_later else AgreementStatus.NONE
        if latest.ends_on is not None and latest.ends_on < day:
            return AgreementStatus.EXPIRED
        return AgreementStatus.REVIEW_PASSED


class Anonymisation(models.TextChoices):
    YES = "yes", _("yes, anonymised")
    PSEUDONYMISED = "pseudonymised", _("pseudonymised")
    NO = "no", _("no")
    UNKNOWN = "unknown", _("not stated")


class AgreementQuerySet(models.QuerySet["Agreement"]):
    def valid_on(self, day: date) -> "AgreementQuerySet":
        """In force that day: signed, not ended, and not past its review date (see is_valid_on)."""
        return self.filter(
            Q(signed_on__lte=day),
            Q(ends_on__isnull=True) | Q(ends_on__gte=day),
            Q(review_on__isnull=True) | Q(review_on__gte=day),
        )


class Agreement(models.Model):
    """A signed processor agreement, with the product privacy sheet annexed to it.

    A renewal is a new agreement: the old one stays as the record of what was agreed then.
    """

    processor = models.ForeignKey(Processor, on_delete=models.PROTECT, related_name="agreements")
    model_version = models.CharField(_("model agreement and version"), max_length=200)
    signed_on = models.DateField(_("signed on"))
    review_on = models.DateField(_("review date"), null=True, blank=True)
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    document = models.FileField(
        _("signed agreement (PDF)"),
        storage=get_private_storage,
        upload_to=agreement_path,
        max_length=200,
        blank=True,
    )
    document_name = models.CharField(_("file name"), max_length=200, blank=True)
    document_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    # The product privacy sheet (privacybijsluiter).
    personal_data = models.TextField(_("which personal data"), blank=True)
    purposes = models.TextField(_("for which purposes"), blank=True)
    retention = models.TextField(_("how long the data is kept"), blank=True)
    sub_processors = models.TextField(_("sub-processors"), blank=True)
    storage_location = models.CharField(_("where the data is stored"), max_length=200, blank=True)
    security_measures = models.TextField(_("security measures"), blank=True)
    anonymised = models.CharField(
        _("whether the data is anonymised"),
        max_length=20,
        choices=Anonymisation.choices,
        default=Anonymisation.UNKNOWN,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("processor agreement")
        ordering = ["-signed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_on__isnull=True) | Q(review_on__gte=models.F("signed_on")),
                name="agreement_review_after_signing",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("signed_on")),
                name="agreement_end_after_signing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.processor}: {self.model_version} ({self.signed_on})"

    def is_valid_on(self, day: date) -> bool:
        """Signed, not ended, and not past its review date.

        A passed review date counts as invalid on purpose: the sector's model agreement is
        agreed for a period, and an agreement nobody reviewed may no longer match what the
        product does with pupils' data. Renew it (a new agreement) or set a later date.
        """
        return (
            self.signed_on <= day
            and (self.ends_on is None or day <= self.ends_on)
            and (self.review_on is None or day <= self.review_on)
        )

    @property
    def deadline(self) -> date | None:
        """The first date by which the privacy officer must act: review or end, whichever first."""
        dates = [d for d in (self.review_on, self.ends_on) if d is not None]
        return min(dates, default=None)

    def reminder_due_on(self, day: date, days_before: int) -> bool:
        """Remind from `days_before` days before the deadline until the deadline itself.

        Not for an agreement that has ended or has no deadline; after the deadline the
        processor shows among those without a valid agreement instead.
        """
        deadline = self.deadline
        if deadline is None or (self.ends_on is not None and self.ends_on < day):
            return False
        return deadline - timedelta(days=days_before) <= day <= deadline


class AgreementReminder(models.Model):
    """That the reminder for one deadline of one agreement was sent: it is sent once.

    Keyed on the deadline, so a review date moved later gets its own reminder in time.
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="reminders")
    deadline = models.DateField(_("deadline"))
    sent_at = models.DateTimeField(_("sent at"))
    recipients = models.JSONField(_("recipients"), default=list)

    class Meta:
        verbose_name = _("agreement reminder")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "deadline"], name="one_reminder_per_deadline"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement} ({self.deadline})"


class LegalBasis(models.TextChoices):
    """The six lawful bases of GDPR art. 6(1)."""

    CONSENT = "consent", _("consent (art. 6(1)(a))")
    CONTRACT = "contract", _("performance of a contract (art. 6(1)(b))")
    LEGAL_OBLIGATION = "legal_obligation", _("legal obligation (art. 6(1)(c))")
    VITAL_INTERESTS = "vital_interests", _("vital interests (art. 6(1)(d))")
    PUBLIC_TASK = "public_task", _("public task (art. 6(1)(e))")
    LEGITIMATE_INTERESTS = "legitimate_interests", _("legitimate interests (art. 6(1)(f))")


class ProcessingActivity(models.Model):
    """One entry of the record of processing activities (GDPR art. 30(1))."""

    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="processing_activities")
    name = models.CharField(_("activity"), max_length=200)
    purpose = models.TextField(_("purpose"))
    legal_basis = models.CharField(_("legal basis"), max_length=30, choices=LegalBasis.choices)
    data_categories = models.TextField(_("categories of personal data"))
    data_subjects = models.TextField(_("categories of data subjects"))
    recipients = models.TextField(_("recipients"), blank=True)
    processors = models.ManyToManyField(
        Processor, blank=True, related_name="activities", verbose_name=_("processors")
    )
    retention = models.TextField(_("retention period"))
    transfers = models.TextField(_("transfers outside the EEA"), blank=True)
    security_measures = models.TextField(_("security measures"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("processing activity")
        verbose_name_plural = _("processing activities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
