"""Carry out a sync plan with bulk operations. The caller holds the transaction.

Order matters: boards and schools, then accounts, then per school groups (renames before
creations, so a freed name can be reused), pupils (number changes before creations), staff
roles and their groups, guardianships, source links and invitations. Renames go through a
temporary value so that two records swapping names never meet the unique constraint.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import models

from consentry.accounts.models import User
from consentry.consent.signals import consent_narrowed
from consentry.schools import access
from consentry.schools.models import Group, Guardianship, Pupil, StaffRole

from .models import GuardianInvitation, SourceLink
from .sync import Plan, SchoolPlan

BATCH = 500
INVITATIONS_PER_JOB = 200


def apply_plan(plan: Plan) -> None:
    for school_plan in plan.schools:
        if school_plan.new_board is not None and school_plan.new_board.pk is None:
            school_plan.new_board.save()
        if school_plan.is_new:
            school_plan.school.save()  # save() takes the new board's pk itself
    User.objects.bulk_create(list(plan.new_users.values()), batch_size=BATCH)
    for school_plan in plan.schools:
        _groups(school_plan)
        _pupils(school_plan)
        _extra_groups(school_plan)
        _teachers(school_plan)
        _guardians(school_plan)
        SourceLink.objects.bulk_create(school_plan.new_links, batch_size=BATCH)
        _invite(school_plan)
    access.forget_scopes()  # bulk writes send no signals: who sees what may have changed


def _rename(model: type[models.Model], objs: list, field: str) -> None:
    """Move values out of the way first: `~pk` is never a real name or pupil number."""
    if not objs:
        return
    for obj in objs:
        setattr(obj, field, f"~{obj.pk}")
    model._default_manager.bulk_update(objs, [field], batch_size=BATCH)


def _update(model: type[models.Model], changes: Iterable[tuple[Any, dict[str, Any]]]) -> None:
    objs, fields = [], set()
    for obj, values in changes:
        for name, value in values.items():
            setattr(obj, name, value)
        objs.append(obj)
        fields |= set(values)
    if objs:
        model._default_manager.bulk_update(objs, sorted(fields), batch_size=BATCH)


def _groups(plan: SchoolPlan) -> None:
    _rename(Group, [g for g, c in plan.group_changes if "name" in c], "name")
    _update(Group, plan.group_changes)
    Group.objects.bulk_create(plan.new_groups, batch_size=BATCH)


def _pupils(plan: SchoolPlan) -> None:
    changes = list(plan.pupil_changes.values())
    _rename(Pupil, [p for p, c in changes if "pupil_number" in c], "pupil_number")
    _update(Pupil, changes)
    _update(Pupil, [(pupil, {"left_on": day}) for pupil, day in plan.leaving.values()])
    Pupil.objects.bulk_create(plan.new_pupils, batch_size=BATCH)


def _sync_group_links(through, owner: str, removals, adds) -> None:
    """Remove and add (owner, group) rows of a many-to-many link to groups, in bulk."""
    by_owner: dict[int, list[int]] = defaultdict(list)
    for item, group in removals:
        by_owner[item.pk].append(group.pk)
    for owner_id, group_ids in by_owner.items():
        through.objects.filter(**{f"{owner}_id": owner_id, "group_id__in": group_ids}).delete()
    rows = [through(**{f"{owner}_id": item.pk, "group_id": group.pk}) for item, group in adds]
    through.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)


def _extra_groups(plan: SchoolPlan) -> None:
    """Pupils' memberships of composed groups."""
    _sync_group_links(Pupil.extra_groups.through, "pupil", plan.extra_removals, plan.extra_adds)


def _teachers(plan: SchoolPlan) -> None:
    _update(StaffRole, plan.role_changes)
    StaffRole.objects.bulk_create(plan.new_roles, batch_size=BATCH)
    _sync_group_links(StaffRole.groups.through, "staffrole", plan.group_removals, plan.group_adds)


def _guardians(plan: SchoolPlan) -> None:
    removed = [g.pk for g in plan.removed_guardianships]
    for start in range(0, len(removed), BATCH):
        Guardianship.objects.filter(pk__in=removed[start : start + BATCH]).delete()
    Guardianship.objects.bulk_update(
        plan.authority_changes, ["has_parental_authority"], batch_size=BATCH
    )
    Guardianship.objects.bulk_create(plan.new_guardianships, batch_size=BATCH)
    # Who decides changed for these pupils, so what was published of them may have to come
    # down (an only yes that stops counting). New links count too: a guardian who gains
    # authority may have said no before.
    changed = plan.removed_guardianships + plan.authority_changes + plan.new_guardianships
    if changed:
        consent_narrowed.send(sender=Guardianship, pupil_ids=[g.pupil_id for g in changed])


def _invite(plan: SchoolPlan) -> None:
    """Record an invitation per new guardian and queue the e-mails, in this transaction."""
    from .tasks import send_invitations

    if not plan.invite:
        return
    GuardianInvitation.objects.bulk_create(
        [GuardianInvitation(guardian=user, school=plan.school) for user in plan.invite],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    user_ids = [user.pk for user in plan.invite]
    pending: list[int] = []
    for start in range(0, len(user_ids), BATCH):
        pending += GuardianInvitation.objects.filter(
            school=plan.school,
            guardian_id__in=user_ids[start : start + BATCH],
            sent_at__isnull=True,
        ).values_list("pk", flat=True)
    pending.sort()
    for start in range(0, len(pending), INVITATIONS_PER_JOB):
        send_invitations.enqueue(pending[start : start + INVITATIONS_PER_JOB])
