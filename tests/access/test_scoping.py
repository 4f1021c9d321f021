"""The access rules of consentry.schools.access, one by one, on the shared world."""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import Client
from django.urls import reverse

from consentry.consent import services as consent
from consentry.schools import access
from consentry.schools.models import Group, Guardianship, School, StaffRole
from tests.world import make_pupil, make_user

Role = StaffRole.Role
SECRET_REASON = "Custody order of 3 March, do not publish"


def pupils(user):
    return set(access.pupils_visible_to(user))


def groups(user):
    return set(access.groups_visible_to(user))


def test_guardian_sees_only_own_children(world):
    assert pupils(world.parent) == {world.emma}
    assert pupils(world.other_parent) == {world.emma}
    assert pupils(world.another_parent) == {world.noah}
    assert groups(world.parent) == set()
    assert set(access.schools_overseen_by(world.parent)) == set()
    with pytest.raises(Http404):
        access.get_pupil_for_user(world.parent, world.noah.pk)
    with pytest.raises(Http404):
        access.get_group_for_user(world.parent, world.group.pk)
    assert access.get_pupil_for_user(world.parent, world.emma.pk) == world.emma


def test_only_guardians_with_authority_decide(world):
    Guardianship.objects.filter(guardian=world.other_parent).update(has_parental_authority=False)
    assert access.is_guardian_with_authority(world.parent, world.emma)
    assert not access.is_guardian_with_authority(world.other_parent, world.emma)
    assert not access.is_guardian_with_authority(world.another_parent, world.emma)
    assert not access.is_guardian_with_authority(world.teacher, world.emma)


def test_pupil_of_sixteen_sees_only_themself(world):
    account = make_user("teen@example.nl", "Teen")
    teen = make_pupil(world.school, world.group, "1003", "Tess", date_of_birth=date(2005, 1, 1))
    teen.account = account
    teen.save()
    assert pupils(account) == {teen}
    assert groups(account) == set()


def test_teacher_sees_only_the_pupils_of_their_groups(world):
    assert groups(world.teacher) == {world.group}
    assert pupils(world.teacher) == {world.emma}
    assert groups(world.other_teacher) == {world.other_group}
    assert pupils(world.other_teacher) == {world.noah}
    with pytest.raises(Http404):
        access.get_group_for_user(world.teacher, world.other_group.pk)
    with pytest.raises(Http404):
        access.get_pupil_for_user(world.teacher, world.noah.pk)
    assert set(access.schools_overseen_by(world.teacher)) == set()
    assert not access.leads_school(world.teacher, world.school)


def test_a_pupil_who_moves_group_moves_out_of_the_teachers_sight(world):
    world.emma.group = world.other_group
    world.emma.save()
    assert pupils(world.teacher) == set()
    assert pupils(world.other_teacher) == {world.emma, world.noah}


def test_leadership_sees_only_their_school(world):
    assert set(access.schools_led_by(world.leadership)) == {world.school}
    assert set(access.schools_overseen_by(world.leadership)) == {world.school}
    assert groups(world.leadership) == {world.group, world.other_group}
    assert pupils(world.leadership) == {world.emma, world.noah}
    assert access.leads_school(world.leadership, world.school)
    assert not access.leads_school(world.leadership, world.other_school)
    with pytest.raises(Http404):
        access.get_school_overseen_by(world.leadership, world.other_school.pk)


def test_leadership_does_not_see_a_sister_school_of_the_same_board(world):
    sister = School.objects.create(board=world.board, name="Zusterschool", brin="77ZZ")
    sister_group = Group.objects.create(school=sister, name="Ster", school_year="2026-2027")
    sister_pupil = make_pupil(sister, sister_group, "2001", "Sam")
    assert sister_pupil not in pupils(world.leadership)
    assert sister_group not in groups(world.leadership)
    with pytest.raises(Http404):
        access.get_school_overseen_by(world.leadership, sister.pk)
    # ...while the board's privacy officer does see it.
    assert sister_pupil in pupils(world.privacy_officer)
    assert set(access.schools_overseen_by(world.privacy_officer)) == {world.school, sister}


def test_privacy_officer_sees_the_boards_schools_and_leads_none(world):
    assert set(access.schools_overseen_by(world.privacy_officer)) == {world.school}
    assert pupils(world.privacy_officer) == {world.emma, world.noah}
    assert groups(world.privacy_officer) == {world.group, world.other_group}
    assert set(access.schools_led_by(world.privacy_officer)) == set()
    assert not access.leads_school(world.privacy_officer, world.school)
    with pytest.raises(Http404):
        access.get_school_led_by(world.privacy_officer, world.school.pk)
    with pytest.raises(Http404):
        access.get_school_overseen_by(world.privacy_officer, world.other_school.pk)
    assert world.other_pupil not in pupils(world.privacy_officer)


@pytest.mark.parametrize("role", [Role.INTERN, Role.VISITOR])
def test_interns_and_visitors_see_nothing(world, role):
    visitor = make_user(f"another.{role}@school.nl", "Somebody")
    staff_role = StaffRole.objects.create(
        user=visitor, board=world.board, school=world.school, role=role
    )
    staff_role.groups.add(world.group)  # even linked to a group, they are not its teacher
    for user in (world.intern, visitor):
        assert pupils(user) == set()
        assert groups(user) == set()
        assert set(access.schools_overseen_by(user)) == set()
        assert set(access.schools_led_by(user)) == set()
        assert set(access.pupils_seen_as_staff(user)) == set()


def test_anonymous_sees_nothing(world):
    anonymous = AnonymousUser()
    assert pupils(anonymous) == set()
    assert groups(anonymous) == set()
    assert set(access.schools_overseen_by(anonymous)) == set()
    assert set(access.schools_led_by(anonymous)) == set()
    assert set(access.pupils_seen_as_staff(anonymous)) == set()


def test_nobody_crosses_boards(world):
    for persona in (
        "parent", "other_parent", "another_parent", "teacher", "other_teacher",
        "leadership", "privacy_officer", "intern",
    ):  # fmt: skip
        user = getattr(world, persona)
        assert world.other_pupil not in pupils(user), persona
        assert world.other_school not in set(access.schools_overseen_by(user)), persona
        with pytest.raises(Http404):
            access.get_pupil_for_user(user, world.other_pupil.pk)
    assert pupils(world.other_leadership) == {world.other_pupil}
    assert set(access.schools_overseen_by(world.other_leadership)) == {world.other_school}
    for pupil in (world.emma, world.noah):
        with pytest.raises(Http404):
            access.get_pupil_for_user(world.other_leadership, pupil.pk)
    with pytest.raises(Http404):
        access.get_group_for_user(world.other_leadership, world.group.pk)


def test_roles_add_up_but_stay_in_their_own_scope(world):
    """A teacher of Zon who is also a parent of a child in Maan sees both, nothing more."""
    Guardianship.objects.create(
        guardian=world.teacher, pupil=world.noah, has_parental_authority=True
    )
    assert pupils(world.teacher) == {world.emma, world.noah}
    assert groups(world.teacher) == {world.group}
    # The privacy officer of board A leading a school of board B sees both, leads only B.
    StaffRole.objects.create(
        user=world.privacy_officer, board=world.other_board, school=world.other_school,
        role=Role.LEADERSHIP,
    )  # fmt: skip
    assert set(access.schools_overseen_by(world.privacy_officer)) == {
        world.school, world.other_school,
    }  # fmt: skip
    assert set(access.schools_led_by(world.privacy_officer)) == {world.other_school}


def test_a_leadership_role_at_one_school_is_not_a_board_role(world):
    """Roles are per row: leadership at school A plus an intern row elsewhere leads only A."""
    StaffRole.objects.create(
        user=world.intern, board=world.other_board, school=world.other_school,
        role=Role.LEADERSHIP,
    )  # fmt: skip
    assert set(access.schools_overseen_by(world.intern)) == {world.other_school}
    assert world.emma not in pupils(world.intern)


# The never-photograph reason: only the leadership of the pupil's school sees it.


@pytest.fixture
def flagged(world):
    consent.set_never_flag(world.leadership, world.emma, active=True, reason=SECRET_REASON)
    return world


def _page(user, name, **kwargs) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse(name, kwargs=kwargs))
    return response.status_code, response.content.decode()


def test_never_flag_reason_on_the_school_overview_for_the_leadership_only(flagged):
    world = flagged
    status, html = _page(world.leadership, "school_overview", school_id=world.school.pk)
    assert status == 200
    assert SECRET_REASON in html
    assert "Emma" in html

    status, html = _page(world.privacy_officer, "school_overview", school_id=world.school.pk)
    assert status == 200
    assert "Emma" in html  # the officer sees that the pupil is flagged...
    assert SECRET_REASON not in html  # ...but not why

    for teacher in (world.teacher, world.other_teacher):
        status, html = _page(teacher, "school_overview", school_id=world.school.pk)
        assert status == 404
        assert SECRET_REASON not in html


@pytest.mark.parametrize(
    ("persona", "name"),
    [
        ("teacher", "group_matrix"),
        ("privacy_officer", "group_matrix"),
        ("teacher", "pupil_consent"),
        ("privacy_officer", "pupil_consent"),
        ("teacher", "pupil_history"),
        ("privacy_officer", "pupil_history"),
        ("parent", "pupil_consent"),
        ("parent", "pupil_history"),
        ("parent", "children"),
        ("other_parent", "children"),
    ],
)
def test_never_flag_reason_on_no_other_page(flagged, persona, name):
    world = flagged
    kwargs = {
        "group_matrix": {"group_id": world.group.pk},
        "pupil_consent": {"pupil_id": world.emma.pk},
        "pupil_history": {"pupil_id": world.emma.pk},
        "children": {},
    }[name]
    status, html = _page(getattr(world, persona), name, **kwargs)
    assert status == 200
    assert SECRET_REASON not in html


def test_never_flag_reason_on_the_flag_page_for_the_leadership_only(flagged):
    world = flagged
    status, html = _page(world.leadership, "never_flag", pupil_id=world.emma.pk)
    assert (status, SECRET_REASON in html) == (200, True)
    for persona in ("privacy_officer", "teacher", "parent", "other_leadership"):
        status, html = _page(getattr(world, persona), "never_flag", pupil_id=world.emma.pk)
        assert status in (403, 404), persona
        assert SECRET_REASON not in html, persona


def test_audit_trail_page_shows_the_schools_entries_and_verifies_the_chain(world, client):
    from consentry.consent import services as consent

    consent.decide(world.parent, world.emma, {4: False})
    client.force_login(world.leadership)
    page = client.get(f"/schools/{world.school.pk}/audit/?verify=1").content.decode()
    assert "consent.recorded" in page
    assert "leaflet.published" in page
    assert "state-never" not in page
    client.force_login(world.other_leadership)
    assert client.get(f"/schools/{world.school.pk}/audit/").status_code == 404
