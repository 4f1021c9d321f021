"""Who may see and do what. Every view and API endpoint that touches a pupil, a group or a
school goes through these helpers, so the rules live in one place:

- a guardian sees only their own children, a pupil of 16 or older only themself;
- a teacher only the pupils of their groups;
- the leadership only their school;
- the board's privacy officer the board's schools;
- interns and visitors see no personal data; nobody crosses boards.

How it stays fast with a whole country in one database: a person's links (their staff roles,
the pupils they are a guardian of, their own pupil record) are read first (`scope_of`: two
small queries, read once per request), and every helper builds on them with lookups by index
whose cost depends on that person's own family, groups or schools. Where several ways lead
to a pupil, their ids are a union of such lookups, never one filter over OR-ed joins
(`group IN ... OR extra_groups IN ... OR school IN ...`), which PostgreSQL can only answer by
reading every pupil.
"""

from collections.abc import Iterable
from contextvars import ContextVar

from django.db.models import BooleanField, QuerySet, Value
from django.http import Http404
from django.utils.functional import cached_property

from consentry.accounts.models import User

from .models import Board, Group, Guardianship, Pupil, School, StaffRole

Role = StaffRole.Role
STAFF_ROLES = (Role.TEACHER, Role.LEADERSHIP, Role.PRIVACY_OFFICER)


class Scope:
    """One person's links, from which everything they may see follows. Each part is read
    from the database when first asked for (one small query each), then kept."""

    def __init__(self, user: User | None):
        self.user = user

    @cached_property
    def roles(self) -> frozenset[tuple[str, int | None, int]]:
        """(role, school id, board id) of each staff role."""
        if self.user is None:
            return frozenset()
        rows = StaffRole.objects.filter(user=self.user).values_list("role", "school_id", "board_id")
        return frozenset(rows)

    @cached_property
    def _family(self) -> tuple[dict[int, bool], int | None]:
        if self.user is None:
            return {}, None
        own_record = (
            Pupil.objects.filter(account=self.user)
            .order_by()
            .annotate(authority=Value(None, output_field=BooleanField()))
            .values_list("id", "authority")
        )
        family = Guardianship.objects.filter(guardian=self.user).values_list(
            "pupil_id", "has_parental_authority"
        )
        guardian_of, own = {}, None
        for pupil_id, authority in family.union(own_record, all=True):
            if authority is None:
                own = pupil_id
            else:
                guardian_of[pupil_id] = authority
        return guardian_of, own

    @property
    def guardian_of(self) -> dict[int, bool]:
        """Pupil id -> whether the person has parental authority over them."""
        return self._family[0]

    @property
    def own_record(self) -> int | None:
        """The pupil whose own account this is (from 16)."""
        return self._family[1]

    def has_role(self, *roles: str) -> bool:
        return any(kind in roles for kind, _school, _board in self.roles)

    def schools_as(self, role: str) -> set[int]:
        return {school for kind, school, _board in self.roles if kind == role and school}

    def boards_as(self, role: str) -> set[int]:
        return {board for kind, _school, board in self.roles if kind == role}

    @property
    def led_school_ids(self) -> set[int]:
        return self.schools_as(Role.LEADERSHIP)

    @property
    def is_staff(self) -> bool:
        """A role that shows pupils: teacher, leadership, privacy officer (not intern or
        visitor)."""
        return self.has_role(*STAFF_ROLES)

    @property
    def own_pupil_ids(self) -> set[int]:
        own = set(self.guardian_of)
        return own | {self.own_record} if self.own_record is not None else own


# Per request (`ScopeMiddleware`): user id -> Scope. Outside a request, nothing is kept.
_request_scopes: ContextVar[dict[int, Scope] | None] = ContextVar("scopes", default=None)


def scope_of(user: User) -> Scope:
    """The user's links, kept for the rest of the request."""
    if not user.is_authenticated:
        return Scope(None)
    cache = _request_scopes.get()
    if cache is None:
        return Scope(user)
    if user.pk not in cache:
        cache[user.pk] = Scope(user)
    return cache[user.pk]


def forget_scopes(**_signal_kwargs) -> None:
    """Links changed during this request (a roster import, an erasure): read them again."""
    cache = _request_scopes.get()
    if cache is not None:
        cache.clear()


class ScopeMiddleware:
    """Keeps each person's scope for the length of one request, and no longer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_scopes.set({})
        try:
            return self.get_response(request)
        finally:
            _request_scopes.reset(token)


def _ids(values: Iterable[int]) -> list[int]:
    return sorted(values)


def _overseen_school_ids(scope: Scope) -> QuerySet:
    """Ids of the schools the person leads, and of every school of a board they are the
    privacy officer of."""
    led = School.objects.filter(pk__in=_ids(scope.led_school_ids)).values("id")
    boards = scope.boards_as(Role.PRIVACY_OFFICER)
    if not boards:
        return led
    return led.union(School.objects.filter(board_id__in=_ids(boards)).values("id"), all=True)


def _taught_group_ids(user: User) -> QuerySet:
    return StaffRole.groups.through.objects.filter(
        staffrole__user=user, staffrole__role=Role.TEACHER
    ).values("group_id")


def _staff_pupil_ids(user: User, scope: Scope) -> QuerySet:
    """Ids of the pupils the user sees through a staff role: those of the groups they teach
    (as stamgroep or as composed group) and those of the schools they oversee."""
    taught = _taught_group_ids(user)
    return (
        Pupil.objects.filter(group__in=taught)
        .values("id")
        .union(
            Pupil.extra_groups.through.objects.filter(group__in=taught).values("pupil_id"),
            Pupil.objects.filter(school__in=_overseen_school_ids(scope)).values("id"),
            all=True,
        )
    )


def schools_led_by(user: User) -> QuerySet[School]:
    """Schools where the user is in the leadership: the only place never-flag reasons show."""
    return School.objects.filter(pk__in=_ids(scope_of(user).led_school_ids))


def schools_overseen_by(user: User) -> QuerySet[School]:
    """Schools whose whole population the user may see: leadership and the board's officer."""
    scope = scope_of(user)
    if not scope.led_school_ids and not scope.boards_as(Role.PRIVACY_OFFICER):
        return School.objects.none()
    return School.objects.filter(pk__in=_overseen_school_ids(scope))


def groups_visible_to(user: User) -> QuerySet[Group]:
    scope = scope_of(user)
    if not scope.is_staff:
        return Group.objects.none()
    of_schools = Group.objects.filter(school__in=_overseen_school_ids(scope)).values("id")
    return Group.objects.filter(pk__in=_taught_group_ids(user).union(of_schools, all=True))


def own_pupils(user: User) -> QuerySet[Pupil]:
    """The user's children, and the user themself as a pupil of 16 or older: whom the
    family pages are about."""
    return Pupil.objects.filter(pk__in=_ids(scope_of(user).own_pupil_ids))


def pupils_visible_to(user: User) -> QuerySet[Pupil]:
    scope = scope_of(user)
    if not scope.is_staff:
        return own_pupils(user)
    own = Pupil.objects.filter(pk__in=_ids(scope.own_pupil_ids)).values("id")
    return Pupil.objects.filter(pk__in=own.union(_staff_pupil_ids(user, scope), all=True))


def pupils_seen_as_staff(user: User) -> QuerySet[Pupil]:
    """Pupils the user sees through a staff role, not as their guardian or as the pupil."""
    scope = scope_of(user)
    if not scope.is_staff:
        return Pupil.objects.none()
    return Pupil.objects.filter(pk__in=_staff_pupil_ids(user, scope))


def get_pupil_for_user(user: User, pupil_id: int) -> Pupil:
    """The pupil, if the user may see them; otherwise a 404, so no existence leaks."""
    try:
        return pupils_visible_to(user).select_related("school", "group").get(pk=pupil_id)
    except Pupil.DoesNotExist:
        raise Http404("No such pupil.") from None


def get_group_for_user(user: User, group_id: int) -> Group:
    try:
        return groups_visible_to(user).select_related("school").get(pk=group_id)
    except Group.DoesNotExist:
        raise Http404("No such group.") from None


def get_school_led_by(user: User, school_id: int) -> School:
    try:
        return schools_led_by(user).get(pk=school_id)
    except School.DoesNotExist:
        raise Http404("No such school.") from None


def get_school_overseen_by(user: User, school_id: int) -> School:
    try:
        return schools_overseen_by(user).select_related("board").get(pk=school_id)
    except School.DoesNotExist:
        raise Http404("No such school.") from None


def never_flag_hidden_for(user: User, pupils: QuerySet[Pupil] | Iterable[Pupil]) -> set[int]:
    """Ids of the pupils whose never-photograph flag this user must not see.

    The flag is the school's business (it may stem from a custody dispute): guardians and
    pupils see what the answers say; staff who see the pupil through their role see the flag.
    """
    if isinstance(pupils, QuerySet):
        ids = set(pupils.values_list("pk", flat=True))
    else:
        ids = {pupil.pk for pupil in pupils}
    if not ids or not scope_of(user).is_staff:
        return ids
    staff_view = pupils_seen_as_staff(user).filter(pk__in=_ids(ids))
    return ids - set(staff_view.values_list("pk", flat=True))


def leads_school(user: User, school: School) -> bool:
    return school.pk in scope_of(user).led_school_ids


def is_guardian_of(user: User, pupil: Pupil) -> bool:
    """A guardian, with or without parental authority."""
    return pupil.pk in scope_of(user).guardian_of


def is_guardian_with_authority(user: User, pupil: Pupil) -> bool:
    return scope_of(user).guardian_of.get(pupil.pk) is True


def boards_overseen_by(user: User) -> QuerySet[Board]:
    """Boards whose privacy registers (processors, processing register) the user may read:
    the board's privacy officer, and the leadership of one of its schools, since the board's
    processors serve its schools."""
    scope = scope_of(user)
    officer_of = Board.objects.filter(pk__in=_ids(scope.boards_as(Role.PRIVACY_OFFICER)))
    of_led = School.objects.filter(pk__in=_ids(scope.led_school_ids)).values("board_id")
    return Board.objects.filter(pk__in=officer_of.values("id").union(of_led, all=True))


def keeps_registers(user: User, board: Board) -> bool:
    """Only the board's privacy officer changes its privacy registers."""
    return board.pk in scope_of(user).boards_as(Role.PRIVACY_OFFICER)


def get_board_overseen_by(user: User, board_id: int) -> Board:
    try:
        return boards_overseen_by(user).get(pk=board_id)
    except Board.DoesNotExist:
        raise Http404("No such board.") from None
