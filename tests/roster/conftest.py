from datetime import date

import pytest
from django.utils import timezone, translation

from consentry.roster import services
from consentry.roster.sync import Options

TODAY = date(2025, 10, 1)


@pytest.fixture(autouse=True)
def english():
    """Messages are English source text; the Dutch catalogue must not change what tests read."""
    with translation.override("en"):
        yield


def do_import(
    kind: str,
    data: bytes | dict,
    *,
    school=None,
    dry_run: bool = False,
    name: str = "roster",
    actor=None,
    today: date = TODAY,
    **options,
):
    """Parse and run an import as the command does; returns the Outcome."""
    assert "created" not in options, "pass the file's creation date to the builder"
    if isinstance(data, dict):
        upload = services.Upload(kind, name, files=data)
    else:
        upload = services.Upload(kind, name, data=data)
    roster = services.parse(upload, today=today)
    return services.run(
        roster,
        school=school,
        options=Options(today=today, **options),
        dry_run=dry_run,
        upload=upload,
        actor=actor,
    )


def counts(outcome, entity: str) -> tuple[int, int, int, int]:
    c = outcome.summary[entity]
    return c["created"], c["updated"], c["unchanged"], c["left"]


def errors(outcome) -> list[str]:
    return [e["text"] for e in outcome.summary["errors"]]


def now():
    return timezone.now()
