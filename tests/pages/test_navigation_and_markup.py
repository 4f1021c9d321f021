"""The menu by role, and the markup rules every page keeps (one h1, landmarks, no inline
styles or scripts under the CSP)."""

import re

import pytest
from django.urls import reverse

from consentry.consent import services as consent

from .helpers import client_for, get, section, text


def _nav(user) -> str:
    html = client_for(user).get(reverse("group_list")).content.decode()
    return text(section(html, 'aria-label="Main"'))


def test_a_guardian_sees_only_their_children_in_the_menu(world):
    nav = _nav(world.parent)
    assert "My children" in nav
    assert "Groups" not in nav and "De Test-Loofhut" not in nav and "Security" not in nav


def test_a_teacher_sees_groups_and_security(world):
    nav = _nav(world.teacher)
    assert "Groups" in nav and "Security" in nav
    assert "My children" not in nav and "De Test-Loofhut" not in nav


def test_the_leadership_sees_the_school(world):
    nav = _nav(world.leadership)
    assert "De Test-Loofhut" in nav and "Groups" in nav and "Security" in nav


def test_the_current_page_is_marked_in_the_menu(world):
    html = get(world.parent, "children").content.decode()
    assert re.search(r'<a href="/children/" aria-current="page">My children</a>', html)


def test_the_demo_outbox_is_linked_only_in_demo_mode(world, settings):
    outbox = reverse("demo_outbox")
    settings.DEMO_MODE = False
    assert f'href="{outbox}"' not in get(world.parent, "children").content.decode()
    settings.DEMO_MODE = True
    assert f'href="{outbox}"' in get(world.parent, "children").content.decode()


def test_the_language_switch_stays(world):
    html = get(world.parent, "children").content.decode()
    assert '<button type="submit" name="language" value="nl" lang="nl"' in html


PAGES = [
    ("parent", "children", {}, ""),
    ("parent", "pupil_consent", {"pupil_id": "emma"}, ""),
    ("parent", "pupil_history", {"pupil_id": "emma"}, ""),
    ("teacher", "group_list", {}, ""),
    ("teacher", "group_matrix", {"group_id": "group"}, ""),
    ("teacher", "group_may_appear", {"group_id": "group"}, "?category=4"),
    ("teacher", "group_print", {"group_id": "group"}, "?category=4"),
    ("teacher", "group_print", {"group_id": "group"}, ""),
    ("leadership", "school_overview", {"school_id": "school"}, ""),
    ("leadership", "leaflet_versions", {"school_id": "school"}, ""),
    ("leadership", "paper_form", {"pupil_id": "emma"}, ""),
    ("leadership", "never_flag", {"pupil_id": "emma"}, ""),
    ("anonymous", "leaflet", {"school_id": "school"}, ""),
    ("anonymous", "leaflet_version", {"school_id": "school", "version_id": "leaflet"}, ""),
]


@pytest.mark.parametrize(("persona", "name", "kwargs", "query"), PAGES)
def test_every_page_keeps_the_markup_rules(world, persona, name, kwargs, query):
    consent.decide(world.parent, world.emma, {4: True})
    consent.decide(world.other_parent, world.emma, {4: False})
    user = None if persona == "anonymous" else getattr(world, persona)
    kwargs = {key: getattr(world, value).pk for key, value in kwargs.items()}
    response = client_for(user).get(reverse(name, kwargs=kwargs) + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert '<html lang="en">' in html
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
    assert "<header" in html and "<nav" in html and "<footer" in html
    assert not re.search(r"\sstyle=", html), "inline styles are refused by the CSP"
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline scripts are refused"
    for label_for in re.findall(r'<label for="([^"]+)"', html):
        assert f'id="{label_for}"' in html, f"label for a missing field: {label_for}"


def test_the_edit_draft_page_keeps_the_markup_rules(world):
    client = client_for(world.leadership)
    client.post(reverse("new_leaflet_draft", kwargs={"school_id": world.school.pk}), {"label": "x"})
    draft = world.school.leaflet_versions.get(label="x")
    html = client.get(reverse("edit_leaflet_draft", kwargs={"version_id": draft.pk})).content
    html = html.decode()
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert html.count("<fieldset") == 8  # the introduction and seven categories
    assert not re.search(r"\sstyle=", html)
