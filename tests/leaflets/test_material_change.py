"""Material change or minor edit: the leadership must choose, and the service decides.

A minor edit keeps every earlier answer counting, so it must not be able to change what a yes
means: a category added or removed, or a category's title, purpose or examples (in Dutch or
English) changed, makes a publication material whatever was chosen. The leadership sees the
difference per category before publishing, and the page says afterwards why it counted as
material. Omitting the choice publishes nothing (it used to fall back to a minor edit).
"""

import pytest
from django.urls import reverse

from consentry.audit.models import AuditEntry
from consentry.consent.services import State, consent_overview, decide
from consentry.leaflets.models import Category, LeafletVersion
from consentry.leaflets.services import (
    MEANING_FIELDS,
    LeafletError,
    category_changes,
    new_draft,
    publish,
)
from consentry.leaflets.views import TEXTS
from consentry.schools.models import Pupil
from tests.pages.helpers import client_for, section, text


def state(pupil: Pupil, number: int) -> State:
    return consent_overview(Pupil.objects.filter(pk=pupil.pk))[pupil.pk][number].state


def draft_of(world, label: str = "versie 2024") -> LeafletVersion:
    return new_draft(world.leaflet, label=label, actor=world.leadership)


def published_entry() -> AuditEntry:
    return AuditEntry.objects.filter(action="leaflet.published").latest("sequence")


# The rule itself.


def categories(version: LeafletVersion) -> list[Category]:
    return list(version.categories.all())


def test_an_unchanged_copy_changes_no_category(world):
    draft = draft_of(world)
    assert category_changes(categories(world.leaflet), categories(draft)) == []


@pytest.mark.parametrize("field", MEANING_FIELDS)
def test_each_text_that_says_what_a_yes_means_is_a_change(world, field):
    draft = draft_of(world)
    draft.categories.filter(number=3).update(**{field: "Iets heel anders"})
    [change] = category_changes(categories(world.leaflet), categories(draft))
    assert (change.number, change.kind, change.fields) == (3, "changed", [field])
    [diff] = change.texts
    assert ("Iets heel anders", True) in diff.new


def test_the_meaning_fields_are_every_text_of_a_category():
    """A text field added to Category later must be considered here too."""
    texts = {
        f.name
        for f in Category._meta.get_fields()
        if getattr(f, "get_internal_type", lambda: "")() in ("CharField", "TextField")
    }
    assert texts == set(MEANING_FIELDS) == set(TEXTS)


def test_spacing_and_line_breaks_alone_change_nothing(world):
    draft = draft_of(world)
    draft.categories.filter(number=1).update(purpose_nl="  Doel\n\n 1 ", title_en="Category  1")
    assert category_changes(categories(world.leaflet), categories(draft)) == []


def test_a_category_added_or_removed_is_a_change(world):
    draft = draft_of(world)
    draft.categories.filter(number=8).delete()
    Category.objects.create(
        version=draft, number=9, title_nl="Sociale media", title_en="Social media",
        purpose_nl="Doel 9", purpose_en="Purpose 9",
    )  # fmt: skip
    changes = category_changes(categories(world.leaflet), categories(draft))
    assert [(c.number, c.kind) for c in changes] == [(8, "removed"), (9, "added")]
    assert [c.title for c in changes] == ["Categorie 8", "Sociale media"]  # Dutch by default


def test_the_word_diff_marks_only_what_changed(world):
    draft = draft_of(world)
    draft.categories.filter(number=2).update(purpose_en="Purpose 2 and also on Instagram")
    [change] = category_changes(categories(world.leaflet), categories(draft))
    [diff] = change.texts
    assert diff.old == [("Purpose 2", False)]
    assert diff.new == [("Purpose 2", False), ("and also on Instagram", True)]


# The service decides, whatever was chosen.


def test_a_changed_purpose_under_a_minor_edit_is_published_as_material(world):
    decide(world.parent, world.emma, {1: True, 2: True})
    draft = draft_of(world)
    draft.categories.filter(number=2).update(purpose_nl="Ook op Instagram")
    version = publish(draft, actor=world.leadership, material_change=False)
    assert version.material_change is True
    assert version.answer_round == world.leaflet.answer_round + 1
    # Every earlier yes stops counting, not only category 2's.
    assert state(world.emma, 1) is State.UNANSWERED
    assert state(world.emma, 2) is State.UNANSWERED
    entry = published_entry()
    assert entry.data["material_change"] is True
    assert entry.data["chosen_material_change"] is False
    assert entry.data["material_categories"] == [
        {"number": 2, "change": "changed", "fields": ["purpose_nl"]}
    ]


def test_a_new_category_under_a_minor_edit_is_published_as_material(world):
    draft = draft_of(world)
    Category.objects.create(
        version=draft, number=9, title_nl="Sociale media", title_en="Social media",
        purpose_nl="Doel 9", purpose_en="Purpose 9",
    )  # fmt: skip
    version = publish(draft, actor=world.leadership, material_change=False)
    assert version.material_change is True
    assert published_entry().data["material_categories"] == [{"number": 9, "change": "added"}]


def test_a_removed_category_under_a_minor_edit_is_published_as_material(world):
    draft = draft_of(world)
    draft.categories.filter(number=8).delete()
    version = publish(draft, actor=world.leadership, material_change=False)
    assert version.material_change is True
    assert published_entry().data["material_categories"] == [{"number": 8, "change": "removed"}]


def test_a_changed_introduction_may_stay_a_minor_edit(world):
    decide(world.parent, world.emma, {1: True})
    draft = draft_of(world)
    LeafletVersion.objects.filter(pk=draft.pk).update(intro_nl="Een nieuwe inleiding.")
    version = publish(draft, actor=world.leadership, material_change=False)
    assert version.material_change is False
    assert version.answer_round == world.leaflet.answer_round
    assert state(world.emma, 1) is State.YES
    assert published_entry().data["material_categories"] == []


@pytest.mark.parametrize("choice", [None, "no", "", 0])
def test_the_service_refuses_anything_but_a_choice(world, choice):
    draft = draft_of(world)
    entries = AuditEntry.objects.count()
    with pytest.raises(LeafletError):
        publish(draft, actor=world.leadership, material_change=choice)
    draft.refresh_from_db()
    assert draft.status == LeafletVersion.Status.DRAFT
    assert AuditEntry.objects.count() == entries


# Through the pages.


def versions_url(world) -> str:
    return reverse("leaflet_versions", kwargs={"school_id": world.school.pk})


def publish_url(draft: LeafletVersion) -> str:
    return reverse("publish_leaflet", kwargs={"version_id": draft.pk})


def edit_through_the_page(client, draft: LeafletVersion, **changes: str) -> None:
    """Post the draft editor with every text as it is, except `changes` (for category 1)."""
    data = {field: getattr(draft, field) for field in LeafletVersion.text_fields()}
    rows = list(draft.categories.all())
    data |= {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": str(len(rows))}
    for index, category in enumerate(rows):
        data[f"form-{index}-id"] = str(category.pk)
        for field in TEXTS:
            value = getattr(category, field)
            if category.number == 1:
                value = changes.get(field, value)
            data[f"form-{index}-{field}"] = value
    url = reverse("edit_leaflet_draft", kwargs={"version_id": draft.pk})
    assert client.post(url, data).status_code == 302


@pytest.mark.parametrize("posted", [{}, {"material": ""}, {"material": "maybe"}])
def test_publishing_without_a_choice_publishes_nothing(world, posted):
    decide(world.parent, world.emma, {1: True})
    draft = draft_of(world)
    entries = AuditEntry.objects.count()
    response = client_for(world.leadership).post(publish_url(draft), posted, follow=True)
    assert response.redirect_chain == [(versions_url(world), 302)]
    assert (
        "Choose whether this is a material change or a minor edit: nothing was published."
        in text(response.content.decode())
    )
    draft.refresh_from_db()
    world.leaflet.refresh_from_db()
    assert draft.status == LeafletVersion.Status.DRAFT
    assert world.leaflet.status == LeafletVersion.Status.ACTIVE
    assert AuditEntry.objects.count() == entries
    assert state(world.emma, 1) is State.YES


def test_a_material_change_needs_a_confirmation_that_names_the_pupils_it_affects(world):
    decide(world.parent, world.emma, {1: True})
    client = client_for(world.leadership)
    draft = draft_of(world)
    page = text(client.get(versions_url(world)).content.decode())
    assert (
        "For a material change: I understand that the answers given for 1 pupil stop "
        "counting, and that this pupil does not appear in any category until they are "
        "answered again."
    ) in page
    response = client.post(publish_url(draft), {"material": "yes"}, follow=True)
    assert (
        "This is a material change: the answers given for 1 pupil stop counting. Tick the "
        "confirmation to publish it: nothing was published."
    ) in text(response.content.decode())
    draft.refresh_from_db()
    assert draft.status == LeafletVersion.Status.DRAFT and state(world.emma, 1) is State.YES
    confirmed = {"material": "yes", "confirm_new_round": "yes"}
    response = client.post(publish_url(draft), confirmed, follow=True)
    assert "Everyone must answer again." in text(response.content.decode())
    assert state(world.emma, 1) is State.UNANSWERED


def test_a_minor_edit_that_changed_a_category_needs_the_confirmation_too(world):
    decide(world.parent, world.emma, {1: True})
    client = client_for(world.leadership)
    draft = draft_of(world)
    edit_through_the_page(client, draft, purpose_en="Purpose 1, now also on the website")
    client.post(publish_url(draft), {"material": "no"})
    draft.refresh_from_db()
    assert draft.status == LeafletVersion.Status.DRAFT and state(world.emma, 1) is State.YES


def test_a_purpose_changed_in_the_editor_is_material_and_the_page_says_why(world):
    decide(world.parent, world.emma, {1: True})
    client = client_for(world.leadership)
    draft = draft_of(world)
    edit_through_the_page(client, draft, purpose_en="Purpose 1, now also on the website")
    body = {"material": "no", "confirm_new_round": "yes"}
    response = client.post(publish_url(draft), body, follow=True)
    page = text(response.content.decode())
    assert (
        "Version versie 2024 is now active as a material change, although you chose a minor "
        "edit, because these categories changed what a yes means: 1. Category 1 "
        "(purpose (English)). Everyone must answer again."
    ) in page
    draft.refresh_from_db()
    assert draft.material_change is True
    assert state(world.emma, 1) is State.UNANSWERED
    assert published_entry().data["material_categories"] == [
        {"number": 1, "change": "changed", "fields": ["purpose_en"]}
    ]


def test_a_minor_edit_through_the_page_keeps_the_answers(world):
    decide(world.parent, world.emma, {1: True})
    client = client_for(world.leadership)
    draft = draft_of(world)
    response = client.post(publish_url(draft), {"material": "no"}, follow=True)
    assert "Version versie 2024 is now active. Answers carry over." in text(
        response.content.decode()
    )
    draft.refresh_from_db()
    assert draft.material_change is False
    assert state(world.emma, 1) is State.YES


def test_before_publishing_the_page_shows_old_and_new_text_per_category(world):
    client = client_for(world.leadership)
    draft = draft_of(world)
    edit_through_the_page(client, draft, title_nl="Verslag", purpose_en="Purpose 1 and more")
    Category.objects.create(
        version=draft, number=9, title_nl="Sociale media", title_en="Social media",
        purpose_nl="Doel 9", purpose_en="Purpose 9",
    )  # fmt: skip
    html = client.get(versions_url(world)).content.decode()
    changes = section(html, f'aria-labelledby="changes-{draft.pk}"')
    shown = text(section(html, f'aria-labelledby="changes-{draft.pk}"'))
    assert "Publishing this draft is a material change." in shown
    one = text(section(changes, f'id="change-{draft.pk}-1"'))
    assert "Category 1: Category 1 (text changed)" in one
    assert "Title (Dutch) Categorie 1 Verslag" in one
    assert "Purpose (English) Purpose 1 Purpose 1 and more" in one
    assert "<del>Categorie 1</del>" in changes and "<ins>Verslag</ins>" in changes
    assert "<ins>and more</ins>" in changes
    nine = text(section(changes, f'id="change-{draft.pk}-9"'))
    assert "Category 9: Social media (new category)" in nine and "Purpose 9" in nine
    assert f'id="change-{draft.pk}-2"' not in changes  # unchanged categories are not listed
    # Only a material change can be chosen for this draft.
    form = section(html, f'action="{publish_url(draft)}"')
    assert 'value="yes"' in form and 'value="no"' not in form


def test_an_unchanged_draft_offers_both_choices(world):
    client = client_for(world.leadership)
    draft = draft_of(world)
    html = client.get(versions_url(world)).content.decode()
    shown = text(section(html, f'aria-labelledby="changes-{draft.pk}"'))
    assert "No category changes what a yes means" in shown
    form = section(html, f'action="{publish_url(draft)}"')
    assert 'value="yes"' in form and 'value="no"' in form and "required" in form


def test_the_difference_is_shown_in_dutch(world):
    client = client_for(world.leadership)
    client.cookies["django_language"] = "nl"
    draft = draft_of(world)
    draft.categories.filter(number=1).update(purpose_nl="Nieuw doel")
    html = client.get(versions_url(world), headers={"accept-language": "nl"}).content.decode()
    shown = text(section(html, f'aria-labelledby="changes-{draft.pk}"'))
    assert "Dit concept publiceren is een wezenlijke wijziging." in shown
    assert "Doel (Nederlands) Doel 1 Nieuw doel" in shown
