"""Read-only summaries of consent for the pages: what a guardian must be told first, who may
appear in a category, and how far a school has got with its answers.

Nothing here decides what consent means: every state comes from `services.consent_overview`,
so the pages show exactly what the photo gate applies.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from consentry.accounts.models import User
from consentry.schools.models import Group, Pupil

from .services import ConsentFacts, State, Verdict, consent_overview, load_facts

Decider = tuple[int, int | None]  # (pupil id, guardian's user id or None for the pupil)


def answers_owed(
    pupils: QuerySet[Pupil] | Iterable[Pupil], *, facts: ConsentFacts | None = None
) -> dict[Decider, list[int]]:
    """Per decider: the categories they answered in an earlier answer round, but not yet in
    the active one.

    A material change to the leaflet makes older answers stop counting. Someone who answered
    before would think their answer still holds, so they must be told first, and by name of
    the categories. Only deciders who count now are listed: guardians with parental authority
    below 16, the pupil from 16 (decider None).
    """
    facts = facts or load_facts(pupils)
    today = timezone.localdate()
    school_of = {row.id: row.school_id for row in facts.pupils}
    counting: set[Decider] = {
        (row.id, None)
        for row in facts.pupils
        if Pupil(date_of_birth=row.date_of_birth).decides_for_self(today)
    }
    counting |= {
        (pupil_id, g) for pupil_id, guardians in facts.authority.items() for g in guardians
    }
    earlier: dict[Decider, set[int]] = defaultdict(set)
    now: dict[Decider, set[int]] = defaultdict(set)
    for pupil_id, number, guardian_id, _given, version_id in facts.events:
        school_id = school_of[pupil_id]
        if school_id not in facts.active or (pupil_id, guardian_id) not in counting:
            continue
        into = now if facts.counts_now(school_id, version_id) else earlier
        into[(pupil_id, guardian_id)].add(number)
    owed = {}
    for decider, numbers in earlier.items():
        current = set(facts.numbers(school_of[decider[0]]))
        missing = sorted((numbers & current) - now[decider])
        if missing:
            owed[decider] = missing
    return owed


def conflicts(verdicts: dict[int, Verdict]) -> list[int]:
    """The categories where the guardians disagree: it counts as no until they agree, and
    both guardians must know, or each would think their own answer holds."""
    return [number for number, v in verdicts.items() if v.state is State.CONFLICT]


@dataclass
class Appearance:
    """Who may appear in one category. The never-photograph pupils are listed apart (and
    shown first), because overlooking one of them does the most harm."""

    may: list[Pupil] = field(default_factory=list)
    may_not: list[tuple[Pupil, Verdict]] = field(default_factory=list)
    never: list[Pupil] = field(default_factory=list)


def who_may_appear(
    pupils: Iterable[Pupil], category_number: int, *, facts: ConsentFacts | None = None
) -> Appearance:
    """Split a staff member's pupils by their state in one category. Only `yes` allows."""
    overview = consent_overview(pupils, facts=facts)
    result = Appearance()
    for pupil in pupils:
        verdict = overview[pupil.pk][category_number]
        if verdict.state is State.NEVER:
            result.never.append(pupil)
        elif verdict.allowed:
            result.may.append(pupil)
        else:
            result.may_not.append((pupil, verdict))
    return result


@dataclass(frozen=True)
class Rate:
    answered: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0

    def __add__(self, other: "Rate") -> "Rate":
        return Rate(self.answered + other.answered, self.total + other.total)


@dataclass
class RateTable:
    """Answered / total per group (rows) and category (columns), with the totals."""

    numbers: list[int]
    rows: list[tuple[Group | None, list[Rate], Rate]]  # a rate per category, the group's
    totals: list[Rate]
    total: Rate


def _listed(pupils: QuerySet[Pupil] | Iterable[Pupil]) -> list[Pupil]:
    if isinstance(pupils, QuerySet):
        return list(pupils.select_related("group"))
    return list(pupils)


def response_rates(
    pupils: QuerySet[Pupil] | Iterable[Pupil],
    numbers: Iterable[int],
    *,
    facts: ConsentFacts | None = None,
) -> RateTable:
    """How many pupils have an answer, per group and category.

    A response rate measures the guardians' answers, so a never-photograph flag is looked
    through here (the answer under it still counts as an answer); a conflict is an answer.
    """
    numbers = list(numbers)
    pupils = _listed(pupils)
    ids = [pupil.pk for pupil in pupils]
    overview = consent_overview(pupils, hide_never_flag_for=ids, facts=facts)
    groups: dict[int | None, Group | None] = {}
    by_group: dict[int | None, dict[int, Rate]] = defaultdict(
        lambda: {n: Rate(0, 0) for n in numbers}
    )
    for pupil in pupils:
        groups[pupil.group_id] = pupil.group
        row = by_group[pupil.group_id]
        for number in numbers:
            answered = overview[pupil.pk][number].state is not State.UNANSWERED
            row[number] += Rate(int(answered), 1)

    def order(key: int | None) -> tuple[bool, str]:
        group = groups[key]
        return (group is None, group.name if group else "")

    rows = []
    for key in sorted(by_group, key=order):
        rates = [by_group[key][n] for n in numbers]
        rows.append((groups[key], rates, sum(rates, Rate(0, 0))))
    totals = [sum((row[1][i] for row in rows), Rate(0, 0)) for i in range(len(numbers))]
    return RateTable(numbers, rows, totals, sum(totals, Rate(0, 0)))


def unanswered(
    pupils: QuerySet[Pupil] | Iterable[Pupil], *, facts: ConsentFacts | None = None
) -> list[tuple[Pupil, int]]:
    """Pupils with at least one category without an answer, and how many: the people to
    remind or to call. Flags are looked through, as for the response rates."""
    pupils = _listed(pupils)
    ids = [pupil.pk for pupil in pupils]
    overview = consent_overview(pupils, hide_never_flag_for=ids, facts=facts)
    result = []
    for pupil in pupils:
        count = sum(v.state is State.UNANSWERED for v in overview[pupil.pk].values())
        if count:
            result.append((pupil, count))
    return result


def must_answer_again(
    pupils: QuerySet[Pupil] | Iterable[Pupil], *, facts: ConsentFacts | None = None
) -> list[tuple[Pupil, list[User | None], int]]:
    """After a material change: per pupil, who answered before and must answer again (a
    guardian, or None for the pupil from 16), and in how many categories at most.

    The leadership publishes and then wants to know whom to chase; older answers no longer
    count, so until these people answer again the pupil does not appear.
    """
    pupils = _listed(pupils)
    owed = answers_owed(pupils, facts=facts)
    if not owed:
        return []
    users = User.objects.in_bulk({g for _p, g in owed if g is not None})
    per_pupil: dict[int, list[User | None]] = defaultdict(list)
    most: dict[int, int] = defaultdict(int)
    for (pupil_id, guardian_id), numbers in owed.items():
        per_pupil[pupil_id].append(users[guardian_id] if guardian_id is not None else None)
        most[pupil_id] = max(most[pupil_id], len(numbers))
    return [
        (pupil, per_pupil[pupil.pk], most[pupil.pk]) for pupil in pupils if pupil.pk in per_pupil
    ]
