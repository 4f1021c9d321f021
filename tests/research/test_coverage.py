"""Who is covered in a project: the category of its kind, for every pupil in the material."""

import pytest
from django.test import Client
from django.urls import reverse

from consentry.consent.services import decide, set_never_flag
from consentry.research.coverage import coverage
from tests.research.helpers import add_material, make_project
from tests.world import make_pupil


@pytest.fixture
def mila(world):
    """A third pupil of group Zon, with a never-photograph flag."""
    pupil = make_pupil(world.school, world.group, "1003", "Mila")
    set_never_flag(world.leadership, pupil, active=True, reason="Safeguarding.")
    return pupil


def page(user, project) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("research_project", args=[project.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_uncovered_pupil_in_a_project(world, mila):
    """Kind 7: Emma has category 7 consent; Noah's guardian refused 7 (though yes to 6);
    Mila has a never flag although her guardians said yes."""
    decide(world.parent, world.emma, {7: True})
    decide(world.another_parent, world.noah, {6: True, 7: False})
    project = make_project(world, 7)
    material = add_material(project, [world.emma, world.noah])

    cover = coverage(project)
    assert [c.pupil for c in cover.uncovered] == [world.noah]
    assert [c.pupil for c in cover.covered] == [world.emma]
    assert not cover.allows(material)

    html = page(world.leadership, project)
    uncovered = html.split('id="uncovered-heading"')[1].split("</section>")[0]
    assert "Noah Test" in uncovered and "Emma Test" not in uncovered
    assert "Not covered: 1 pupil" in uncovered
    assert "A guardian with parental authority refused." in uncovered
    assert "Blocked: not everyone in it is covered." in html


def test_unanswered_and_never_flag_are_not_covered(world, mila):
    decide(world.parent, world.emma, {8: True})
    project = make_project(world, 8)
    add_material(project, [world.emma, world.noah, mila])
    decide(world.another_parent, world.noah, {7: True})  # another category: no cover for 8
    cover = coverage(project)
    reasons = {c.pupil.given_name: c.reason for c in cover.uncovered}
    assert set(reasons) == {"Noah", "Mila"}
    assert reasons["Mila"] == "The school has set a never-photograph flag."
    assert reasons["Noah"].startswith("No answer yet")
    assert [c.pupil for c in cover.covered] == [world.emma]


def test_withdrawal_blocks_material_at_once(world):
    decide(world.parent, world.emma, {7: True})
    project = make_project(world, 7)
    material = add_material(project, [world.emma])
    assert coverage(project).allows(material)
    decide(world.parent, world.emma, {7: False})
    assert not coverage(project).allows(material)


def test_guardians_who_disagree_do_not_cover(world):
    decide(world.parent, world.emma, {7: True})
    decide(world.other_parent, world.emma, {7: False})
    project = make_project(world, 7)
    add_material(project, [world.emma])
    [cover] = coverage(project).uncovered
    assert cover.reason == "The guardians disagree: no, until they agree."


def test_material_without_pupils_is_covered(world):
    project = make_project(world, 7)
    material = add_material(project, [])
    assert coverage(project).allows(material)


def test_destroyed_material_no_longer_counts(world):
    project = make_project(world, 7)
    material = add_material(project, [world.noah])
    from consentry.research.services import destroy_material

    destroy_material(material)
    assert coverage(project).pupils == {}
