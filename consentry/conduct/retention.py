"""Acknowledgements of the privacy rules in retention (`consentry.retention.registry`),
registered from `ConductConfig.ready()`.

Rule `conduct.acknowledgement`: an acknowledgement names an intern or visitor (and, for a
visitor without an account, that name is all it is). It is the school's proof that they
promised to keep the rules while they were there, which matters while questions about that
time can still come up: a complaint, or a data breach found later (the register's own
questions are answered within the year). So it is kept RETENTION_ACKNOWLEDGEMENT_DAYS (365)
days after the end of the period it covered, then deleted. The audit entry of the
acknowledgement stays, without a name (ids, dates, the version), as the leaflet's promise
"visitors and interns keep our privacy rules" asks; the signed paper sheet is the school's
own to destroy.
"""

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from consentry.retention.registry import Item, Rule, in_pages, register_rule

from .models import Acknowledgement

RULE = "conduct.acknowledgement"
DEFAULT_DAYS = 365


def kept_days() -> int:
    return getattr(settings, "RETENTION_ACKNOWLEDGEMENT_DAYS", DEFAULT_DAYS)


def expired_acknowledgements(now: datetime, school_id: int | None = None) -> Iterator[Item]:
    """Acknowledgements whose period ended more than the retention period before today."""
    last_kept_end = timezone.localdate(now) - timedelta(days=kept_days())
    rows = Acknowledgement.objects.filter(period_to__lt=last_kept_end)
    if school_id is not None:
        rows = rows.filter(school_id=school_id)
    return in_pages(
        rows,
        ("school_id", "role", "period_to"),
        lambda page: [
            Item(
                pk,
                school,
                _("%(role)s, period ended on %(day)s") % {"role": role, "day": f"{ended:%Y-%m-%d}"},
            )
            for pk, school, role, ended in page
        ],
    )


def destroy_acknowledgements(items: list[Item]) -> Counter[str]:
    # A queryset delete: the model refuses a delete one by one (append-only for people).
    deleted, _per_model = Acknowledgement.objects.filter(pk__in=[i.pk for i in items]).delete()
    return Counter({"conduct.acknowledgement": deleted})


def _description() -> str:
    return _(
        "Acknowledgements of the privacy rules by interns and visitors: deleted %(days)s days "
        "after the end of the period they covered."
    ) % {"days": kept_days()}


def register() -> None:
    register_rule(
        Rule(
            name=RULE,
            what="conduct.acknowledgement",
            description=_description,
            expired=expired_acknowledgements,
            destroy=destroy_acknowledgements,
            school_filter=True,
        )
    )
