"""The school's privacy rules for interns and visitors, and who acknowledged which version.

The leaflet promises parents that visitors and interns keep the school's privacy rules.
The rules are a versioned text: a published version is never edited (what someone
acknowledged must stay readable as it was), so a change is always a new version, and a new
version needs a new acknowledgement. Acknowledgements are append-only: who (an account, or a
name for a visitor without one), in which role, for which period, which version, when, and
whether it was given on the web or signed on paper and recorded by staff.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from consentry.consent.models import AppendOnlyModel
from consentry.schools.models import School

TEXT_MAX = 20_000


class PrivacyRulesQuerySet(models.QuerySet["PrivacyRules"]):
    def published(self) -> "PrivacyRulesQuerySet":
        return self.filter(published_at__isnull=False)

    def current_for(self, school: School) -> "PrivacyRules | None":
        """The version in force: the one published last. Earlier ones stay as history."""
        return self.published().filter(school=school).order_by("-published_at", "-pk").first()


class PrivacyRules(models.Model):
    """One version of a school's privacy rules (gedragsregels privacy)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="privacy_rules")
    label = models.CharField(
        _("version"), max_length=100, help_text=_("For example: Gedragsregels privacy 2026.")
    )
    text_nl = models.TextField(_("text in Dutch"), max_length=TEXT_MAX)
    text_en = models.TextField(
        _("text in English"),
        max_length=TEXT_MAX,
        blank=True,
        help_text=_("Optional: shown to whoever reads Consentry in English."),
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = PrivacyRulesQuerySet.as_manager()

    class Meta:
        verbose_name = _("privacy rules")
        verbose_name_plural = _("privacy rules")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "label"], name="unique_privacy_rules_label")
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs):
        """A published version is never changed: someone acknowledged exactly that text.
        (Publishing itself is a guarded update in services.publish, not a save.)"""
        if not self._state.adding and self._stored_as_published():
            raise ValueError("Published privacy rules are never edited: write a new version.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_as_published():
            raise ValueError("Published privacy rules are kept as history.")
        return super().delete(*args, **kwargs)

    def _stored_as_published(self) -> bool:
        return PrivacyRules.objects.published().filter(pk=self.pk).exists()

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def text(self) -> str:
        """The text in the reader's language; the Dutch text when there is no English one."""
        return self.text_en if get_language() == "en" and self.text_en else self.text_nl


class Acknowledgement(AppendOnlyModel):
    """Someone read a version of the rules and promised to keep them, for a period."""

    class Role(models.TextChoices):
        INTERN = "intern", _("intern")
        VISITOR = "visitor", _("visitor")
        VOLUNTEER = "volunteer", _("volunteer")
        PHOTOGRAPHER = "photographer", _("photographer")
        OTHER = "other", _("other")

    class Channel(models.TextChoices):
        WEB = "web", _("on the web")
        PAPER = "paper", _("signed on paper")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="acknowledgements")
    rules = models.ForeignKey(
        PrivacyRules, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    # An intern's or visitor's own account, or empty for a visitor without one (then the
    # name is all we keep). The name is kept for accounts too, as it was when they signed.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="acknowledgements",
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    period_from = models.DateField(_("from"))
    period_to = models.DateField(_("until"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    channel = models.CharField(_("how"), max_length=10, choices=Channel.choices)

    class Meta:
        verbose_name = _("acknowledgement of the privacy rules")
        ordering = ["-acknowledged_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_to__gte=F("period_from")), name="acknowledgement_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.rules}"

    def covers(self, day: date) -> bool:
        return self.period_from <= day <= self.period_to
