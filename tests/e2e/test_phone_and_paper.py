"""On a phone and on paper (issue 12, points 15, 21 and 22): at 390 px the menu takes at most
two rows, the photos table keeps its actions in sight and the history its decision column,
the face numbers on "Who is who" are readable and a missed face is drawn on the photo; the
full matrix prints on A4 with every category; every file input is big enough to tap."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from .pages import nl
from .support import PHONE

# The printable width of A4 paper held upright (210 mm less two 10 mm margins) in CSS pixels.
A4_UPRIGHT = round((210 - 20) / 25.4 * 96)
TARGET = 24  # px: WCAG 2.2's minimum target size (2.5.8)


def menu_rows(page: Page) -> int:
    """How many rows the main menu's items take."""
    tops = page.locator("header nav li").evaluate_all(
        "items => items.map(item => Math.round(item.getBoundingClientRect().top))"
    )
    assert tops, "No menu items found"
    return len(set(tops))


def within_the_screen(locator: Locator, width: int = PHONE["width"]) -> bool:
    """Left to right on the screen as it is, without scrolling anything sideways (a table's
    own scroll box included: an action one has to scroll to is not in sight)."""
    box = locator.evaluate(
        "el => { const r = el.getBoundingClientRect(); return [r.left, r.right]; }"
    )
    return box[0] >= 0 and box[1] <= width


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("persona", ["guardian", "teacher", "leadership"])
def test_the_menu_takes_at_most_two_rows_on_a_phone(sign_in, artifacts, persona):
    """The leadership's menu is the longest: the school, groups, projects, security, ..."""
    page = sign_in(persona, viewport=PHONE, mobile=True)
    page.goto("/")
    rows = menu_rows(page)
    page.screenshot(path=artifacts / f"menu-phone-{persona}.png")
    assert rows <= 2, f"The {persona}'s menu takes {rows} rows at 390 px"


def test_a_teachers_photo_pages_on_a_phone(sign_in, assert_accessible, artifacts):
    page = sign_in("teacher", viewport=PHONE, mobile=True)
    page.goto("/groups/")
    page.get_by_role("region", name="Zonnebloem").get_by_role(
        "link", name=nl("Consent matrix")
    ).click()
    page.get_by_role("link", name=nl("Photos"), exact=True).click()

    # The photos table: each photo a card whose actions are on the screen, not beside it.
    row = page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="schoolplein-zonnebloem.jpg")
    )
    for action in (nl("Who is who"), nl("Review and publish")):
        link = row.get_by_role("link", name=action)
        expect(link).to_be_visible()
        assert within_the_screen(link), f"{action!r} is off the screen at 390 px"
    assert no_horizontal_scroll(page), "The photos page scrolls sideways at 390 px"
    upload = page.get_by_label(nl("Photos"), exact=True)
    box = upload.bounding_box()
    assert box and box["height"] >= TARGET and box["width"] >= TARGET, box
    assert_accessible(page, "teacher: group photos (phone)")
    page.screenshot(path=artifacts / "photos-phone.png", full_page=True)

    # Who is who: a small face (a child at the back, typed in as a box of 24 pixels in a
    # photo 1200 wide) still gets a number that can be read on a phone.
    row.get_by_role("link", name=nl("Who is who")).click()
    for label, value in (
        ("From the left (px)", "40"),
        ("From the top (px)", "40"),
        ("Width (px)", "24"),
        ("Height (px)", "24"),
    ):
        page.get_by_label(nl(label)).fill(value)
    page.get_by_role("button", name=nl("Add the face")).click()
    expect(page.locator(".messages")).to_contain_text(nl("The face was added."))
    numbers = page.locator("svg.photo-faces text")
    expect(numbers.first).to_be_visible()
    heights = [n.bounding_box()["height"] for n in numbers.all()]  # type: ignore[index]
    assert min(heights) >= 14, f"face numbers {heights} px tall at 390 px"
    assert_accessible(page, "teacher: who is who (phone)")
    page.screenshot(path=artifacts / "who-is-who-phone.png", full_page=True)


def test_a_missed_face_is_drawn_on_the_photo(sign_in, assert_accessible, artifacts):
    page = sign_in("teacher")
    page.goto("/groups/")
    page.get_by_role("region", name="Zonnebloem").get_by_role(
        "link", name=nl("Consent matrix")
    ).click()
    page.get_by_role("link", name=nl("Photos"), exact=True).click()
    page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="knutselmiddag-zonnebloem.jpg")
    ).get_by_role("link", name=nl("Who is who")).click()
    faces = page.locator("select[name^=face-]").count()

    draw = page.get_by_role("button", name=nl("Draw the box on the photo"))
    draw.click()
    expect(draw).to_have_attribute("aria-pressed", "true")
    photo = page.locator("svg.photo-faces")
    box = photo.bounding_box()
    assert box is not None
    width, height = (int(v) for v in photo.get_attribute("viewBox").split()[2:])  # type: ignore[union-attr]
    scale = width / box["width"]
    # From a tenth in from the top left to a fifth in: a box of 10% of the photo each way.
    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.1)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.2, steps=8)
    page.mouse.up()
    expect(draw).to_have_attribute("aria-pressed", "false")
    drawn = {
        name: int(page.get_by_label(nl(label)).input_value())
        for name, label in (
            ("x", "From the left (px)"),
            ("y", "From the top (px)"),
            ("w", "Width (px)"),
            ("h", "Height (px)"),
        )
    }
    expected = {"x": width / 10, "y": height / 10, "w": width / 10, "h": height / 10}
    for name, value in drawn.items():
        assert abs(value - expected[name]) <= 2 * scale, (drawn, expected)
    expect(page.locator("svg.photo-faces rect.drawn-box")).to_be_visible()
    assert_accessible(page, "teacher: who is who, a box drawn")
    page.screenshot(path=artifacts / "who-is-who-drawn.png", full_page=True)

    page.get_by_role("button", name=nl("Add the face")).click()
    expect(page.locator(".messages")).to_contain_text(nl("The face was added."))
    expect(page.locator("select[name^=face-]")).to_have_count(faces + 1)


def test_a_parents_history_on_a_phone_shows_the_decision(sign_in, assert_accessible, artifacts):
    page = sign_in("guardian", viewport=PHONE, mobile=True)
    page.goto("/children/")
    assert menu_rows(page) <= 2, "The menu takes more than two rows at 390 px"
    page.get_by_role(
        "link", name=nl("View or change the answers for %(name)s", name="Lotte")
    ).click()
    page.get_by_role("link", name=nl("History of decisions")).click()
    newest = page.locator("table.history tbody tr").first
    decision = newest.locator("td").nth(2)
    expect(decision).to_have_text(re.compile(rf"\b({nl('Yes')}|{nl('No')})\b"))
    assert within_the_screen(decision), "The decision is off the screen at 390 px"
    assert no_horizontal_scroll(page), "The history scrolls sideways at 390 px"
    assert_accessible(page, "parent: history (phone)")
    page.screenshot(path=artifacts / "history-phone.png", full_page=True)


def test_the_full_matrix_prints_every_category_on_a4(sign_in, assert_accessible, artifacts):
    page = sign_in("teacher", viewport={"width": A4_UPRIGHT, "height": 1000})
    page.goto("/groups/")
    page.get_by_role("region", name="Zonnebloem").get_by_role(
        "link", name=nl("Printable list")
    ).click()
    headers = page.locator("table.print-matrix thead th")
    expect(headers).to_have_count(8)  # the pupil and the seven categories 1-4, 6-8
    titles = [h.strip() for h in headers.all_inner_texts()[1:]]
    assert [t.split(".")[0] for t in titles] == ["1", "2", "3", "4", "6", "7", "8"]
    assert_accessible(page, "teacher: printable list, all categories (A4 wide)")

    # Even on upright paper (a browser that ignores the page size) nothing falls off.
    page.emulate_media(media="print")
    for header in headers.all()[1:]:
        assert within_the_screen(header, A4_UPRIGHT), f"{header.inner_text()!r} is cut off"
    assert no_horizontal_scroll(page), "The printed matrix is wider than A4"
    page.screenshot(path=artifacts / "printable-matrix-a4.png", full_page=True)

    # As printed: A4 landscape, every category's column on the paper.
    pdf = artifacts / "printable-matrix.pdf"
    page.pdf(path=pdf, prefer_css_page_size=True)
    first = PdfReader(pdf).pages[0]
    assert first.mediabox.width > first.mediabox.height, "The matrix is not printed landscape"
    text = re.sub(r"\s+", " ", first.extract_text())
    for title in titles:
        number, word = title.split()[:2]
        start = f"{number} {word[:6]}"  # "6. Intern": a long word may wrap after that
        assert start in text, f"{start!r} is not on the printed page"
    page.emulate_media(media="screen")


def test_the_leaderships_tables_on_a_phone(sign_in, assert_accessible, artifacts):
    """Retention: a period that has ended is not "kept until" a day in the past; the tables
    of the retention and take-down pages are keyboard-reachable regions (axe-core)."""
    boss = sign_in("leadership", viewport=PHONE, mobile=True)
    boss.goto("/")
    overview = boss.url
    boss.get_by_role("link", name=nl("Retention and pupils who left")).click()
    left = boss.get_by_role("region", name=nl("Pupils who left"))
    expect(left).to_have_attribute("tabindex", "0")
    before, after = nl(
        "The retention period ended on %(date)s: the record is erased in the next nightly run."
    ).split("%(date)s")
    expect(left).to_contain_text(re.compile(rf"{re.escape(before)}.+?{re.escape(after)}"))
    assert_accessible(boss, "leadership: retention (phone)")
    boss.screenshot(path=artifacts / "retention-phone.png", full_page=True)
    boss.goto(overview)
    boss.get_by_role("link", name=nl("Take-downs of published photos")).click()
    assert_accessible(boss, "leadership: take-downs (phone)")
