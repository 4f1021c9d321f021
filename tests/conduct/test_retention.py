"""Acknowledgements are deleted a year after the period they covered (conduct/retention.py),
by the daily retention run (`consentry retention`, the worker's schedule); what is still
needed stays, and the audit trail keeps its nameless record."""

from datetime import date, timedelta
from io import StringIO

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from consentry.audit.models import AuditEntry
from consentry.audit.services import verify_chain
from consentry.conduct import retention, services
from consentry.conduct.models import Acknowledgement, PrivacyRules
from tests.conduct.conftest import signed_in


def on_paper(world, name: str, period_from: date, period_to: date) -> Acknowledgement:
    rules = PrivacyRules.objects.current_for(world.school)
    return services.record_on_paper(
        world.leadership,
        rules,
        name=name,
        role="photographer",
        period_from=period_from,
        period_to=period_to,
    )


def test_an_acknowledgement_is_deleted_a_year_after_its_period_and_not_before(world):
    today = timezone.localdate()
    year = timedelta(days=retention.DEFAULT_DAYS)
    old = on_paper(
        world, "Karin Postma", today - year - timedelta(days=10), today - year - timedelta(days=1)
    )
    last_day = on_paper(world, "Piet de Vries", today - year - timedelta(days=3), today - year)
    intern = Acknowledgement.objects.get(user=world.intern)  # the world's, current

    out = StringIO()
    call_command("retention", stdout=out)

    left = set(Acknowledgement.objects.values_list("pk", flat=True))
    assert old.pk not in left
    assert {last_day.pk, intern.pk} <= left  # ended exactly a year ago; still in force
    [entry] = [
        e for e in AuditEntry.objects.filter(action="retention.destroyed")
        if e.data["rule"] == retention.RULE
    ]  # fmt: skip
    assert entry.data["ids"] == [old.pk] and entry.school_id == world.school.pk
    assert "Karin" not in str(entry.data)
    assert AuditEntry.objects.filter(action="conduct.acknowledged", object_id=str(old.pk))
    assert verify_chain()[1] is None

    page = (
        signed_in(world.leadership)
        .get(reverse("conduct_acknowledgements", args=[world.school.pk]))
        .text
    )
    assert "Karin Postma" not in page and "Piet de Vries" in page
    # The intern whose acknowledgement is in force still gets in.
    assert signed_in(world.intern).get(reverse("home")).status_code == 200


def test_the_rule_is_listed_with_its_period(world):
    from consentry.retention import registry

    [rule] = [r for r in registry.rules() if r.name == retention.RULE]
    assert "365" in rule.description()
