from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser

from consentry.breaches import services
from consentry.breaches.models import Breach
from consentry.schools.models import School

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def at(*args: int) -> datetime:
    """A moment on the school's wall clock."""
    return datetime(*args, tzinfo=AMSTERDAM)


def report(
    school: School, discovered: datetime, *, now: datetime | None = None, **fields
) -> Breach:
    """A breach reported through the public form at `now` (by default: when discovered)."""
    fields.setdefault("description", "A class list was e-mailed to the wrong parents.")
    breach = Breach(discovered_at=discovered, **fields)
    return services.report(breach, school=school, actor=AnonymousUser(), now=now or discovered)
