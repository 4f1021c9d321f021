from datetime import timedelta

from django.utils import timezone

from consentry.accounts.models import User
from consentry.conduct import services
from consentry.conduct.models import PrivacyRules
from consentry.schools.models import School


def publish_rules(school: School, keeper: User, label: str = "Regels 2026") -> PrivacyRules:
    """A published version of the school's privacy rules, through the real services."""
    rules = services.start_draft(
        school,
        label=label,
        text_nl=f"{label}: geen foto's met je eigen telefoon.",
        text_en=f"{label}: no photos on your own phone.",
        actor=keeper,
    )
    return services.publish(rules, actor=keeper)


def publish_rules_acknowledged_by(user: User, *, school: School, keeper: User) -> PrivacyRules:
    """The rules in force, acknowledged on the web by `user` (an intern or visitor) from
    today for a year, so their account opens what their role allows."""
    rules = publish_rules(school, keeper)
    today = timezone.localdate()
    services.acknowledge(
        user, rules, period_from=today, period_to=today + timedelta(days=365), on=today
    )
    return rules
