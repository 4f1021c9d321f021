"""The leadership's pages: response rates per group and category, conflicts, never flags
with reasons (leadership only), pupils without answers, and who must answer again after a
new leaflet."""

import pytest
from django.urls import reverse

from consentry.consent import services as consent
from consentry.leaflets.models import Category, LeafletVersion
from tests.world import make_pupil

from .helpers import client_for, get, section, table_rows, text

REASON = "Safeguarding: placed in a foster family."


@pytest.fixture
def answered(world):
    """Zon: Emma (answers 1 and 2, conflict on 4) and Bo (nothing, never flag); Maan: Noah
    (answers 1)."""
    bo = make_pupil(world.school, world.group, "3001", "Bo")
    consent.decide(world.parent, world.emma, {1: True, 2: False, 4: True})
    consent.decide(world.other_parent, world.emma, {4: False})
    consent.decide(world.another_parent, world.noah, {1: True})
    consent.set_never_flag(world.leadership, bo, active=True, reason=REASON)
    world.bo = bo
    return world


def _overview(user, world) -> str:
    return get(user, "school_overview", school_id=world.school.pk).content.decode()


def test_response_rates_per_group_and_category(answered):
    world = answered
    rows = table_rows(_overview(world.leadership, world), 'class="rates"')
    header = rows["Group"]
    assert header[0] == "1. Category 1" and header[-1] == "All categories"
    # Zon: Emma and Bo. Category 1 and 2: Emma answered; 4: both guardians (a conflict is an
    # answer); 3: nobody.
    assert rows["Zon"][:4] == ["1/2 (50%)", "1/2 (50%)", "0/2 (0%)", "1/2 (50%)"]
    assert rows["Zon"][-1] == "3/14 (21%)"
    assert rows["Maan"][:2] == ["1/1 (100%)", "0/1 (0%)"]
    assert rows["Maan"][-1] == "1/7 (14%)"
    assert rows["Whole school"][:4] == ["2/3 (67%)", "1/3 (33%)", "0/3 (0%)", "1/3 (33%)"]
    assert rows["Whole school"][-1] == "4/21 (19%)"


def test_a_never_flag_does_not_hide_an_answer_from_the_response_rate(answered):
    world = answered
    consent.set_never_flag(world.leadership, world.emma, active=True, reason=REASON)
    rows = table_rows(_overview(world.leadership, world), 'class="rates"')
    assert rows["Zon"][0] == "1/2 (50%)"


def test_what_counts_now_per_category(answered):
    world = answered
    html = _overview(world.leadership, world)
    rows = table_rows(html[html.index("What counts now") :], "<table")
    assert rows["Category"] == ["Yes", "No", "Conflict", "Never photograph", "Unanswered"]
    assert rows["1. Category 1"] == ["2", "0", "0", "1", "0"]
    assert rows["4. Category 4"] == ["0", "0", "1", "1", "1"]


def test_conflicts_never_flags_and_unanswered_pupils_are_listed(answered):
    world = answered
    html = _overview(world.leadership, world)
    conflicts = text(section(html[html.index('id="conflicts"') :], "<ul"))
    assert "Emma Test (Zon): 4. Category 4" in conflicts
    never = text(section(html[html.index('id="never"') :], "<ul"))
    assert f"Bo Test (Zon): {REASON}" in never
    unanswered = text(section(html[html.index('id="unanswered"') :], "<ul"))
    assert "Bo Test (Zon): 7 categories unanswered" in unanswered
    assert "Noah Test (Maan): 6 categories unanswered" in unanswered
    assert "Emma Test (Zon): 4 categories unanswered" in unanswered


def test_the_leadership_gets_the_actions(answered):
    world = answered
    html = _overview(world.leadership, world)
    assert reverse("paper_form", kwargs={"pupil_id": world.emma.pk}) in html
    assert reverse("never_flag", kwargs={"pupil_id": world.bo.pk}) in html
    assert reverse("leaflet_versions", kwargs={"school_id": world.school.pk}) in html
    reminders = reverse("send_reminders", kwargs={"school_id": world.school.pk})
    assert f'href="{reminders}"' in html and "Send reminders" in html


def test_the_privacy_officer_sees_the_overview_without_reasons_or_actions(answered):
    world = answered
    html = _overview(world.privacy_officer, world)
    assert "Bo Test" in html and REASON not in html
    assert reverse("paper_form", kwargs={"pupil_id": world.emma.pk}) not in html
    assert "Send reminders" not in html


def test_teachers_never_see_the_overview_or_the_reasons(answered):
    world = answered
    response = get(world.teacher, "school_overview", school_id=world.school.pk)
    assert response.status_code == 404
    for name, kwargs in (
        ("group_matrix", {"group_id": world.group.pk}),
        ("group_print", {"group_id": world.group.pk}),
        ("pupil_consent", {"pupil_id": world.bo.pk}),
    ):
        html = get(world.teacher, name, **kwargs).content.decode()
        assert "Bo Test" in html and REASON not in html


# Publishing a new leaflet version and who must answer again.


def _publish_new_version(world, *, material: str) -> None:
    client = client_for(world.leadership)
    versions = reverse("leaflet_versions", kwargs={"school_id": world.school.pk})
    response = client.post(
        reverse("new_leaflet_draft", kwargs={"school_id": world.school.pk}),
        {"label": "versie 2027"},
        follow=True,
    )
    assert response.redirect_chain == [(versions, 302)]
    draft = LeafletVersion.objects.get(label="versie 2027")
    assert draft.status == LeafletVersion.Status.DRAFT
    response = client.post(
        reverse("publish_leaflet", kwargs={"version_id": draft.pk}),
        {"material": material, "confirm_new_round": "yes"},
    )
    assert response.status_code == 302


def _must_answer_again(world) -> dict[str, list[str]]:
    html = get(world.leadership, "leaflet_versions", school_id=world.school.pk).content.decode()
    part = html[html.index('id="answer-again"') :]
    if "<table" not in part:
        return {}
    return {k: v for k, v in table_rows(part, "<table").items() if k != "Pupil"}


def test_after_a_material_change_the_leadership_sees_who_must_answer_again(answered):
    world = answered
    assert _must_answer_again(world) == {}
    _publish_new_version(world, material="yes")
    assert _must_answer_again(world) == {
        "Emma Test": ["Zon", "Parent of Emma, Other parent of Emma", "3"],
        "Noah Test": ["Maan", "Parent of Noah", "1"],
    }
    consent.decide(world.another_parent, world.noah, {1: True})
    assert list(_must_answer_again(world)) == ["Emma Test"]
    assert "1 pupil still needs an answer again" in _overview(world.leadership, world)


def test_after_a_minor_edit_nobody_must_answer_again(answered):
    world = answered
    _publish_new_version(world, material="no")
    assert _must_answer_again(world) == {}


def test_a_draft_can_be_edited_and_a_published_version_cannot(world):
    client = client_for(world.leadership)
    client.post(
        reverse("new_leaflet_draft", kwargs={"school_id": world.school.pk}), {"label": "v2"}
    )
    draft = LeafletVersion.objects.get(label="v2")
    url = reverse("edit_leaflet_draft", kwargs={"version_id": draft.pk})
    categories = list(draft.categories.all())
    data = {"form-TOTAL_FORMS": "7", "form-INITIAL_FORMS": "7", "intro_nl": "Nieuw", "intro_en": ""}
    for i, category in enumerate(categories):
        data |= {
            f"form-{i}-id": str(category.pk),
            f"form-{i}-title_nl": category.title_nl,
            f"form-{i}-title_en": "Public website" if category.number == 4 else category.title_en,
            f"form-{i}-purpose_nl": category.purpose_nl,
            f"form-{i}-purpose_en": category.purpose_en,
            f"form-{i}-examples_nl": "",
            f"form-{i}-examples_en": "",
        }
    response = client.post(url, data)
    assert response.status_code == 302
    assert Category.objects.get(version=draft, number=4).title_en == "Public website"
    assert Category.objects.get(version=world.leaflet, number=4).title_en == "Category 4"
    edit_active = reverse("edit_leaflet_draft", kwargs={"version_id": world.leaflet.pk})
    assert client.get(edit_active).status_code == 404
