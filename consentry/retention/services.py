"""The daily retention job: destroy what has expired, under each registered rule.

Each rule reads what has expired a page at a time (`registry.in_pages`) and destroys each
page in a transaction of its own, school by school, with one audit entry per school and page
("retention.destroyed": the rule, what kind of rows, their ids and the counts per model,
never names). So memory stays bounded however much has expired (a first run over years of a
whole country's mail), and a failure rolls back the page it happened in: the rule stops
there (its earlier pages stay destroyed and audited) and the other rules still run. A dry run
lists exactly what a real run would destroy and changes nothing. Running twice is harmless:
what was destroyed is no longer expired.
"""

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from django.db import transaction
from django.utils import timezone

from consentry.audit.services import record

from . import registry
from .models import RetentionPolicy
from .registry import PAGE, Item, Rule

logger = logging.getLogger(__name__)
ACTOR = "retention job"

# Called for every expired item as it is read (the command prints it): (rule, item).
Report = Callable[[Rule, Item], None]


@dataclass
class RuleRun:
    rule: Rule
    due: list[Item] = field(default_factory=list)  # destroyed, or would be in a dry run
    kept: list[Item] = field(default_factory=list)  # expired, but held (with the reason)
    due_count: int = 0
    kept_count: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    error: str = ""


def _pages(items: Iterable[Item]) -> Iterator[list[Item]]:
    iterator = iter(items)
    while page := list(islice(iterator, PAGE)):
        yield page


def run(
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    school_id: int | None = None,
    report: Report | None = None,
    keep_items: bool = True,
) -> list[RuleRun]:
    """Run every rule (for one school only with `school_id`, as a dry run for its page).

    `keep_items=False` keeps counts only: with `report` the command streams every item to
    its output instead of holding a country's worth of them.
    """
    now = now or timezone.now()
    runs = []
    for rule in registry.rules():
        rule_run = RuleRun(rule)
        try:
            for page in _pages(_expired(rule, now, school_id)):
                due = [item for item in page if not item.kept]
                rule_run.due_count += len(due)
                rule_run.kept_count += len(page) - len(due)
                if keep_items:
                    rule_run.due += due
                    rule_run.kept += [item for item in page if item.kept]
                if report is not None:
                    for item in page:
                        report(rule, item)
                if not dry_run and due:
                    rule_run.counts += _destroy(rule, due)
        except Exception as error:  # one broken rule must not stop the others
            logger.exception("Retention rule %s failed", rule.name)
            rule_run.error = f"{type(error).__name__}: {error}"
        runs.append(rule_run)
    return runs


def _expired(rule: Rule, now: datetime, school_id: int | None) -> Iterable[Item]:
    if school_id is None:
        return rule.expired(now)
    if rule.school_filter:
        return rule.expired(now, school_id=school_id)
    return (item for item in rule.expired(now) if item.school_id == school_id)


@transaction.atomic
def _destroy(rule: Rule, items: list[Item]) -> Counter[str]:
    """One page of a rule's expired items, in one transaction, an audit entry per school."""
    by_school: dict[int | None, list[Item]] = defaultdict(list)
    for item in items:
        by_school[item.school_id].append(item)
    total: Counter[str] = Counter()
    for school_id, school_items in by_school.items():
        counts = rule.destroy(school_items)
        record(
            "retention.destroyed",
            actor=ACTOR,
            school_id=school_id,
            data={
                "rule": rule.name,
                "what": rule.what,
                "ids": [item.pk for item in school_items],
                "counts": dict(sorted(counts.items())),
            },
        )
        total += counts
    return total


def due_for_school(school_id: int, *, now: datetime | None = None) -> list[RuleRun]:
    """The dry run, for one school's overview page: counts only."""
    return run(now=now, dry_run=True, school_id=school_id, keep_items=False)


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
