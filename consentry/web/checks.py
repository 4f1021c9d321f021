"""Settings that must not reach production, reported by `consentry check --deploy`."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def demo_mode_off(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Demo mode signs anyone in as any persona with one click and shows every mail sent,
    sign-in codes included, on an open outbox page: right for the demo's made-up school,
    an open door on real data."""
    if not settings.DEMO_MODE:
        return []
    return [
        checks.Warning(
            "CONSENTRY_DEMO is on: anyone can sign in as a demo persona with one click, and "
            "/demo/outbox/ shows every mail sent, sign-in codes included.",
            hint="Never run demo mode on real data: unset CONSENTRY_DEMO.",
            id="web.W001",
        )
    ]
