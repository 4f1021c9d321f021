"""The teacher's pages: the group matrix readable without colour, who may appear in one
category (never-photograph pupils impossible to miss), and the printable A4 list."""

import re
from pathlib import Path

import pytest

from consentry.consent import services as consent
from consentry.consent.services import State
from consentry.schools.models import Guardianship, Pupil
from tests.world import make_pupil, make_user

from .helpers import get, section, table_rows, text

SECRET_REASON = "Custody dispute: the father must not find the school."


@pytest.fixture
def zon(world):
    """Group Zon with one pupil in every state for category 4 (and Noah, in Maan, a yes)."""
    pupils = {"emma": world.emma}
    for number, name in enumerate(["Sem", "Finn", "Mia", "Lotte"], start=2001):
        pupil = make_pupil(world.school, world.group, str(number), name)
        guardian = make_user(f"{name.lower()}.parent@example.nl", f"Parent of {name}")
        Guardianship.objects.create(guardian=guardian, pupil=pupil, has_parental_authority=True)
        pupils[name.lower()] = pupil
        pupils[f"{name.lower()}_parent"] = guardian
    consent.decide(world.parent, world.emma, {4: True})  # Emma: yes
    consent.decide(pupils["sem_parent"], pupils["sem"], {4: False})  # Sem: no
    # Finn: unanswered.
    consent.decide(pupils["mia_parent"], pupils["mia"], {4: True})  # Mia: conflict
    other = make_user("mia.other@example.nl", "Other parent of Mia")
    Guardianship.objects.create(guardian=other, pupil=pupils["mia"], has_parental_authority=True)
    consent.decide(other, pupils["mia"], {4: False})
    consent.decide(pupils["lotte_parent"], pupils["lotte"], {4: True})  # Lotte: never
    consent.set_never_flag(world.leadership, pupils["lotte"], active=True, reason=SECRET_REASON)
    consent.decide(world.another_parent, world.noah, {4: True})  # another group
    return pupils


def test_the_matrix_shows_an_icon_and_a_word_for_every_state(world, zon):
    html = get(world.teacher, "group_matrix", group_id=world.group.pk).content.decode()
    rows = table_rows(html, 'class="matrix"')
    column = rows["Pupil"].index("4. Category 4")
    cells = {name.split()[0]: cells[column] for name, cells in rows.items() if name != "Pupil"}
    assert cells == {
        "Emma": "✓ Yes",
        "Sem": "✗ No",
        "Finn": "? Unanswered",
        "Mia": "⚠ Conflict",
        "Lotte": "Never photograph",  # the icon is drawn (SVG), not an emoji
    }
    assert "Never photograph" in [n for n in rows if n.startswith("Lotte")][0]
    assert re.search(r'state-never"><span class="icon" aria-hidden="true"><svg ', html)
    assert "Noah" not in html


def test_the_matrix_is_a_table_with_caption_and_header_scopes(world, zon):
    html = get(world.teacher, "group_matrix", group_id=world.group.pk).content.decode()
    table = section(html, 'class="matrix"')
    assert "<caption" in table
    assert table.count('<th scope="col">') == 8  # the pupil column and seven categories
    assert table.count('<th scope="row">') == 5
    assert re.search(r'<span class="icon" aria-hidden="true">✓</span>', table)


def test_the_matrix_hides_the_never_flag_reason(world, zon):
    html = get(world.teacher, "group_matrix", group_id=world.group.pk).content.decode()
    assert SECRET_REASON not in html


def _lists(html: str) -> tuple[list[str], list[str], list[str]]:
    def names(marker: str) -> list[str]:
        if marker not in html:
            return []
        return [
            text(li).split(" (")[0]
            for li in re.findall(r"<li>(.*?)</li>", section(section(html, marker), "<ul"))
        ]

    return names('class="never-banner"'), names('class="may"'), names('class="may-not"')


def test_may_appear_lists_exactly_the_pupils_with_yes(world, zon):
    response = get(world.teacher, "group_may_appear", "?category=4", group_id=world.group.pk)
    assert response.status_code == 200
    never, may, may_not = _lists(response.content.decode())
    group = Pupil.objects.current().members_of(world.group)
    overview = consent.consent_overview(group)
    expected_yes = sorted(p.full_name for p in group if overview[p.pk][4].state is State.YES)
    assert may == expected_yes == ["Emma Test"]
    assert never == ["Lotte Test"]
    assert may_not == ["Finn Test", "Mia Test", "Sem Test"]


def test_never_photograph_pupils_come_first_in_a_banner(world, zon):
    html = get(
        world.teacher, "group_may_appear", "?category=4", group_id=world.group.pk
    ).content.decode()
    banner = section(html, 'class="never-banner"')
    assert 'class="icon-svg"' in banner and "NEVER photograph: 1 pupil" in text(banner)
    assert "<strong>Lotte Test</strong>" in banner
    assert html.index('class="never-banner"') < html.index('class="may"')
    assert "May appear: 1 pupil" in html and "May NOT appear: 3 pupils" in html
    assert "(conflict)" in section(html, 'class="may-not"')


def test_may_appear_without_a_category_offers_the_choice(world, zon):
    response = get(world.teacher, "group_may_appear", group_id=world.group.pk)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<select name="category" id="id_category"' in html
    assert "Choose a category" in html and "never-banner" not in html


def test_an_unknown_category_gets_a_clear_message(world, zon):
    response = get(world.teacher, "group_may_appear", "?category=5", group_id=world.group.pk)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is no such category in the active leaflet" in html
    assert 'aria-describedby="id_category_error"' in html
    assert "Lotte" not in html


def test_a_teacher_of_another_group_gets_nothing(world, zon):
    for name in ("group_may_appear", "group_print"):
        response = get(world.other_teacher, name, "?category=4", group_id=world.group.pk)
        assert response.status_code == 404


def test_the_printable_list_has_group_date_category_names_and_never_flags(world, zon):
    response = get(world.teacher, "group_print", "?category=4", group_id=world.group.pk)
    html = response.content.decode()
    facts = text(section(html, 'class="print-facts"'))
    assert "De Test-Loofhut" in facts and "Zon (2026-2027)" in facts and "versie 2023" in facts
    assert re.search(r"Date \d{1,2} \w+ \d{4}", facts)
    assert "who may appear in 4. Category 4" in text(section(html, "<h1"))
    never, may, may_not = _lists(html)
    assert (never, may, may_not) == (
        ["Lotte Test"],
        ["Emma Test"],
        ["Finn Test", "Mia Test", "Sem Test"],
    )
    # A Print button that a small script file (with the CSP nonce) reveals; no inline script.
    assert "data-print hidden" in html
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert re.search(rf'<script src="[^"]*consentry/print.js" nonce="{nonce}"', html)


def test_the_printable_matrix_covers_every_category(world, zon):
    html = get(world.teacher, "group_print", group_id=world.group.pk).content.decode()
    rows = table_rows(html, 'class="matrix print-matrix"')
    assert len(rows["Pupil"]) == 7
    assert rows["Sem Test"][3] == "✗ No"


def test_the_stylesheet_prints_on_a4_without_colour_only_signals():
    css = Path("consentry/web/static/consentry/site.css").read_text()
    assert "@page { size: A4;" in css
    assert "@media print" in css
    assert Path("consentry/web/static/consentry/print.js").exists()
