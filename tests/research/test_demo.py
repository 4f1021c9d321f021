"""The demo's training project: one item of material, one covered pupil, one not."""

from django.utils import timezone

from consentry.consent.services import decide
from consentry.mail.models import OutgoingMail
from consentry.research.coverage import coverage
from consentry.research.demo import seed
from consentry.research.models import Material, Project
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


def test_the_demo_has_a_kind_6_project_whose_subject_is_covered(world):
    decide(world.parent, world.emma, {7: True})
    make_pupil(world.school, world.group, "1003", "Mila")  # no guardians: not the subject
    today = timezone.localdate()
    mails = OutgoingMail.objects.count()
    seed(world.school, leadership=world.leadership, teacher=world.teacher, today=today)
    project = Project.objects.get(kind=6)
    assert project.subject == world.emma  # the first pupil of the teacher's group
    assert set(project.members.all()) == {world.teacher, world.leadership}
    assert project.consent_request.status == "open"
    assert coverage(project).pupils[world.emma.pk].covered
    # The demo's outbox stays for sign-in codes.
    assert list(OutgoingMail.objects.values_list("subject", flat=True)[mails:]) == []
