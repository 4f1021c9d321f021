"""Compare a parsed roster with the database and plan the changes, without writing anything.

The same plan is printed by a dry run and applied (by `apply.apply_plan`) in a real run, so
what the leadership confirmed is what happens. Records are matched on the source's stable
keys: a pupil on `source_key`, then on `pupil_number` (the bridge when a school changes
systems); a group on (school year, key); teachers and guardians through `SourceLink`, then
on e-mail. Nothing is ever deleted here: a pupil who is gone is marked as left.
"""

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from consentry.accounts.models import User
from consentry.schools.models import Board, Group, Guardianship, Pupil, School, StaffRole

from .common import full_name
from .models import RosterImport, SourceLink
from .records import GuardianIn, Loc, PupilIn, Roster, SchoolIn, TeacherIn

ENTITIES = ("schools", "groups", "pupils", "teachers", "guardians")
MASS_LEAVE_SHARE = 0.3
MASS_LEAVE_MIN = 5
DETAIL_LIMIT = 500
PUPIL_FIELDS = {
    "given_name": 100,
    "family_name_prefix": 30,
    "family_name": 150,
    "pupil_number": 50,
    "source_key": 100,
}
KEY_LIMIT = 100  # schools.Group.source_key and .name, schools.Pupil.source_key


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    left: int = 0

    def add(self, other: "Counts") -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.left += other.left


@dataclass
class Options:
    today: date
    create_school: bool = False
    board: Board | None = None
    partial: bool = False
    confirm_leavers: bool = False
    new_boards: dict[str, Board] = field(default_factory=dict)


@dataclass
class SchoolPlan:
    """Everything that will change at one school, as unsaved objects and field changes."""

    school_in: SchoolIn
    school: School
    is_new: bool = False
    new_board: Board | None = None
    new_groups: list[Group] = field(default_factory=list)
    group_changes: list[tuple[Group, dict[str, Any]]] = field(default_factory=list)
    groups_by_key: dict[str, Group] = field(default_factory=dict)
    new_pupils: list[Pupil] = field(default_factory=list)
    pupil_changes: dict[int, tuple[Pupil, dict[str, Any]]] = field(default_factory=dict)
    leaving: dict[int, tuple[Pupil, date]] = field(default_factory=dict)
    pupils_by_key: dict[str, Pupil] = field(default_factory=dict)
    extra_adds: list[tuple[Pupil, Group]] = field(default_factory=list)
    extra_removals: list[tuple[Pupil, Group]] = field(default_factory=list)
    new_roles: list[StaffRole] = field(default_factory=list)
    role_changes: list[tuple[StaffRole, dict[str, Any]]] = field(default_factory=list)
    group_adds: list[tuple[StaffRole, Group]] = field(default_factory=list)
    group_removals: list[tuple[StaffRole, Group]] = field(default_factory=list)
    new_links: list[SourceLink] = field(default_factory=list)
    new_guardianships: list[Guardianship] = field(default_factory=list)
    authority_changes: list[Guardianship] = field(default_factory=list)
    removed_guardianships: list[Guardianship] = field(default_factory=list)
    invite: list[User] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=lambda: {e: Counts() for e in ENTITIES})
    details: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def note(self, what: str, text: str) -> None:
        if len(self.details[what]) < DETAIL_LIMIT:
            self.details[what].append(text)


@dataclass
class Plan:
    roster: Roster
    schools: list[SchoolPlan] = field(default_factory=list)
    new_users: dict[str, User] = field(default_factory=dict)

    @property
    def errors(self):
        return self.roster.errors

    def totals(self) -> dict[str, Counts]:
        totals = {e: Counts() for e in ENTITIES}
        for school in self.schools:
            for entity in ENTITIES:
                totals[entity].add(school.counts[entity])
        return totals


class UserPool:
    """Accounts for teachers and guardians across the whole import: one person, one account,
    even when they appear at two schools or as teacher and parent."""

    def __init__(self, roster: Roster, linked_ids: set[int]):
        emails = {t.email for s in roster.schools for t in s.teachers}
        emails |= {g.email for s in roster.schools for g in s.guardians}
        found = User.objects.filter(Q(email__in=emails) | Q(pk__in=linked_ids))
        self.roster = roster
        self.by_email = {u.email: u for u in found}
        self.by_id = {u.pk: u for u in found}
        self.new: dict[str, User] = {}

    def resolve(self, linked_id: int | None, email: str, name: str, loc: Loc) -> User:
        linked = self.by_id.get(linked_id) if linked_id else None
        by_email = self.by_email.get(email) or self.new.get(email)
        if linked is not None:
            if by_email is not None and by_email is not linked:
                self.roster.warn(
                    _(
                        "this e-mail address belongs to another account; the account "
                        "linked to this person before is kept"
                    ),
                    loc,
                    email,
                )
            elif linked.email != email:
                self.roster.warn(
                    _(
                        "the e-mail address changed in the source; the account keeps "
                        "its own address"
                    ),
                    loc,
                    email,
                )
            return linked
        if by_email is not None:
            return by_email
        user = User(email=email, full_name=name[:200], password=_unusable_password())
        self.new[email] = user
        return user


def _unusable_password() -> str:
    """What make_password(None) gives (sign-in by e-mail code only), without its slow
    character-by-character random string: an import may create thousands of accounts."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def build_plan(
    roster: Roster, targets: list[tuple[SchoolIn, School | None]], options: Options
) -> Plan:
    """The plan for every (parsed school, existing school or None to create) pair."""
    plan = Plan(roster)
    links = _links([school for _si, school in targets if school is not None])
    pool = UserPool(roster, {link.user_id for link in links if link.user_id})
    for school_in, school in targets:
        school_plan = _school_plan(roster, school_in, school, options)
        if school_plan is None:
            continue
        school_links = [link for link in links if link.school_id == school_plan.school.pk]
        planner = _SchoolPlanner(roster, school_plan, options, pool, school_links)
        planner.run()
        plan.schools.append(school_plan)
    plan.new_users = pool.new
    return plan


def _links(schools: list[School]) -> list[SourceLink]:
    return list(SourceLink.objects.filter(school__in=schools)) if schools else []


def _school_plan(
    roster: Roster, school_in: SchoolIn, school: School | None, options: Options
) -> SchoolPlan | None:
    if school is not None:
        _check_not_older(roster, school_in, school)
        plan = SchoolPlan(school_in, school)
        plan.counts["schools"].unchanged = 1
        return plan
    board = _board_for(roster, school_in, options)
    if board is None:
        return None
    new = School(
        board=board,
        name=school_in.name or school_in.key,
        brin=school_in.brin,
        dependance=school_in.dependance,
    )
    plan = SchoolPlan(school_in, new, is_new=True, new_board=board if board.pk is None else None)
    plan.counts["schools"].created = 1
    plan.note("schools_created", new.name)
    return plan


def _board_for(roster: Roster, school_in: SchoolIn, options: Options) -> Board | None:
    """The board for a school to create: --board, the district org, or the only board."""
    if options.board is not None:
        return options.board
    if school_in.board_name:
        board = options.new_boards.get(school_in.board_name)
        if board is None:
            board = Board.objects.filter(name=school_in.board_name).first() or Board(
                name=school_in.board_name
            )
            options.new_boards[school_in.board_name] = board
        return board
    boards = list(Board.objects.all()[:2])
    if len(boards) == 1:
        return boards[0]
    roster.error(
        _("to create the school, say which board it belongs to (--board)"),
        school_in.loc,
        school_in.key,
    )
    return None


def _check_not_older(roster: Roster, school_in: SchoolIn, school: School) -> None:
    """Refuse a file older than the one already imported (6.5: summer files, old exports)."""
    if not school_in.school_year or school.pk is None:
        return
    last = (
        RosterImport.objects.filter(school=school, status=RosterImport.Status.APPLIED)
        .exclude(school_year="")
        .order_by("-applied_at", "-pk")
        .first()
    )
    if last is None:
        return
    if school_in.school_year < last.school_year:
        roster.error(
            _(
                "the file is for school year %(file)s, but %(stored)s was already "
                "imported: an older file may not overwrite newer data"
            )
            % {"file": school_in.school_year, "stored": last.school_year},
            school_in.loc,
            school_in.school_year,
        )
        return
    made = _aware(school_in.created_at)
    if (
        school_in.school_year == last.school_year
        and made
        and last.file_created_at
        and (made < last.file_created_at)
    ):
        roster.error(
            _(
                "the file was made on %(file)s, before the file imported last (%(stored)s):"
                " an older file may not overwrite newer data"
            )
            % {"file": made.date(), "stored": last.file_created_at.date()},
            school_in.loc,
        )


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or timezone.is_aware(moment):
        return moment
    return timezone.make_aware(moment)


class _SchoolPlanner:
    """Plans one school: groups first, then pupils, teachers and guardians that refer to them."""

    def __init__(
        self,
        roster: Roster,
        plan: SchoolPlan,
        options: Options,
        pool: UserPool,
        links: list[SourceLink],
    ):
        self.roster = roster
        self.plan = plan
        self.options = options
        self.pool = pool
        self.school = plan.school
        self.si = plan.school_in
        self.saved = plan.school.pk is not None
        self.links = {(link.kind, link.key): link for link in links}
        # The day the file's data were true (peildatum, else when it was made), never later
        # than today: the date a pupil absent from it is recorded as having left.
        self.reference = min(self.si.reference_date or options.today, options.today)
        self.pupils: list[Pupil] = (
            list(Pupil.objects.filter(school=self.school)) if self.saved else []
        )
        self.by_source_key = {p.source_key: p for p in self.pupils if p.source_key}
        self.by_number = {p.pupil_number: p for p in self.pupils}
        self.matched: set[int] = set()
        self.skipped_keys: set[str] = set()
        self.new_roles_by_user: dict[int, StaffRole] = {}
        self.extra_changed: set[int] = set()
        self._group_keys: dict[int, str] | None = None

    def run(self) -> None:
        if self.roster.kind == "oneroster" and ("org", self.si.key) not in self.links:
            self.plan.new_links.append(SourceLink(school=self.school, kind="org", key=self.si.key))
        if self.si.has_pupils:
            self.plan_groups()
            self.plan_pupils()
            self.plan_moves()
            self.plan_extra_groups()
            self.plan_departures()
            self.plan_absent()
        self.plan_teachers()
        self.plan_guardians()

    # -- groups ----------------------------------------------------------------------

    def plan_groups(self) -> None:
        years = {g.school_year for g in self.si.groups}
        existing = (
            list(Group.objects.filter(school=self.school, school_year__in=years))
            if self.saved
            else []
        )
        by_key = {(g.school_year, g.source_key): g for g in existing if g.source_key}
        by_name = {(g.school_year, g.name): g for g in existing}
        file_keys = {(g.school_year, g.key) for g in self.si.groups}
        counts = self.plan.counts["groups"]
        adopted: set[int] = set()
        for gi in self.si.groups:
            if len(gi.key) > KEY_LIMIT or len(gi.name) > KEY_LIMIT:
                self.roster.error(
                    _("the group's key or name is longer than %(limit)d characters")
                    % {"limit": KEY_LIMIT},
                    gi.loc,
                    gi.key,
                )
                continue
            group = by_key.get((gi.school_year, gi.key))
            if group is None:
                named = by_name.get((gi.school_year, gi.name))
                if (
                    named is not None
                    and (named.school_year, named.source_key) not in file_keys
                    and id(named) not in adopted
                ):
                    group = named  # made by hand, or under a key the source no longer uses
                    adopted.add(id(named))
            if group is None:
                group = Group(
                    school=self.school,
                    name=gi.name,
                    school_year=gi.school_year,
                    source_key=gi.key,
                    composed=gi.composed,
                )
                self.plan.new_groups.append(group)
                counts.created += 1
                self.plan.note("groups_created", f"{gi.name} ({gi.school_year})")
            else:
                changes = _diff(
                    group, {"name": gi.name, "source_key": gi.key, "composed": gi.composed}
                )
                if changes:
                    self.plan.group_changes.append((group, changes))
                    counts.updated += 1
                else:
                    counts.unchanged += 1
            self.plan.groups_by_key[gi.key] = group
        self._check_unique_group_names(existing)

    def _check_unique_group_names(self, existing: list[Group]) -> None:
        planned = {id(g): g.name for g in self.plan.groups_by_key.values()}
        for group, changes in self.plan.group_changes:
            planned[id(group)] = changes.get("name", group.name)
        seen: dict[tuple[str, str], int] = {}
        for group in [*existing, *self.plan.new_groups]:
            name = planned.get(id(group), group.name)
            if seen.setdefault((group.school_year, name), id(group)) != id(group):
                self.roster.error(
                    _("the group name is already used by another group of this school year"),
                    self.si.loc,
                    name,
                )

    def group_for(self, key: str, loc: Loc) -> Group | None:
        """A group by key: from this file, else one imported before (delta files)."""
        group = self.plan.groups_by_key.get(key)
        if group is None and self.saved:
            group = (
                Group.objects.filter(school=self.school, source_key=key)
                .order_by("-school_year")
                .first()
            )
            if group is not None:
                self.plan.groups_by_key[key] = group
        if group is None:
            self.roster.error(
                _("link to a group that is neither in this file nor imported before"), loc, key
            )
        return group

    # -- pupils ----------------------------------------------------------------------

    def plan_pupils(self) -> None:
        file_keys = {p.key for p in self.si.pupils}
        matched = self.matched
        for pi in self.si.pupils:
            pupil = self.by_source_key.get(pi.key)
            if pupil is None:
                candidate = self.by_number.get(pi.number)
                if candidate is not None and candidate.source_key not in file_keys:
                    pupil = candidate
                elif candidate is not None:
                    self.roster.error(
                        _("the pupil number already belongs to another pupil"), pi.loc, pi.number
                    )
                    continue
            if pupil is not None and pupil.pk in matched:
                self.roster.error(_("two pupils in the file match the same pupil"), pi.loc, pi.key)
                continue
            if pupil is None:
                self.new_pupil(pi)
            else:
                matched.add(pupil.pk)
                self.pupil_changes(pupil, pi)
        self._check_unique_numbers()

    def _fields(self, pi: PupilIn) -> dict[str, Any] | None:
        values: dict[str, Any] = {
            "given_name": pi.given_name,
            "family_name_prefix": pi.prefix,
            "family_name": pi.family_name,
            "pupil_number": pi.number,
            "source_key": pi.key,
        }
        for name, limit in PUPIL_FIELDS.items():
            if len(values[name]) > limit:
                self.roster.error(
                    _("the value is longer than %(limit)d characters") % {"limit": limit},
                    pi.loc,
                    values[name],
                )
                return None
        if pi.date_of_birth is not None:
            values["date_of_birth"] = pi.date_of_birth
        if pi.year_level_known:
            values["year_level"] = pi.year_level
        if pi.entered_on is not None:
            values["entered_on"] = pi.entered_on
        if not pi.keep_group:
            values["group"] = self.group_for(pi.group_key, pi.loc) if pi.group_key else None
        return values

    def new_pupil(self, pi: PupilIn) -> None:
        if pi.has_left:
            self.skipped_keys.add(pi.key)
            self.plan.note("pupils_skipped", _label(pi))
            return  # a leaver still listed, never seen before: nothing to keep (minimisation)
        if pi.date_of_birth is None:
            self.roster.error(
                _("a new pupil needs a date of birth (Consentry needs it for the from-16 rule)"),
                pi.loc,
                pi.key,
            )
            return
        values = self._fields(pi)
        if values is None:
            return
        pupil = Pupil(school=self.school, **values)
        self.plan.new_pupils.append(pupil)
        self.plan.pupils_by_key[pi.key] = pupil
        self.plan.counts["pupils"].created += 1
        self.plan.note("pupils_created", _label(pi))

    def pupil_changes(self, pupil: Pupil, pi: PupilIn) -> None:
        self.plan.pupils_by_key[pi.key] = pupil
        values = self._fields(pi)
        if values is None:
            return
        changes = _diff(pupil, values)
        if pi.has_left:
            if pupil.left_on is None:
                self.plan.leaving[pupil.pk] = (pupil, pi.left_on or self.reference)
        elif pupil.left_on is not None:
            changes["left_on"] = None
            self.plan.note("pupils_returned", pupil.full_name)
        if changes:
            self.plan.pupil_changes[pupil.pk] = (pupil, changes)
            if "group" in changes:
                self.plan.note("pupils_moved", f"{pupil.full_name} → {_group_name(changes)}")

    def _check_unique_numbers(self) -> None:
        numbers: dict[str, int] = {}
        final = [(id(p), p.pupil_number) for p in self.plan.new_pupils]
        for pupil in self.pupils:
            change = self.plan.pupil_changes.get(pupil.pk, (pupil, {}))[1]
            final.append((id(pupil), change.get("pupil_number", pupil.pupil_number)))
        for ident, number in final:
            if numbers.setdefault(number, ident) != ident:
                self.roster.error(
                    _("the pupil number would belong to two pupils"), self.si.loc, number
                )

    def plan_moves(self) -> None:
        """Delta enrollments: take pupils out of a group, or put them in one."""
        for move in self.si.moves:
            pupil = self.pupil_by_key(move.pupil_key, move.loc)
            if pupil is None:
                continue
            entry = self.plan.pupil_changes.get(pupil.pk) if pupil.pk else None
            changes = entry[1] if entry else {}
            if move.group_key is None:
                if self._current_group_key(pupil, changes) != move.from_group_key:
                    continue
                target = None
            else:
                target = self.group_for(move.group_key, move.loc)
                if target is None:
                    continue
            self._set_group(pupil, changes, target)

    def _current_group_key(self, pupil: Pupil, changes: dict[str, Any]) -> str | None:
        if pupil.pk is None or "group" in changes:
            group = pupil.group if pupil.pk is None else changes["group"]
            return group.source_key if group is not None else None
        if self._group_keys is None:
            rows = Group.objects.filter(school=self.school).values_list("pk", "source_key")
            self._group_keys = dict(rows)
        return self._group_keys.get(pupil.group_id) if pupil.group_id else None

    def _set_group(self, pupil: Pupil, changes: dict[str, Any], group: Group | None) -> None:
        if pupil.pk is None:
            pupil.group = group
            return
        differs = (
            (pupil.group_id is not None)
            if group is None
            else (group.pk is None or group.pk != pupil.group_id)
        )
        if differs:
            changes["group"] = group
            self.plan.pupil_changes[pupil.pk] = (pupil, changes)
            self.plan.note("pupils_moved", f"{pupil.full_name} → {group.name if group else '-'}")
            return
        changes.pop("group", None)
        if not changes:
            self.plan.pupil_changes.pop(pupil.pk, None)

    def pupil_by_key(self, key: str, loc: Loc) -> Pupil | None:
        pupil = self.plan.pupils_by_key.get(key) or self.by_source_key.get(key)
        if pupil is None and key in self.skipped_keys:
            return None
        if pupil is None:
            self.roster.error(
                _("refers to a pupil who is neither in this file nor imported before"), loc, key
            )
        return pupil

    def plan_extra_groups(self) -> None:
        """Memberships of composed groups, for the pupils whose file lists them."""
        years = {g.school_year for g in self.si.groups} or {self.si.school_year}
        current: dict[int, dict[int, Group]] = defaultdict(dict)
        if self.saved:
            rows = Pupil.extra_groups.through.objects.filter(
                pupil__school=self.school, group__school_year__in=years
            ).select_related("group")
            for row in rows:
                current[row.pupil_id][row.group_id] = row.group
        for pi in self.si.pupils:
            pupil = self.plan.pupils_by_key.get(pi.key)
            if pi.extra_group_keys is None or pupil is None:
                continue
            wanted = [
                g for g in (self.group_for(k, pi.loc) for k in pi.extra_group_keys) if g is not None
            ]
            had = current.get(pupil.pk, {}) if pupil.pk else {}
            adds = [g for g in wanted if g.pk is None or g.pk not in had]
            keep = {g.pk for g in wanted}
            removals = [g for pk, g in had.items() if pk not in keep]
            self.plan.extra_adds += [(pupil, g) for g in adds]
            self.plan.extra_removals += [(pupil, g) for g in removals]
            if pupil.pk and (adds or removals):
                self.extra_changed.add(pupil.pk)

    def plan_departures(self) -> None:
        for departure in self.si.departures:
            if departure.kind != "pupil":
                continue
            pupil = self.by_source_key.get(departure.key)
            if pupil is not None and pupil.left_on is None:
                self.plan.leaving[pupil.pk] = (pupil, self.reference)
                self.plan.pupil_changes.pop(pupil.pk, None)

    def plan_absent(self) -> None:
        """In a complete file, a current pupil who is not in it has left (5: leavers)."""
        counts = self.plan.counts["pupils"]
        current = [p for p in self.pupils if p.left_on is None]
        if self.si.pupils_complete and not self.options.partial:
            for pupil in current:
                if pupil.pk not in self.matched:
                    self.plan.leaving[pupil.pk] = (pupil, self.reference)
        for pupil, _day in self.plan.leaving.values():
            self.plan.note("pupils_left", pupil.full_name)
        updated = (set(self.plan.pupil_changes) | self.extra_changed) - set(self.plan.leaving)
        counts.left = len(self.plan.leaving)
        counts.updated = len(updated)
        counts.unchanged = len(self.matched - updated - set(self.plan.leaving))
        threshold = max(MASS_LEAVE_MIN, MASS_LEAVE_SHARE * len(current))
        if counts.left > threshold and not self.options.confirm_leavers:
            self.roster.error(
                _(
                    "%(count)d of %(total)d current pupils would be marked as left. If the file is "
                    "not complete, import it as partial; if they really left, confirm the leavers"
                )
                % {"count": counts.left, "total": len(current)},
                self.si.loc,
            )

    # -- teachers --------------------------------------------------------------------

    def plan_teachers(self) -> None:
        if not self.si.teachers and not self.si.teachers_complete:
            return
        roles = self._roles()
        years = {g.school_year for g in self.si.groups} or {self.si.school_year}
        current = self._role_groups(roles, years)
        seen: set[str] = set()
        for ti in self.si.teachers:
            seen.add(ti.key)
            self._teacher(ti, roles, current)
        if self.si.teachers_complete and not self.options.partial:
            gone = {k for (kind, k) in self.links if kind == "teacher"} - seen
        else:
            gone = set()
        gone |= {d.key for d in self.si.departures if d.kind == "teacher"}
        for key in gone:
            self._teacher_gone(self.links.get(("teacher", key)), roles, current)

    def _roles(self) -> dict[int, StaffRole]:
        if not self.saved:
            return {}
        found = StaffRole.objects.filter(
            school=self.school, role__in=[StaffRole.Role.TEACHER, StaffRole.Role.INTERN]
        ).order_by("-role")  # "teacher" after "intern": a teacher role wins
        return {role.user_id: role for role in found}

    def _role_groups(
        self, roles: dict[int, StaffRole], years: set[str]
    ) -> dict[int, dict[int, Group]]:
        """Per staff role, its groups (by pk) in the school years this file is about."""
        through = StaffRole.groups.through
        rows = through.objects.filter(
            staffrole_id__in=[r.pk for r in roles.values()], group__school_year__in=years
        ).select_related("group")
        current: dict[int, dict[int, Group]] = defaultdict(dict)
        for row in rows:
            current[row.staffrole_id][row.group_id] = row.group
        return current

    def _teacher(
        self, ti: TeacherIn, roles: dict[int, StaffRole], current: dict[int, dict[int, Group]]
    ) -> None:
        counts = self.plan.counts["teachers"]
        link = self.links.get(("teacher", ti.key))
        user = self.pool.resolve(link.user_id if link else None, ti.email, ti.full_name, ti.loc)
        if link is None:
            self.plan.new_links.append(
                SourceLink(school=self.school, kind="teacher", key=ti.key, user=user)
            )
        wanted_role = StaffRole.Role.INTERN if ti.intern else StaffRole.Role.TEACHER
        groups = [g for g in (self.group_for(k, ti.loc) for k in ti.group_keys) if g is not None]
        role = (roles.get(user.pk) if user.pk else None) or self.new_roles_by_user.get(id(user))
        if role is None:
            role = StaffRole(
                user=user, board=self.school.board, school=self.school, role=wanted_role
            )
            self.new_roles_by_user[id(user)] = role
            self.plan.new_roles.append(role)
            self.plan.group_adds += [(role, g) for g in groups]
            counts.created += 1
            self.plan.note("teachers_created", ti.full_name)
            return
        changed = self._teacher_groups(role, ti, groups, current.get(role.pk, {}))
        if role.role != wanted_role:
            self.plan.role_changes.append((role, {"role": wanted_role}))
            changed = True
        counts.updated += changed
        counts.unchanged += not changed

    def _teacher_groups(
        self, role: StaffRole, ti: TeacherIn, groups: list[Group], current: dict[int, Group]
    ) -> bool:
        adds = [g for g in groups if g.pk is None or g.pk not in current]
        removals = [g for g in current.values() if g.source_key in ti.removed_group_keys]
        if ti.groups_complete:
            wanted = {g.pk for g in groups}
            removals = [g for pk, g in current.items() if pk not in wanted]
        self.plan.group_adds += [(role, g) for g in adds]
        self.plan.group_removals += [(role, g) for g in removals]
        return bool(adds or removals)

    def _teacher_gone(
        self,
        link: SourceLink | None,
        roles: dict[int, StaffRole],
        current: dict[int, dict[int, Group]],
    ) -> None:
        role = roles.get(link.user_id) if link is not None and link.user_id else None
        if role is None or not current.get(role.pk):
            return
        self.plan.group_removals += [(role, g) for g in current[role.pk].values()]
        self.plan.counts["teachers"].left += 1
        self.plan.note("teachers_left", str(role.user))

    # -- guardians -------------------------------------------------------------------

    def plan_guardians(self) -> None:
        if not self.si.guardians and not self.si.guardians_complete:
            return
        existing = self._guardianships()
        by_guardian: dict[int, list[Guardianship]] = defaultdict(list)
        for guardianship in existing.values():
            by_guardian[guardianship.guardian_id].append(guardianship)
        seen: set[str] = set()
        for gi in self.si.guardians:
            seen.add(gi.key)
            self._guardian(gi, existing, by_guardian)
        gone = {d.key for d in self.si.departures if d.kind == "guardian"}
        if self.si.guardians_complete and not self.options.partial:
            gone |= {k for (kind, k) in self.links if kind == "guardian"} - seen
        for key in gone:
            link = self.links.get(("guardian", key))
            links = by_guardian.get(link.user_id, []) if link and link.user_id else []
            if links:
                self.plan.removed_guardianships += links
                self.plan.counts["guardians"].left += 1

    def _guardianships(self) -> dict[tuple[int, int], Guardianship]:
        if not self.saved:
            return {}
        found = Guardianship.objects.filter(pupil__school=self.school)
        return {(g.guardian_id, g.pupil_id): g for g in found}

    def _guardian(
        self,
        gi: GuardianIn,
        existing: dict[tuple[int, int], Guardianship],
        by_guardian: dict[int, list[Guardianship]],
    ) -> None:
        link = self.links.get(("guardian", gi.key))
        user = self.pool.resolve(link.user_id if link else None, gi.email, gi.full_name, gi.loc)
        roster_managed = self.roster.kind == "oneroster"
        if link is None and roster_managed:
            self.plan.new_links.append(
                SourceLink(school=self.school, kind="guardian", key=gi.key, user=user)
            )
        before = by_guardian.get(user.pk, []) if user.pk else []
        changed, kept = False, set()
        for child in gi.children:
            pupil = self._child(child.pupil_ref, child.loc)
            if pupil is None:
                continue
            current = existing.get((user.pk, pupil.pk)) if user.pk and pupil.pk else None
            if current is None:
                # What the file does not say stays unknown: the school confirms it.
                self.plan.new_guardianships.append(
                    Guardianship(
                        guardian=user,
                        pupil=pupil,
                        has_parental_authority=child.has_parental_authority,
                    )
                )
                changed = True
                if child.has_parental_authority is None:
                    self._authority_assumed(child.loc)
                continue
            kept.add(current.pk)
            wanted = child.has_parental_authority
            if wanted is not None and wanted != current.has_parental_authority:
                current.has_parental_authority = wanted
                self.plan.authority_changes.append(current)
                changed = True
        if roster_managed and self.si.guardians_complete and not self.options.partial:
            stale = [g for g in before if g.pk not in kept]
            self.plan.removed_guardianships += stale
            changed = changed or bool(stale)
        self._count_guardian(gi, user, before, changed)

    def _count_guardian(self, gi: GuardianIn, user: User, before: list, changed: bool) -> None:
        counts = self.plan.counts["guardians"]
        if not before and changed:
            counts.created += 1
            self.plan.invite.append(user)
            self.plan.note("guardians_created", gi.full_name)
        elif changed:
            counts.updated += 1
        else:
            counts.unchanged += 1

    def _authority_assumed(self, loc: Loc) -> None:
        message = _(
            "OneRoster does not say who holds parental authority: new guardians cannot "
            "decide until the school confirms their authority (Guardians, confirm parental "
            "authority) or a guardians CSV says so"
        )
        if all(problem.message != message for problem in self.roster.warnings):
            self.roster.warn(message, loc)

    def _child(self, ref: str, loc: Loc) -> Pupil | None:
        if self.roster.child_ref == "key":
            return self.pupil_by_key(ref, loc)
        pupil = self.by_number.get(ref)
        if pupil is None:
            self.roster.error(_("no pupil with this pupil number at this school"), loc, ref)
        elif pupil.left_on is not None:
            self.roster.warn(_("the pupil has left the school: line left out"), loc, ref)
            return None
        return pupil


def _diff(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    changes = {}
    for name, value in values.items():
        if name == "group":
            current = obj.group_id
            if (value is None and current is not None) or (
                value is not None and (value.pk is None or value.pk != current)
            ):
                changes[name] = value
        elif getattr(obj, name) != value:
            changes[name] = value
    return changes


def _label(pi: PupilIn) -> str:
    return full_name(pi.given_name, pi.prefix, pi.family_name)


def _group_name(changes: dict[str, Any]) -> str:
    group = changes.get("group")
    return group.name if group is not None else "-"
