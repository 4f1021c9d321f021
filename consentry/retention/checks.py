"""Retention periods that cannot be right are reported at start-up, not found out later."""

from django.conf import settings
from django.core import checks

from consentry.mail.reminders import INTERVAL


@checks.register()
def retention_periods(app_configs, **kwargs) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    if settings.RETENTION_LEFT_PUPIL_YEARS < 1:
        errors.append(
            checks.Error(
                "CONSENTRY_RETENTION_LEFT_PUPIL_YEARS must be at least 1.", id="retention.E001"
            )
        )
    week = INTERVAL.days
    mail_days = settings.RETENTION_MAIL_DAYS
    if mail_days < week:
        errors.append(
            checks.Error(
                f"CONSENTRY_RETENTION_MAIL_DAYS must be at least {week}: reminders "
                "look back that far to mail a guardian at most once a week.",
                id="retention.E002",
            )
        )
    if settings.RETENTION_ROSTER_UPLOAD_DAYS < 2:
        errors.append(
            checks.Error(
                "CONSENTRY_RETENTION_ROSTER_UPLOAD_DAYS must be at least 2: an upload waits a "
                "day for its confirmation.",
                id="retention.E003",
            )
        )
    return errors
