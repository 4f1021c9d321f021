"""A small school world with named personas, shared by the tests.

De Test-Loofhut (board A) has group Zon (teacher `teacher`) and group Maan (teacher
`other_teacher`). Emma (group Zon) has two guardians with authority: `parent` and
`other_parent`. Noah (group Maan) has `another_parent`. Board B has its own school,
leadership and pupil. Everyone signs in with the password "pw"; the leadership and privacy
officers (whose roles need a second factor) have an authenticator app with TOTP_SECRET.
"""

from dataclasses import dataclass
from datetime import date

from allauth.mfa.totp.internal.auth import TOTP

from consentry.accounts.models import User
from consentry.leaflets.models import Category, LeafletVersion
from consentry.leaflets.services import publish
from consentry.schools.models import Board, Group, Guardianship, Pupil, School, StaffRole
from tests.conduct.helpers import publish_rules_acknowledged_by

CATEGORY_NUMBERS = [1, 2, 3, 4, 6, 7, 8]
PASSWORD = "pw"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # base32, as an authenticator app gets it


@dataclass
class World:
    board: Board
    school: School
    group: Group
    other_group: Group
    emma: Pupil
    noah: Pupil
    leaflet: LeafletVersion
    parent: User
    other_parent: User
    another_parent: User
    teacher: User
    other_teacher: User
    leadership: User
    privacy_officer: User
    intern: User
    other_board: Board
    other_school: School
    other_leadership: User
    other_pupil: Pupil


def make_user(email: str, name: str) -> User:
    return User.objects.create_user(email, PASSWORD, full_name=name)


def give_totp(user: User) -> User:
    """An authenticator app with TOTP_SECRET, as leadership and privacy officers must have."""
    TOTP.activate(user, TOTP_SECRET)
    return user


def make_leaflet(school: School, label: str = "versie 2023") -> LeafletVersion:
    version = LeafletVersion.objects.create(school=school, label=label, intro_nl="Intro")
    for number in CATEGORY_NUMBERS:
        Category.objects.create(
            version=version,
            number=number,
            title_nl=f"Categorie {number}",
            title_en=f"Category {number}",
            purpose_nl=f"Doel {number}",
            purpose_en=f"Purpose {number}",
        )
    return version


def make_pupil(school: School, group: Group | None, number: str, given: str, **extra) -> Pupil:
    extra.setdefault("date_of_birth", date(2017, 5, 1))
    return Pupil.objects.create(
        school=school,
        group=group,
        pupil_number=number,
        given_name=given,
        family_name="Test",
        **extra,
    )


def make_world() -> World:
    board = Board.objects.create(name="Bestuur A")
    school = School.objects.create(board=board, name="De Test-Loofhut", brin="99XX")
    group = Group.objects.create(school=school, name="Zon", school_year="2026-2027")
    other_group = Group.objects.create(school=school, name="Maan", school_year="2026-2027")
    emma = make_pupil(school, group, "1001", "Emma")
    noah = make_pupil(school, other_group, "1002", "Noah")

    parent = make_user("parent@example.nl", "Parent of Emma")
    other_parent = make_user("other.parent@example.nl", "Other parent of Emma")
    another_parent = make_user("another.parent@example.nl", "Parent of Noah")
    Guardianship.objects.create(guardian=parent, pupil=emma, has_parental_authority=True)
    Guardianship.objects.create(guardian=other_parent, pupil=emma, has_parental_authority=True)
    Guardianship.objects.create(guardian=another_parent, pupil=noah, has_parental_authority=True)

    teacher = make_user("teacher@school.nl", "Teacher of Zon")
    other_teacher = make_user("other.teacher@school.nl", "Teacher of Maan")
    leadership = make_user("leadership@school.nl", "Leadership")
    privacy_officer = make_user("privacy@board.nl", "Privacy officer")
    intern = make_user("intern@school.nl", "Intern")
    Role = StaffRole.Role
    StaffRole.objects.create(
        user=teacher, board=board, school=school, role=Role.TEACHER
    ).groups.add(group)
    StaffRole.objects.create(
        user=other_teacher, board=board, school=school, role=Role.TEACHER
    ).groups.add(other_group)
    StaffRole.objects.create(user=leadership, board=board, school=school, role=Role.LEADERSHIP)
    StaffRole.objects.create(user=privacy_officer, board=board, role=Role.PRIVACY_OFFICER)
    StaffRole.objects.create(user=intern, board=board, school=school, role=Role.INTERN)

    leaflet = publish(make_leaflet(school), actor=leadership, material_change=True)
    # The intern has acknowledged the privacy rules, so the gate (tests/conduct) lets them in.
    publish_rules_acknowledged_by(intern, school=school, keeper=leadership)

    other_board = Board.objects.create(name="Bestuur B")
    other_school = School.objects.create(board=other_board, name="De Andere School", brin="88YY")
    other_leadership = make_user("leadership@other.nl", "Other leadership")
    StaffRole.objects.create(
        user=other_leadership, board=other_board, school=other_school, role=Role.LEADERSHIP
    )
    publish(make_leaflet(other_school), actor=other_leadership, material_change=True)
    other_pupil = make_pupil(other_school, None, "1001", "Olaf")
    for person in (leadership, privacy_officer, other_leadership):
        give_totp(person)

    return World(
        board=board,
        school=school,
        group=group,
        other_group=other_group,
        emma=emma,
        noah=noah,
        leaflet=leaflet,
        parent=parent,
        other_parent=other_parent,
        another_parent=another_parent,
        teacher=teacher,
        other_teacher=other_teacher,
        leadership=leadership,
        privacy_officer=privacy_officer,
        intern=intern,
        other_board=other_board,
        other_school=other_school,
        other_leadership=other_leadership,
        other_pupil=other_pupil,
    )
