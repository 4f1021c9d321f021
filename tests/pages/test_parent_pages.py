"""The guardian's pages: every child, a clear yes/no per category, what must be answered
first, disagreements, the history, and bad input that changes nothing."""

import re

from django.urls import reverse

from consentry.consent import services as consent
from consentry.consent.models import ConsentEvent
from consentry.consent.services import State
from consentry.leaflets.models import Category, LeafletVersion
from consentry.leaflets.services import new_draft, publish
from consentry.schools.models import Guardianship
from tests.consent.helpers import verdict

from .helpers import client_for, get, section, text


def _pupil_url(pupil) -> str:
    return reverse("pupil_consent", kwargs={"pupil_id": pupil.pk})


def _republish(world, *, material_change: bool) -> LeafletVersion:
    source = LeafletVersion.objects.active().get(school=world.school)
    draft = new_draft(source, label=f"v{LeafletVersion.objects.count()}", actor=world.leadership)
    return publish(draft, actor=world.leadership, material_change=material_change)


# The children page and the child's page.


def test_the_children_page_shows_every_child_of_the_guardian(world):
    Guardianship.objects.create(
        guardian=world.parent, pupil=world.noah, has_parental_authority=True
    )
    html = get(world.parent, "children").content.decode()
    assert "Emma Test" in html and "Noah Test" in html
    assert _pupil_url(world.emma) in html and _pupil_url(world.noah) in html

    html = get(world.another_parent, "children").content.decode()
    assert "Noah Test" in html and "Emma Test" not in html


def test_purpose_and_examples_are_folded_away_until_asked(world):
    Category.objects.filter(version=world.leaflet, number=4).update(
        examples_en="The school website and the press."
    )
    html = get(world.parent, "pupil_consent", pupil_id=world.emma.pk).content.decode()
    fieldset = section(html, 'id="category-4"')
    assert "<legend>4. Category 4</legend>" in fieldset
    details = section(fieldset, "<details")
    assert "What is this for?" in details
    assert "Purpose 4" in details and "The school website and the press." in details
    assert "Purpose 4" not in fieldset.replace(details, "")


def test_each_category_is_a_fieldset_with_labelled_yes_and_no(world):
    html = get(world.parent, "pupil_consent", pupil_id=world.emma.pk).content.decode()
    for number in (1, 2, 3, 4, 6, 7, 8):
        fieldset = section(html, f'id="category-{number}"')
        assert 'type="radio"' in fieldset
        assert f'<label for="id_category_{number}_0">' in fieldset
        assert f'<label for="id_category_{number}_1">' in fieldset
        assert "Yes" in text(fieldset) and "No" in text(fieldset)
    assert html.count(">Save</button>") == 1


def test_saving_changes_the_state_and_confirms_with_a_receipt_note(world):
    client = client_for(world.parent)
    response = client.post(
        _pupil_url(world.emma), {"category_1": "yes", "category_4": "no"}, follow=True
    )
    assert response.redirect_chain == [(_pupil_url(world.emma), 302)]
    assert verdict(world.emma, 1).state is State.YES
    assert verdict(world.emma, 4).state is State.NO
    html = response.content.decode()
    assert "Saved: 2 changes." in html
    assert "Every guardian of Emma Test gets an email receipt." in html
    # The form shows the saved answers again.
    assert re.search(r'<input[^>]*value="no"[^>]*id="id_category_4_1"[^>]*checked', html)


def test_saving_the_same_answers_again_says_nothing_changed(world):
    consent.decide(world.parent, world.emma, {1: True})
    response = client_for(world.parent).post(
        _pupil_url(world.emma), {"category_1": "yes"}, follow=True
    )
    assert "Saved: nothing changed." in response.content.decode()
    assert ConsentEvent.objects.count() == 1


def test_an_unknown_category_saves_nothing_and_says_so(world):
    response = client_for(world.parent).post(
        _pupil_url(world.emma), {"category_4": "no", "category_5": "yes"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem: nothing was saved" in html
    assert "not in this leaflet" in html
    assert not ConsentEvent.objects.exists()


def test_a_bad_value_saves_nothing_and_the_error_is_linked_to_its_field(world):
    response = client_for(world.parent).post(
        _pupil_url(world.emma), {"category_1": "yes", "category_4": "maybe"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert not ConsentEvent.objects.exists()
    fieldset = section(html, 'id="category-4"')
    assert 'aria-describedby="id_category_4_error"' in fieldset
    assert 'id="id_category_4_error"' in fieldset
    assert "Select a valid choice" in fieldset
    assert 'href="#id_category_4_0"' in section(html, 'class="error-summary"')


def test_an_empty_form_asks_for_an_answer(world):
    response = client_for(world.parent).post(_pupil_url(world.emma), {})
    assert "Choose yes or no for at least one category." in response.content.decode()
    assert not ConsentEvent.objects.exists()


def test_a_pupil_who_is_not_yours_is_not_found_and_nothing_changes(world):
    response = client_for(world.another_parent).post(_pupil_url(world.emma), {"category_4": "no"})
    assert response.status_code == 404
    assert not ConsentEvent.objects.exists()


def test_a_guardian_without_authority_sees_but_cannot_save(world):
    Guardianship.objects.filter(guardian=world.other_parent).update(has_parental_authority=False)
    html = get(world.other_parent, "pupil_consent", pupil_id=world.emma.pk).content.decode()
    assert 'type="radio"' not in html and ">Save</button>" not in html
    response = client_for(world.other_parent).post(_pupil_url(world.emma), {"category_4": "no"})
    assert response.status_code == 403
    assert not ConsentEvent.objects.exists()


# Guardians who disagree.

CONFLICT = "The guardians gave different answers"


def test_both_guardians_are_told_when_they_disagree(world):
    consent.decide(world.parent, world.emma, {4: True})
    consent.decide(world.other_parent, world.emma, {4: False})
    for guardian in (world.parent, world.other_parent):
        for name, kwargs in (("pupil_consent", {"pupil_id": world.emma.pk}), ("children", {})):
            html = get(guardian, name, **kwargs).content.decode()
            notice = text(section(html, "notice-conflict"))
            assert CONFLICT in notice
            assert "this counts as no" in notice
            assert "4. Category 4" in notice
            assert "1. Category 1" not in notice


def test_no_disagreement_notice_when_the_guardians_agree(world):
    consent.decide(world.parent, world.emma, {4: False})
    consent.decide(world.other_parent, world.emma, {4: False})
    for guardian in (world.parent, world.other_parent):
        html = get(guardian, "pupil_consent", pupil_id=world.emma.pk).content.decode()
        assert CONFLICT not in html


# A new leaflet that needs an answer.

AGAIN = "New privacy leaflet: please answer again"


def test_a_new_leaflet_is_the_first_thing_the_parent_sees(world):
    consent.decide(world.parent, world.emma, {1: True, 4: False})
    _republish(world, material_change=True)

    html = get(world.parent, "children").content.decode()
    assert AGAIN in html
    assert html.index(AGAIN) < html.index('class="card child"')
    notice = text(section(html, "notice-new"))
    assert "1. Category 1" in notice and "4. Category 4" in notice
    assert "2. Category 2" not in notice  # never answered, so nothing to answer "again"

    html = get(world.parent, "pupil_consent", pupil_id=world.emma.pk).content.decode()
    assert AGAIN in html
    assert html.index(AGAIN) < html.index('id="category-1"')


def test_the_new_leaflet_notice_goes_once_answered_again(world):
    consent.decide(world.parent, world.emma, {1: True, 4: False})
    _republish(world, material_change=True)
    client_for(world.parent).post(_pupil_url(world.emma), {"category_1": "yes", "category_4": "no"})
    assert AGAIN not in get(world.parent, "children").content.decode()


def test_no_new_leaflet_notice_after_a_minor_edit_or_without_earlier_answers(world):
    consent.decide(world.parent, world.emma, {1: True})
    _republish(world, material_change=False)
    assert AGAIN not in get(world.parent, "children").content.decode()
    _republish(world, material_change=True)
    assert AGAIN in get(world.parent, "children").content.decode()
    assert AGAIN not in get(world.other_parent, "children").content.decode()  # never answered


# The history.


def test_the_history_lists_who_decided_how_when_and_under_which_leaflet(world):
    consent.decide(world.parent, world.emma, {4: True})
    consent.decide(world.other_parent, world.emma, {1: False}, channel="api")
    consent.record_paper_form(
        world.leadership, world.emma, {2: True}, signed_by=world.parent, note="Signed form."
    )
    rows = [
        text(row)
        for row in section(
            get(world.parent, "pupil_history", pupil_id=world.emma.pk).content.decode(),
            "<tbody",
        ).split("<tr>")[1:]
    ]
    assert len(rows) == 3
    paper, api, web = rows  # newest first
    assert "2. Category 2" in paper and "Yes" in paper and "Parent of Emma" in paper
    assert "recorded by Leadership" in paper and "paper form: Signed form." in paper
    assert "1. Category 1" in api and "No" in api and "Other parent of Emma" in api and "API" in api
    assert "4. Category 4" in web and "guardian" in web and "web" in web
    for row in rows:
        assert "versie 2023" in row
    event = ConsentEvent.objects.get(category_number=4)
    assert event.recorded_at.strftime("%Y") in web


def test_the_history_marks_answers_from_an_earlier_leaflet(world):
    consent.decide(world.parent, world.emma, {4: True})
    _republish(world, material_change=True)
    html = get(world.parent, "pupil_history", pupil_id=world.emma.pk).content.decode()
    assert "earlier leaflet: no longer counts" in html


# What guardians never see, and where to report a leak.


def test_guardians_never_see_the_never_photograph_flag(world):
    consent.decide(world.parent, world.emma, {4: True})
    consent.set_never_flag(world.leadership, world.emma, active=True, reason="Safeguarding.")
    for name, kwargs in (("children", {}), ("pupil_consent", {"pupil_id": world.emma.pk})):
        html = get(world.parent, name, **kwargs).content.decode()
        assert "Never photograph" not in html and 'class="icon-svg"' not in html
    html = get(world.teacher, "pupil_consent", pupil_id=world.emma.pk).content.decode()
    assert "Never photograph" in html


def test_a_suspected_data_leak_can_be_reported_to_the_school(world):
    report_url = reverse("breach_report", kwargs={"school_id": world.school.pk})
    for name, kwargs in (("children", {}), ("pupil_consent", {"pupil_id": world.emma.pk})):
        footer = section(get(world.parent, name, **kwargs).content.decode(), "<footer")
        assert "Report a suspected data leak" in footer
        assert f'href="{report_url}"' in footer


def test_without_a_published_leaflet_the_pages_say_so_and_nothing_is_allowed(world):
    LeafletVersion.objects.filter(school=world.school).update(status=LeafletVersion.Status.DRAFT)
    html = get(world.parent, "pupil_consent", pupil_id=world.emma.pk).content.decode()
    assert "has not published a privacy leaflet yet" in html
    assert "<form" not in section(html, "<main")
    paper = get(world.leadership, "paper_form", pupil_id=world.emma.pk).content.decode()
    assert "has not published a privacy leaflet yet" in paper


def test_after_a_material_change_the_guardian_sees_the_earlier_answer(world):
    consent.decide(world.parent, world.emma, {1: True, 2: False})
    _republish(world, material_change=True)
    client = client_for(world.parent)
    page = client.get(reverse("pupil_consent", args=[world.emma.pk])).content.decode()
    one = page.split('id="category-1"')[1].split("</fieldset>")[0]
    two = page.split('id="category-2"')[1].split("</fieldset>")[0]
    three = page.split('id="category-3"')[1].split("</fieldset>")[0]
    assert "Your answer to the earlier leaflet was yes." in one
    assert "Your answer to the earlier leaflet was no." in two
    assert "earlier leaflet" not in three  # never answered
    consent.decide(world.parent, world.emma, {1: True})
    page = client.get(reverse("pupil_consent", args=[world.emma.pk])).content.decode()
    assert "earlier leaflet was yes" not in page  # answered again: the new answer shows
