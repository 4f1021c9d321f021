"""A school's own retention periods, where it departs from the installation's defaults."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from consentry.schools.models import School


class RetentionPolicy(models.Model):
    """Per school: how long the records of pupils who left are kept (empty: the default,
    CONSENTRY_RETENTION_LEFT_PUPIL_YEARS). The board's privacy officer sets it."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="retention")
    left_pupil_years = models.PositiveSmallIntegerField(
        _("years to keep the records of pupils who left"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")

    def __str__(self) -> str:
        return f"{self.school}: {self.left_pupil_years}"
