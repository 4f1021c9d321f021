"""The read-only summaries behind the pages: who owes an answer after a new leaflet, and that
the staff pages cost the same number of queries however many pupils there are."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consentry.consent import services as consent
from consentry.consent import summaries
from consentry.leaflets.models import LeafletVersion
from consentry.leaflets.services import new_draft, publish
from consentry.schools.models import Guardianship, Pupil
from tests.consent.helpers import give_account, years_before
from tests.world import make_pupil, make_user

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
    pupil.guardianships.create(guardian=world.parent)
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
        Guardianship.objects.create(guardian=guardian, pupil=pupil)
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
