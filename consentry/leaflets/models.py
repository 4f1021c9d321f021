"""The school's privacy leaflet (bijsluiter) in versions, with its consent categories."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from consentry.schools.models import School


def _in_language(nl: str, en: str) -> str:
    return en if (get_language() or "nl").startswith("en") and en else nl


def _localized(name: str) -> property:
    """The text `name` in the current language (Dutch when there is no English)."""
    return property(
        lambda self: _in_language(getattr(self, f"{name}_nl"), getattr(self, f"{name}_en"))
    )


class LeafletVersionQuerySet(models.QuerySet["LeafletVersion"]):
    def active(self) -> "LeafletVersionQuerySet":
        return self.filter(status=LeafletVersion.Status.ACTIVE)

    def without_texts(self) -> "LeafletVersionQuerySet":
        """Leave the school's long texts in the database: most pages need only the label,
        the status and the answer round (and the categories)."""
        return self.defer(*LeafletVersion.text_fields())


class LeafletVersion(models.Model):
    """One version of a school's leaflet. At most one version of a school is active.

    `answer_round` says which answers count: a material change starts a new round (everyone
    must answer again; older answers stay in the history but no longer count), a minor edit
    keeps the round, so answers carry over.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("active")
        ARCHIVED = "archived", _("archived")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="leaflet_versions")
    label = models.CharField(_("label"), max_length=100, help_text="versie 2023")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    answer_round = models.PositiveIntegerField(_("answer round"), default=0)
    material_change = models.BooleanField(_("material change"), null=True, blank=True)
    # The school's own words, in the order the leaflet reads. Paragraphs are separated by an
    # empty line. What follows from the configuration (the categories, the processors with a
    # valid agreement, the contact address, how to manage preferences) is generated around them.
    intro_nl = models.TextField(_("introduction (Dutch)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    agreements_nl = models.TextField(_("processor agreements (Dutch)"), blank=True)
    agreements_en = models.TextField(_("processor agreements (English)"), blank=True)
    reduction_nl = models.TextField(_("data reduction and accountability (Dutch)"), blank=True)
    reduction_en = models.TextField(_("data reduction and accountability (English)"), blank=True)
    active_consent_nl = models.TextField(_("active consent (Dutch)"), blank=True)
    active_consent_en = models.TextField(_("active consent (English)"), blank=True)
    conduct_nl = models.TextField(_("what we ask of parents (Dutch)"), blank=True)
    conduct_en = models.TextField(_("what we ask of parents (English)"), blank=True)
    closing_nl = models.TextField(_("closing (Dutch)"), blank=True)
    closing_en = models.TextField(_("closing (English)"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LeafletVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("leaflet version")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["school"], condition=models.Q(status="active"), name="one_active_leaflet"
            ),
            models.UniqueConstraint(fields=["school", "label"], name="unique_leaflet_label"),
        ]

    # The texts above by name; each has a Dutch and an English field.
    TEXTS = ("intro", "agreements", "reduction", "active_consent", "conduct", "closing")

    def __str__(self) -> str:
        return f"{self.school}: {self.label}"

    intro = _localized("intro")
    agreements = _localized("agreements")
    reduction = _localized("reduction")
    active_consent = _localized("active_consent")
    conduct = _localized("conduct")
    closing = _localized("closing")

    @classmethod
    def text_fields(cls) -> list[str]:
        return [f"{name}_{language}" for name in cls.TEXTS for language in ("nl", "en")]

    def replaced_at(self) -> datetime | None:
        """When the next version was published: the end of this one's time as the active
        leaflet (None while it is a draft or still active)."""
        if self.status != self.Status.ARCHIVED or self.published_at is None:
            return None
        later = LeafletVersion.objects.filter(
            school_id=self.school_id, published_at__gt=self.published_at
        )
        return later.order_by("published_at").values_list("published_at", flat=True).first()


class Category(models.Model):
    """A use of images and data that needs consent. Its number is stable across versions:
    consent events refer to the number, so a reworded category keeps its answers."""

    version = models.ForeignKey(LeafletVersion, on_delete=models.CASCADE, related_name="categories")
    number = models.PositiveSmallIntegerField(_("number"))
    title_nl = models.CharField(_("title (Dutch)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    purpose_nl = models.TextField(_("purpose (Dutch)"))
    purpose_en = models.TextField(_("purpose (English)"))
    examples_nl = models.TextField(_("examples (Dutch)"), blank=True)
    examples_en = models.TextField(_("examples (English)"), blank=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="unique_category_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def title(self) -> str:
        return _in_language(self.title_nl, self.title_en)

    @property
    def purpose(self) -> str:
        return _in_language(self.purpose_nl, self.purpose_en)

    @property
    def examples(self) -> str:
        return _in_language(self.examples_nl, self.examples_en)
