"""The demo's training project: one item of material, one covered pupil, one not."""

from django.utils import timezone

from consentry.consent.services import decide
from consentry.research.coverage import coverage
from consentry.research.demo import seed
from consentry.research.models import Material
from tests.world import make_pupil


def test_the_demo_project_shows_an_uncovered_pupil(world):
    decide(world.parent, world.emma, {7: True})
    make_pupil(world.school, world.group, "1003", "Mila")  # unanswered
    today = timezone.localdate()
    project = seed(world.school, leadership=world.leadership, teacher=world.teacher, today=today)
    assert (project.kind, project.title) == (7, "Coaching in de klas")
    assert (project.ends_on - today).days == 30
    [material] = Material.objects.all()
    assert material.kind == "photo" and material.file.size > 0
    cover = coverage(project)
    assert [c.pupil.given_name for c in cover.covered] == ["Emma"]
    assert [c.pupil.given_name for c in cover.uncovered] == ["Mila"]
    assert not cover.allows(material)
