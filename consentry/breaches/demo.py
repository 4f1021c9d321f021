"""Two demo breaches for `consentry seed_demo`: one whose 72-hour clock is nearly out, one
closed without notifying the AP. The texts are Dutch, like the rest of the demo school."""

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from consentry.accounts.models import User
from consentry.schools.models import School

from . import services
from .models import Breach


def seed(school: School, *, keeper: User, reporter_email: str = "") -> list[Breach]:
    now = timezone.now()
    return [_open_breach(school, reporter_email, now), _closed_breach(school, keeper, now)]


def _open_breach(school: School, reporter_email: str, now) -> Breach:
    """Discovered and reported 54 hours ago: due within 24 hours; the reminders went out."""
    discovered = now - timedelta(hours=54)
    breach = Breach(
        description=(
            "Ik kreeg vanochtend een mail van de school met in de bijlage een lijst met namen, "
            "adressen en telefoonnummers van alle kinderen uit groep Zonnebloem en hun ouders."
        ),
        occurred_at=discovered - timedelta(hours=1),
        discovered_at=discovered,
        reporter_name="Sanne de Vries",
        reporter_email=reporter_email,
    )
    services.report(breach, school=school, actor=AnonymousUser(), now=discovered)
    breach.data_concerned = "Namen, adressen en telefoonnummers"
    breach.people_concerned = "Leerlingen van groep Zonnebloem en hun ouders"
    breach.people_count = 60
    breach.cause = "Bij het versturen van de nieuwsbrief is de verkeerde bijlage gekozen."
    breach.risk = Breach.Risk.RISK
    breach.save()
    services.send_due_reminders(now=now, breach_ids=[breach.pk])
    return breach


def _closed_breach(school: School, keeper: User, now) -> Breach:
    """A stolen laptop with an encrypted disk: recorded, not reported to the AP, closed."""
    discovered = now - timedelta(days=20)
    breach = Breach(
        description="De laptop van een leerkracht is uit de auto gestolen.",
        occurred_at=discovered - timedelta(hours=12),
        discovered_at=discovered,
        reporter_name="Fatima el Amrani",
        data_concerned="Toetsresultaten en verslagen van groep Zonnebloem",
        people_concerned="Leerlingen van groep Zonnebloem",
        people_count=28,
        cause="Diefstal uit een auto.",
        risk=Breach.Risk.UNLIKELY,
        risk_assessment="De schijf is versleuteld (BitLocker); het wachtwoord is niet meegenomen.",
        measures="Laptop op afstand gewist, wachtwoord gewijzigd, aangifte gedaan.",
        people_informed=Breach.Informed.NOT_NEEDED,
    )
    services.report(breach, school=school, actor=AnonymousUser(), now=discovered)
    services.record_authority_decision(
        breach,
        actor=keeper,
        not_needed_reason="Versleutelde schijf: geen risico voor de betrokkenen.",
    )
    services.close(breach, actor=keeper, now=discovered + timedelta(days=2))
    return breach
