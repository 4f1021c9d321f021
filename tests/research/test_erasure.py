"""Research material in erasure and the pupil's export (consentry.retention's registry)."""

from datetime import timedelta

from django.utils import timezone

from consentry.adhoc.services import create_request
from consentry.audit.models import AuditEntry
from consentry.research.models import Material, Project
from consentry.retention import erasure, registry
from tests.files import stored_files
from tests.research.helpers import add_material, make_project


def research_about(world, pupil, *, ends_in_days: int) -> Project:
    today = timezone.localdate()
    request = create_request(
        school=world.school,
        actor=world.leadership,
        purpose="Onderzoek",
        description="Observatie.",
        pupils=[pupil],
        deadline=today + timedelta(days=1),
        send=True,
    )
    return make_project(world, 6, subject=pupil, consent_request=request, ends_in_days=ends_in_days)


def leaves(pupil):
    pupil.left_on = timezone.localdate() - timedelta(days=1)
    pupil.save()
    return pupil


def test_running_research_about_a_pupil_holds_their_data(world):
    project = research_about(world, world.emma, ends_in_days=10)
    left = leaves(world.emma)
    [reason] = erasure.refusals(left)
    assert f"Research project #{project.pk} about this pupil runs until" in reason
    assert project.title not in reason  # a title may name the child


def test_erasure_destroys_the_material_showing_the_pupil(world, django_capture_on_commit_callbacks):
    project = research_about(world, world.emma, ends_in_days=-1)  # ended, not cleaned up yet
    left = leaves(world.emma)
    training = make_project(world, 7, title="Coaching")
    showing = add_material(training, [left, world.noah])
    other = add_material(training, [world.noah])
    assert erasure.refusals(left) == []
    with django_capture_on_commit_callbacks(execute=True):
        counts = erasure.erase_pupil(left, actor=world.leadership, reason="guardian_request")
    assert counts["research.material"] == 1 and counts["research.project"] == 1
    project.refresh_from_db()
    showing.refresh_from_db()
    assert project.subject is None and project.consent_request is not None
    assert showing.is_destroyed and showing.destroyed_under == "research.erasure"
    assert not Material.objects.get(pk=other.pk).is_destroyed
    assert stored_files() == [other.file.name]
    entry = AuditEntry.objects.get(action="research.material_destroyed")
    assert entry.data["rule"] == "research.erasure"


def test_the_export_names_the_projects_but_never_the_files(world):
    project = make_project(world, 7)
    add_material(project, [world.emma])
    section = next(s for s in registry.sections() if s.key == "research_projects")
    assert section.family is False  # a kind 6 title may name another child
    [row] = section.collect(world.emma)
    assert row["title"] == project.title and row["material_showing_the_pupil"] == 1
    assert section.collect(world.noah) == []
    assert all("research" not in folder for folder, _source in registry.file_sources())
