"""Who may see what of a research or training project (404 when it is not yours).

- Members see the project and its material: the leaflet promises that only they do.
- The school's leadership and the board's privacy officer (`schools_overseen_by`) manage
  the project and see who is covered, but not the material itself unless they are members.
- Everyone else, interns and visitors included, sees nothing; nobody crosses schools.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from consentry.accounts.models import User
from consentry.schools.access import schools_overseen_by
from consentry.schools.models import School, StaffRole

from .models import Material, Project, Video

# Staff roles that may be members: interns and visitors see no personal data.
MEMBER_ROLES = (StaffRole.Role.TEACHER, StaffRole.Role.LEADERSHIP)


def schools_where_member_may_be(user: User) -> QuerySet[School]:
    """The schools where the user still holds a role that may be a member.

    Membership is recorded once, but roles end (a teacher leaves, becomes an intern):
    from then on the membership gives nothing, without anyone having to remember it.
    """
    return School.objects.filter(
        Q(staff_roles__user=user, staff_roles__role__in=MEMBER_ROLES)
        | Q(board__staff_roles__user=user, board__staff_roles__role=StaffRole.Role.PRIVACY_OFFICER)
    )


def member_projects(user: User) -> QuerySet[Project]:
    """Projects of which the user is a member, while their role still allows it."""
    if not user.is_authenticated:
        return Project.objects.none()
    return Project.objects.filter(members=user, school__in=schools_where_member_may_be(user))


def projects_visible_to(user: User) -> QuerySet[Project]:
    if not user.is_authenticated:
        return Project.objects.none()
    return Project.objects.filter(
        Q(pk__in=member_projects(user)) | Q(school__in=schools_overseen_by(user))
    ).distinct()


def get_project_for_user(user: User, project_id: int) -> Project:
    try:
        return (
            projects_visible_to(user)
            .select_related("school", "subject", "created_by")
            .get(pk=project_id)
        )
    except Project.DoesNotExist:
        raise Http404("No such project.") from None


def manages(user: User, project: Project) -> bool:
    """The leadership of the school and the board's privacy officer manage its projects."""
    return schools_overseen_by(user).filter(pk=project.school_id).exists()


def is_member(user: User, project: Project) -> bool:
    return member_projects(user).filter(pk=project.pk).exists()


def get_material_for_member(user: User, material_id: int) -> Material:
    """Live material of a project the user is a member of; a 404 for everyone else, so
    not even its existence shows to a manager who is not a member."""
    if not user.is_authenticated:
        raise Http404("No such material.")
    try:
        return (
            Material.objects.live()
            .select_related("project__school", "project__subject")
            .get(pk=material_id, project__in=member_projects(user))
        )
    except Material.DoesNotExist:
        raise Http404("No such material.") from None


def get_material_for_user(user: User, material_id: int) -> Material:
    """Live material of a project the user may see (member or manager): to destroy it."""
    try:
        return (
            Material.objects.live()
            .select_related("project__school")
            .get(pk=material_id, project__in=projects_visible_to(user))
        )
    except Material.DoesNotExist:
        raise Http404("No such material.") from None


def possible_members(school: School) -> QuerySet[User]:
    """Teachers and leadership of the school, and the board's privacy officers."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(staff_roles__school=school, staff_roles__role__in=MEMBER_ROLES)
            | Q(
                staff_roles__board_id=school.board_id,
                staff_roles__role=StaffRole.Role.PRIVACY_OFFICER,
            )
        )
        .distinct()
        .order_by("full_name", "email")
    )


def get_video_for_user(user: User, video_id: int) -> Video:
    """The video of live material of a project the user may see (member or manager): its
    progress, and trying again after a failure."""
    if not user.is_authenticated:
        raise Http404("No such video.")
    try:
        return Video.objects.select_related("material__project__school").get(
            pk=video_id,
            material__destroyed_at__isnull=True,
            material__project__in=projects_visible_to(user),
        )
    except Video.DoesNotExist:
        raise Http404("No such video.") from None


def get_video_for_uploader(user: User, video_id: int) -> Video:
    """Only who uploaded the video marks it and sees its faces: they know who is who. A 404
    for whoever is not a member, a 403 for the other members."""
    if not user.is_authenticated:
        raise Http404("No such video.")
    try:
        video = Video.objects.select_related(
            "material__project__school", "material__project__subject"
        ).get(
            pk=video_id,
            material__destroyed_at__isnull=True,
            material__project__in=member_projects(user),
        )
    except Video.DoesNotExist:
        raise Http404("No such video.") from None
    if video.material.uploaded_by_id != user.pk:
        raise PermissionDenied
    return video
