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
from consentry.leaflets.models import LeafletVersion
from consentry.schools.models import Group, Guardianship, Pupil

from .models import ConsentEvent
from .services import State, Verdict, consent_overview

Decider = tuple[int, int | None]  # (pupil id, guardian's user id or None for the pupil)


def answers_owed(pupils: QuerySet[Pupil]) -> dict[Decider, list[int]]:
    """Per decider: the categories they answered in an earlier answer round, but not yet in
    the active one.

    A material change to the leaflet makes older answers stop counting. Someone who answered
    before would think their answer still holds, so they must be told first, and by name of
    the categories. Only deciders who count now are listed: guardians with parental authority
    below 16, the pupil from 16 (decider None).
    """
    rows = list(pupils.values("id", "school_id", "date_of_birth").order_by())
    if not rows:
        return {}
    active = {
        v.school_id: v
        for v in LeafletVersion.objects.active()
        .filter(school_id__in={r["school_id"] for r in rows})
        .prefetch_related("categories")
    }
    today = timezone.localdate()
    counting: set[Decider] = set()
    for row in rows:
        if Pupil(date_of_birth=row["date_of_birth"]).decides_for_self(today):
            counting.add((row["id"], None))
    counting |= set(
        Guardianship.objects.filter(
            pupil_id__in=[r["id"] for r in rows], has_parental_authority=True
        ).values_list("pupil_id", "guardian_id")
    )
    school_of = {r["id"]: r["school_id"] for r in rows}
    earlier: dict[Decider, set[int]] = defaultdict(set)
    now: dict[Decider, set[int]] = defaultdict(set)
    for pupil_id, guardian_id, number, answer_round in (
        ConsentEvent.objects.filter(pupil_id__in=school_of)
        .values_list("pupil_id", "guardian_id", "category_number", "leaflet_version__answer_round")
        .distinct()
    ):
        version = active.get(school_of[pupil_id])
        if version is None or (pupil_id, guardian_id) not in counting:
            continue
        into = now if answer_round == version.answer_round else earlier
        into[(pupil_id, guardian_id)].add(number)
    owed = {}
    for decider, numbers in earlier.items():
        version = active[school_of[decider[0]]]
        current = {c.number for c in version.categories.all()}
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


def who_may_appear(pupils: QuerySet[Pupil], category_number: int) -> Appearance:
    """Split a staff member's pupils by their state in one category. Only `yes` allows."""
    overview = consent_overview(pupils)
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


def response_rates(pupils: QuerySet[Pupil], numbers: Iterable[int]) -> RateTable:
    """How many pupils have an answer, per group and category.

    A response rate measures the guardians' answers, so a never-photograph flag is looked
    through here (the answer under it still counts as an answer); a conflict is an answer.
    """
    numbers = list(numbers)
    ids = list(pupils.values_list("pk", flat=True))
    overview = consent_overview(pupils, hide_never_flag_for=ids)
    groups: dict[int | None, Group | None] = {}
    by_group: dict[int | None, dict[int, Rate]] = defaultdict(
        lambda: {n: Rate(0, 0) for n in numbers}
    )
    for pupil in pupils.select_related("group"):
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


def unanswered(pupils: QuerySet[Pupil]) -> list[tuple[Pupil, int]]:
    """Pupils with at least one category without an answer, and how many: the people to
    remind or to call. Flags are looked through, as for the response rates."""
    ids = list(pupils.values_list("pk", flat=True))
    overview = consent_overview(pupils, hide_never_flag_for=ids)
    result = []
    for pupil in pupils.select_related("group"):
        count = sum(v.state is State.UNANSWERED for v in overview[pupil.pk].values())
        if count:
            result.append((pupil, count))
    return result


def must_answer_again(pupils: QuerySet[Pupil]) -> list[tuple[Pupil, list[User | None], int]]:
    """After a material change: per pupil, who answered before and must answer again (a
    guardian, or None for the pupil from 16), and in how many categories at most.

    The leadership publishes and then wants to know whom to chase; older answers no longer
    count, so until these people answer again the pupil does not appear.
    """
    owed = answers_owed(pupils)
    users = User.objects.in_bulk({g for _p, g in owed if g is not None})
    per_pupil: dict[int, list[User | None]] = defaultdict(list)
    most: dict[int, int] = defaultdict(int)
    for (pupil_id, guardian_id), numbers in owed.items():
        per_pupil[pupil_id].append(users[guardian_id] if guardian_id is not None else None)
        most[pupil_id] = max(most[pupil_id], len(numbers))
    return [
        (pupil, per_pupil[pupil.pk], most[pupil.pk])
        for pupil in pupils.filter(pk__in=per_pupil).select_related("group")
    ]
