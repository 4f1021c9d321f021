"""Publishing leaflet versions: answer rounds, one active version, leadership only."""

import pytest

from consentry.audit.models import AuditEntry
from consentry.consent.models import ConsentEvent
from consentry.consent.services import State, consent_overview, decide
from consentry.leaflets.models import Category, LeafletVersion
from consentry.leaflets.services import LeafletError, new_draft, publish
from consentry.schools.models import Pupil, School, StaffRole
from tests.world import CATEGORY_NUMBERS, make_leaflet


def state(pupil: Pupil, number: int) -> State:
    return consent_overview(Pupil.objects.filter(pk=pupil.pk))[pupil.pk][number].state


def republish(world, *, material_change: bool, label: str = "versie 2024") -> LeafletVersion:
    draft = new_draft(world.leaflet, label=label, actor=world.leadership)
    return publish(draft, actor=world.leadership, material_change=material_change)


def test_material_change_starts_a_new_answer_round(world):
    decide(world.parent, world.emma, {1: True, 2: False})
    decide(world.another_parent, world.noah, {1: True})
    version = republish(world, material_change=True)
    assert version.answer_round == world.leaflet.answer_round + 1
    assert version.material_change is True
    for pupil in (world.emma, world.noah):
        for number in CATEGORY_NUMBERS:
            assert state(pupil, number) is State.UNANSWERED, (pupil, number)
    # The older answers stay in the history, tied to the version they answered.
    assert ConsentEvent.objects.count() == 3
    assert set(ConsentEvent.objects.values_list("leaflet_version", flat=True)) == {world.leaflet.pk}


def test_after_a_material_change_the_same_answer_is_recorded_again_and_counts(world):
    decide(world.parent, world.emma, {1: True})
    version = republish(world, material_change=True)
    [event] = decide(world.parent, world.emma, {1: True})
    assert event.leaflet_version == version
    assert state(world.emma, 1) is State.YES
    assert ConsentEvent.objects.count() == 2


def test_old_refusal_does_not_block_a_yes_in_the_new_round(world):
    decide(world.other_parent, world.emma, {1: False})
    republish(world, material_change=True)
    decide(world.parent, world.emma, {1: True})
    assert state(world.emma, 1) is State.YES


def test_minor_edit_carries_answers_over(world):
    decide(world.parent, world.emma, {1: True, 2: False})
    decide(world.other_parent, world.emma, {3: True, 4: False})
    decide(world.parent, world.emma, {3: True})
    decide(world.parent, world.emma, {4: True})
    version = republish(world, material_change=False)
    assert version.answer_round == world.leaflet.answer_round
    assert version.material_change is False
    assert state(world.emma, 1) is State.YES
    assert state(world.emma, 2) is State.NO
    assert state(world.emma, 3) is State.YES
    assert state(world.emma, 4) is State.CONFLICT
    assert state(world.emma, 6) is State.UNANSWERED
    # A guardian's unchanged answer under the new version is still nothing new.
    assert decide(world.parent, world.emma, {1: True}) == []


def test_minor_edit_then_material_change(world):
    decide(world.parent, world.emma, {1: True})
    republish(world, material_change=False, label="versie 2024")
    assert state(world.emma, 1) is State.YES
    world.leaflet = LeafletVersion.objects.get(label="versie 2024")
    republish(world, material_change=True, label="versie 2025")
    assert state(world.emma, 1) is State.UNANSWERED


def test_a_schools_new_round_does_not_touch_another_school(world):
    other_version = LeafletVersion.objects.active().get(school=world.other_school)
    decide(world.parent, world.emma, {1: True})
    republish(world, material_change=True)
    assert LeafletVersion.objects.active().get(school=world.other_school) == other_version
    assert other_version.answer_round == 1


def test_publishing_archives_the_old_active_version(world):
    version = republish(world, material_change=False)
    world.leaflet.refresh_from_db()
    assert world.leaflet.status == LeafletVersion.Status.ARCHIVED
    assert version.status == LeafletVersion.Status.ACTIVE
    assert list(LeafletVersion.objects.active().filter(school=world.school)) == [version]


def test_only_one_active_version_per_school(world):
    for label, material in (("v2", True), ("v3", False), ("v4", True)):
        draft = new_draft(
            LeafletVersion.objects.active().get(school=world.school),
            label=label,
            actor=world.leadership,
        )
        publish(draft, actor=world.leadership, material_change=material)
        assert LeafletVersion.objects.active().filter(school=world.school).count() == 1
    assert LeafletVersion.objects.active().get(school=world.school).label == "v4"
    assert LeafletVersion.objects.active().get(school=world.school).answer_round == 3
    statuses = dict(
        LeafletVersion.objects.filter(school=world.school).values_list("label", "status")
    )
    assert statuses == {
        "versie 2023": "archived",
        "v2": "archived",
        "v3": "archived",
        "v4": "active",
    }


@pytest.mark.parametrize(
    "who", ["teacher", "intern", "privacy_officer", "parent", "other_leadership"]
)
def test_only_the_schools_leadership_can_publish(world, who):
    draft = new_draft(world.leaflet, label="versie 2024", actor=world.leadership)
    with pytest.raises(LeafletError):
        publish(draft, actor=getattr(world, who), material_change=True)
    draft.refresh_from_db()
    world.leaflet.refresh_from_db()
    assert draft.status == LeafletVersion.Status.DRAFT
    assert world.leaflet.status == LeafletVersion.Status.ACTIVE


@pytest.mark.parametrize("who", ["teacher", "privacy_officer", "other_leadership"])
def test_only_the_schools_leadership_can_start_a_draft(world, who):
    with pytest.raises(LeafletError):
        new_draft(world.leaflet, label="versie 2024", actor=getattr(world, who))
    assert not LeafletVersion.objects.filter(label="versie 2024").exists()


def test_only_a_draft_can_be_published(world):
    with pytest.raises(LeafletError):
        publish(world.leaflet, actor=world.leadership, material_change=True)  # active
    world.leaflet.refresh_from_db()
    assert world.leaflet.answer_round == 1
    republish(world, material_change=True)
    with pytest.raises(LeafletError):
        publish(world.leaflet, actor=world.leadership, material_change=True)  # archived
    world.leaflet.refresh_from_db()
    assert world.leaflet.status == LeafletVersion.Status.ARCHIVED
    assert LeafletVersion.objects.active().get(school=world.school).label == "versie 2024"


def test_a_draft_without_categories_cannot_be_published(world):
    empty = LeafletVersion.objects.create(school=world.school, label="leeg")
    with pytest.raises(LeafletError):
        publish(empty, actor=world.leadership, material_change=True)
    world.leaflet.refresh_from_db()
    assert world.leaflet.status == LeafletVersion.Status.ACTIVE


def test_new_draft_copies_categories_and_texts(world):
    draft = new_draft(world.leaflet, label="  versie 2024 ", actor=world.leadership)
    assert draft.label == "versie 2024"
    assert draft.status == LeafletVersion.Status.DRAFT
    assert draft.intro_nl == world.leaflet.intro_nl
    fields = ("number", "title_nl", "title_en", "purpose_nl", "purpose_en", "examples_nl")
    copied = list(draft.categories.values_list(*fields))
    assert copied == list(world.leaflet.categories.values_list(*fields))
    assert [row[0] for row in copied] == CATEGORY_NUMBERS
    # Copies, not moves: the source keeps its own categories.
    assert world.leaflet.categories.count() == len(CATEGORY_NUMBERS)
    assert Category.objects.filter(version=draft).count() == len(CATEGORY_NUMBERS)


def test_editing_the_draft_leaves_the_active_version_alone(world):
    draft = new_draft(world.leaflet, label="versie 2024", actor=world.leadership)
    draft.categories.filter(number=1).update(title_nl="Nieuw")
    draft.categories.filter(number=8).delete()
    assert world.leaflet.categories.get(number=1).title_nl == "Categorie 1"
    assert world.leaflet.categories.filter(number=8).exists()


@pytest.mark.parametrize("label", ["", "   ", "versie 2023"])
def test_new_draft_needs_a_new_label(world, label):
    with pytest.raises(LeafletError):
        new_draft(world.leaflet, label=label, actor=world.leadership)
    assert LeafletVersion.objects.filter(school=world.school).count() == 1


def test_publish_writes_an_audit_entry(world):
    draft = new_draft(world.leaflet, label="versie 2024", actor=world.leadership)
    publish(draft, actor=world.leadership, material_change=True)
    entry = AuditEntry.objects.filter(action="leaflet.published").latest("sequence")
    assert entry.actor_id == world.leadership.pk
    assert entry.school_id == world.school.pk
    assert entry.object_type == "leaflets.leafletversion"
    assert entry.object_id == str(draft.pk)
    assert entry.data == {
        "label": "versie 2024",
        "material_change": True,
        "chosen_material_change": True,
        "material_categories": [],
        "answer_round": 2,
        "previous_version_id": world.leaflet.pk,
    }
    drafted = AuditEntry.objects.get(action="leaflet.drafted")
    assert drafted.data == {"label": "versie 2024", "source_version_id": world.leaflet.pk}


def test_refused_publication_writes_no_audit_entry(world):
    draft = new_draft(world.leaflet, label="versie 2024", actor=world.leadership)
    entries = AuditEntry.objects.count()
    with pytest.raises(LeafletError):
        publish(draft, actor=world.teacher, material_change=True)
    assert AuditEntry.objects.count() == entries


def test_first_version_always_starts_round_one(world):
    school = School.objects.create(board=world.board, name="Nieuwe school")
    StaffRole.objects.create(
        user=world.leadership, board=world.board, school=school, role=StaffRole.Role.LEADERSHIP
    )
    version = publish(make_leaflet(school), actor=world.leadership, material_change=False)
    assert version.status == LeafletVersion.Status.ACTIVE
    assert version.answer_round == 1
    assert version.material_change is True
    assert version.published_by == world.leadership
    assert version.published_at is not None
