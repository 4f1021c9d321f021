"""Who may see and do what. Every view and API endpoint that touches a pupil, a group or a
school goes through these helpers, so the rules live in one place:

- a guardian sees only their own children, a pupil of 16 or older only themself;
- a teacher only the pupils of their groups;
- the leadership only their school;
- the board's privacy officer the board's schools;
- interns and visitors see no personal data; nobody crosses boards.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from consentry.accounts.models import User

from .models import Board, Group, Pupil, School, StaffRole

Role = StaffRole.Role


def schools_led_by(user: User) -> QuerySet[School]:
    """Schools where the user is in the leadership: the only place never-flag reasons show."""
    if not user.is_authenticated:
        return School.objects.none()
    return School.objects.filter(staff_roles__user=user, staff_roles__role=Role.LEADERSHIP)


def schools_overseen_by(user: User) -> QuerySet[School]:
    """Schools whose whole population the user may see: leadership and the board's officer."""
    if not user.is_authenticated:
        return School.objects.none()
    return School.objects.filter(
        Q(staff_roles__user=user, staff_roles__role=Role.LEADERSHIP)
        | Q(board__staff_roles__user=user, board__staff_roles__role=Role.PRIVACY_OFFICER)
    ).distinct()


def groups_visible_to(user: User) -> QuerySet[Group]:
    if not user.is_authenticated:
        return Group.objects.none()
    return Group.objects.filter(
        Q(teacher_roles__user=user, teacher_roles__role=Role.TEACHER)
        | Q(school__in=schools_overseen_by(user))
    ).distinct()


def pupils_visible_to(user: User) -> QuerySet[Pupil]:
    if not user.is_authenticated:
        return Pupil.objects.none()
    return Pupil.objects.filter(
        Q(guardianships__guardian=user)
        | Q(account=user)
        | Q(group__in=groups_visible_to(user))
        | Q(extra_groups__in=groups_visible_to(user))
        | Q(school__in=schools_overseen_by(user))
    ).distinct()


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


def pupils_seen_as_staff(user: User) -> QuerySet[Pupil]:
    """Pupils the user sees through a staff role, not as their guardian or as the pupil."""
    if not user.is_authenticated:
        return Pupil.objects.none()
    return Pupil.objects.filter(
        Q(group__in=groups_visible_to(user))
        | Q(extra_groups__in=groups_visible_to(user))
        | Q(school__in=schools_overseen_by(user))
    ).distinct()


def never_flag_hidden_for(user: User, pupils: QuerySet[Pupil]) -> set[int]:
    """Ids of the pupils whose never-photograph flag this user must not see.

    The flag is the school's business (it may stem from a custody dispute): guardians and
    pupils see what the answers say; staff who see the pupil through their role see the flag.
    """
    staff_view = pupils_seen_as_staff(user).filter(pk__in=pupils.values("pk"))
    return set(pupils.values_list("pk", flat=True)) - set(staff_view.values_list("pk", flat=True))


def leads_school(user: User, school: School) -> bool:
    return schools_led_by(user).filter(pk=school.pk).exists()


def is_guardian_with_authority(user: User, pupil: Pupil) -> bool:
    return pupil.guardianships.filter(guardian=user, has_parental_authority=True).exists()


def boards_overseen_by(user: User) -> QuerySet[Board]:
    """Boards whose privacy registers (processors, processing register) the user may read:
    the board's privacy officer, and the leadership of one of its schools, since the board's
    processors serve its schools."""
    if not user.is_authenticated:
        return Board.objects.none()
    return Board.objects.filter(
        Q(staff_roles__user=user, staff_roles__role=Role.PRIVACY_OFFICER)
        | Q(schools__staff_roles__user=user, schools__staff_roles__role=Role.LEADERSHIP)
    ).distinct()


def keeps_registers(user: User, board: Board) -> bool:
    """Only the board's privacy officer changes its privacy registers."""
    return StaffRole.objects.filter(user=user, board=board, role=Role.PRIVACY_OFFICER).exists()


def get_board_overseen_by(user: User, board_id: int) -> Board:
    try:
        return boards_overseen_by(user).get(pk=board_id)
    except Board.DoesNotExist:
        raise Http404("No such board.") from None
