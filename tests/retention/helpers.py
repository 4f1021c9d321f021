"""A pupil with a history worth erasing, and the rows that point at a pupil."""

from datetime import date, datetime, time

from django.db.models import Model
from django.utils import timezone

from consentry.consent.services import decide, set_never_flag
from consentry.retention.erasure import pupil_relations, related_rows
from consentry.schools.models import Pupil
from tests.world import World


def moment(day: date) -> datetime:
    """03:00 on that day, when a nightly job runs."""
    return timezone.make_aware(datetime.combine(day, time(3, 0)))


def give_history(world: World, pupil: Pupil | None = None) -> Pupil:
    """Answers from both guardians (with their receipts), a never-photograph flag, and a
    composed group: rows of every kind that points at a pupil today."""
    pupil = pupil or world.emma
    decide(world.parent, pupil, {1: True, 4: True})
    decide(world.other_parent, pupil, {4: False})
    set_never_flag(world.leadership, pupil, active=True, reason="Custody dispute")
    pupil.extra_groups.add(world.other_group)
    return pupil


def mark_left(pupil: Pupil, day: date) -> Pupil:
    pupil.left_on = day
    pupil.save(update_fields=["left_on"])
    return pupil


def rows_pointing_at(pupil: Pupil) -> dict[type[Model], set[int]]:
    """Per model, the ids of the rows that point at the pupil, through every relation there
    is (a model added later is covered without a change here)."""
    found: dict[type[Model], set[int]] = {}
    for relation in pupil_relations():
        pks = set(related_rows(pupil, relation).values_list("pk", flat=True))
        if pks:
            found.setdefault(relation.related_model, set()).update(pks)
    return found


def still_there(rows: dict[type[Model], set[int]]) -> dict[str, set[int]]:
    left = {}
    for model, pks in rows.items():
        remaining = model._base_manager.filter(pk__in=pks).values_list("pk", flat=True)
        if remaining:
            left[model._meta.label_lower] = set(remaining)
    return left
