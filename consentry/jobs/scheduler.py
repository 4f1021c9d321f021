"""The schedule (`schedule.SCHEDULE`) for the SQLite engine: `consentry worker` calls
`start_due()` between jobs. (On PostgreSQL, Procrastinate's periodic tasks do the same.)

Each entry's latest moment (by its cron expression, in the server's time zone) is started at
most once: the `PeriodicRun` row for that moment and the enqueued job commit together, and
the row is unique. A worker that was not running at 03:15 starts the missed moment when it
comes back (once, however many were missed). The first time a worker sees an entry it notes
the latest moment without running it: a new installation does not run the night's jobs the
minute it starts (the demo's "due" examples stay visible).
"""

from datetime import datetime, timedelta

from croniter import croniter
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import PeriodicRun
from .schedule import SCHEDULE, Periodic


def latest_moment(entry: Periodic, now: datetime) -> datetime:
    """The most recent moment of the entry's cron expression at or before `now`."""
    local = timezone.localtime(now) + timedelta(seconds=1)  # a moment exactly now counts
    return croniter(entry.cron, local).get_prev(datetime)


def start_due(now: datetime | None = None) -> list[str]:
    """Enqueue every entry whose latest moment has not been started; their names."""
    now = now or timezone.now()
    started = []
    for entry in SCHEDULE:
        moment = latest_moment(entry, now)
        if PeriodicRun.objects.filter(name=entry.name, due_at=moment).exists():
            continue
        first_time = not PeriodicRun.objects.filter(name=entry.name).exists()
        try:
            with transaction.atomic():
                run = PeriodicRun.objects.create(name=entry.name, due_at=moment)
                if not first_time:
                    run.job = import_string(entry.task).enqueue().id
                    run.save(update_fields=["job"])
                    started.append(entry.name)
        except IntegrityError:
            continue  # another worker took this moment
    return started
