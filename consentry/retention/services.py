"""The daily retention job: destroy what has expired, under each registered rule.

Each rule runs in its own transaction, school by school, with one audit entry per school
("retention.destroyed": the rule, what kind of rows, their ids and the counts per model, never
names). A rule that fails rolls back alone; the others still run. A dry run lists exactly what
a real run would destroy and changes nothing. Running twice is harmless: what was destroyed is
no longer expired.
"""

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from consentry.audit.services import record

from . import registry
from .models import RetentionPolicy
from .registry import Item, Rule

logger = logging.getLogger(__name__)
ACTOR = "retention job"
IDS_PER_ENTRY = 1000  # keeps one audit entry small on a first run over years of data


@dataclass
class RuleRun:
    rule: Rule
    due: list[Item]  # destroyed, or would be in a dry run
    kept: list[Item]  # expired, but something holds them (with the reason)
    counts: Counter[str] = field(default_factory=Counter)
    error: str = ""


def run(*, now: datetime | None = None, dry_run: bool = False) -> list[RuleRun]:
    now = now or timezone.now()
    runs = []
    for rule in registry.rules():
        items = rule.expired(now)
        rule_run = RuleRun(
            rule,
            due=[item for item in items if not item.kept],
            kept=[item for item in items if item.kept],
        )
        if not dry_run and rule_run.due:
            try:
                rule_run.counts = _destroy(rule, rule_run.due)
            except Exception as error:  # one broken rule must not stop the others
                logger.exception("Retention rule %s failed", rule.name)
                rule_run.error = f"{type(error).__name__}: {error}"
        runs.append(rule_run)
    return runs


@transaction.atomic
def _destroy(rule: Rule, items: list[Item]) -> Counter[str]:
    by_school: dict[int | None, list[Item]] = defaultdict(list)
    for item in items:
        by_school[item.school_id].append(item)
    total: Counter[str] = Counter()
    for school_id, school_items in by_school.items():
        counts = rule.destroy(school_items)
        for start in range(0, len(school_items), IDS_PER_ENTRY):
            chunk = school_items[start : start + IDS_PER_ENTRY]
            record(
                "retention.destroyed",
                actor=ACTOR,
                school_id=school_id,
                data={
                    "rule": rule.name,
                    "what": rule.what,
                    "ids": [item.pk for item in chunk],
                    "counts": dict(sorted(counts.items())) if start == 0 else {},
                },
            )
        total += counts
    return total


def due_for_school(school_id: int, *, now: datetime | None = None) -> list[RuleRun]:
    """The dry run, for one school's overview page."""
    return [
        RuleRun(
            rule_run.rule,
            due=[item for item in rule_run.due if item.school_id == school_id],
            kept=[item for item in rule_run.kept if item.school_id == school_id],
        )
        for rule_run in run(now=now, dry_run=True)
    ]


@transaction.atomic
def set_policy(policy: RetentionPolicy, *, actor) -> None:
    """A school's own period for the records of pupils who left (None: the default), set by
    the board's privacy officer, audited like every register change."""
    policy.save()
    record(
        "retention.policy_changed",
        actor=actor,
        obj=policy,
        school_id=policy.school_id,
        data={"left_pupil_years": policy.left_pupil_years},
    )
