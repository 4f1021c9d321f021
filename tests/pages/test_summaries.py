"""The read-only summaries behind the pages: who owes an answer after a new leaflet, and that
the pages cost the same number of queries however many pupils and schools there are."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consentry.api.models import ApiToken
from consentry.consent import services as consent
from consentry.consent import summaries
from consentry.leaflets.models import LeafletVersion
from consentry.leaflets.services import new_draft, publish
from consentry.schools.models import Group, Guardianship, Pupil, School, StaffRole
from tests.consent.helpers import give_account, years_before
from tests.world import make_leaflet, make_pupil, make_user

from .helpers import client_for


def _material_change(world) -> None:
    source = LeafletVersion.objects.active().get(school=world.school)
    draft = new_draft(source, label=f"v{LeafletVersion.objects.count()}", actor=world.leadership)
    publish(draft, actor=world.leadership, material_change=True)


def test_answers_owed_names_each_decider_and_category(world):
    consent.decide(world.parent, world.emma, {1: True, 4: False})
    consent.decide(world.other_parent, world.emma, {2: True})
    _material_change(world)
    consent.decide(world.parent, world.emma, {4: False})
    owed = summaries.answers_owed(Pupil.objects.all())
    assert owed == {
        (world.emma.pk, world.parent.pk): [1],
        (world.emma.pk, world.other_parent.pk): [2],
    }


def test_a_guardian_without_authority_owes_nothing(world):
    consent.decide(world.other_parent, world.emma, {2: True})
    Guardianship.objects.filter(guardian=world.other_parent).update(has_parental_authority=False)
    _material_change(world)
    assert summaries.answers_owed(Pupil.objects.all()) == {}


def test_from_16_the_pupil_owes_the_answer_not_the_guardians(world):
    today = timezone.localdate()
    pupil = make_pupil(
        world.school, world.group, "1601", "Sanne", date_of_birth=years_before(today, 16)
    )
    pupil.guardianships.create(guardian=world.parent, has_parental_authority=True)
    account = give_account(pupil, "sanne@example.nl")
    consent.decide(account, pupil, {3: True})
    _material_change(world)
    assert summaries.answers_owed(Pupil.objects.filter(pk=pupil.pk)) == {(pupil.pk, None): [3]}
    assert summaries.must_answer_again(Pupil.objects.filter(pk=pupil.pk)) == [(pupil, [None], 1)]


def _queries(user, name: str, query: str = "", **kwargs) -> int:
    client = client_for(user)
    url = reverse(name, kwargs=kwargs) + query
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def _more_pupils(world, count: int) -> None:
    for number in range(count):
        pupil = make_pupil(world.school, world.group, f"5{number:03}", f"Kind{number}")
        guardian = make_user(f"g{number}@example.nl", f"Guardian {number}")
        Guardianship.objects.create(guardian=guardian, pupil=pupil, has_parental_authority=True)
        consent.decide(guardian, pupil, {1: True, 4: number % 2 == 0})


def test_the_staff_pages_take_a_fixed_number_of_queries(world):
    pages = [
        (world.leadership, "school_overview", {"school_id": world.school.pk}),
        (world.leadership, "leaflet_versions", {"school_id": world.school.pk}),
        (world.teacher, "group_matrix", {"group_id": world.group.pk}),
        (world.teacher, "group_may_appear", {"group_id": world.group.pk, "query": "?category=4"}),
        (world.teacher, "group_print", {"group_id": world.group.pk}),
    ]
    before = [_queries(user, name, **kwargs) for user, name, kwargs in pages]
    _more_pupils(world, 12)
    after = [_queries(user, name, **kwargs) for user, name, kwargs in pages]
    assert after == before


def _another_school(world, number: int, pupils: int) -> None:
    """A school of the same board with its own groups, families, answers and flags."""
    school = School.objects.create(board=world.board, name=f"School {number}", brin=f"{number}XX")
    leadership = make_user(f"l{number}@example.nl", "Leadership")
    StaffRole.objects.create(
        user=leadership, board=world.board, school=school, role=StaffRole.Role.LEADERSHIP
    )
    publish(make_leaflet(school), actor=leadership, material_change=True)
    group = Group.objects.create(school=school, name="Ster", school_year="2026-2027")
    teacher = make_user(f"t{number}@example.nl", "Teacher")
    role = StaffRole.objects.create(
        user=teacher, board=world.board, school=school, role=StaffRole.Role.TEACHER
    )
    role.groups.add(group)
    for index in range(pupils):
        pupil = make_pupil(school, group, f"{number}{index:03}", f"Kind{index}")
        guardian = make_user(f"g{number}-{index}@example.nl", f"Guardian {index}")
        Guardianship.objects.create(guardian=guardian, pupil=pupil, has_parental_authority=True)
        consent.decide(guardian, pupil, {1: True, 4: index % 2 == 0})


def _post_queries(user, pupil, answer: str) -> int:
    client = client_for(user)
    url = reverse("pupil_consent", kwargs={"pupil_id": pupil.pk})
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        assert client.post(url, {"category_4": answer}).status_code == 302
    return len(context)


def _api_queries(token: str, pupil_ids: list[int]) -> int:
    client = Client(headers={"Authorization": f"Bearer {token}"})
    payload = {"category": 4, "pupil_ids": pupil_ids}
    with CaptureQueriesContext(connection) as context:
        response = client.post("/api/v1/check", payload, content_type="application/json")
        assert response.status_code == 200
    return len(context)


def test_the_family_pages_cost_the_same_however_big_the_database(world):
    """A guardian's pages, their save and the API's check ask the same number of queries
    whether the database holds one school or many: their cost follows the family, the
    group or the school, never the size of everything else (bench/national.py measures the
    time at national size)."""
    token = ApiToken.issue(world.school, "website")[1]
    consent.decide(world.parent, world.emma, {1: True, 4: True})
    pages = [
        (world.parent, "children", {}),
        (world.parent, "pupil_consent", {"pupil_id": world.emma.pk}),
        (world.parent, "pupil_history", {"pupil_id": world.emma.pk}),
        (world.teacher, "group_matrix", {"group_id": world.group.pk}),
    ]
    ids = [world.emma.pk, world.noah.pk]
    before = [_queries(user, name, **kwargs) for user, name, kwargs in pages]
    before += [_post_queries(world.parent, world.emma, "no"), _api_queries(token, ids)]
    for number in range(2, 5):
        _another_school(world, number, pupils=8)
    _more_pupils(world, 6)
    after = [_queries(user, name, **kwargs) for user, name, kwargs in pages]
    after += [_post_queries(world.parent, world.emma, "yes"), _api_queries(token, ids)]
    assert after == before
