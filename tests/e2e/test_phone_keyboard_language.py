"""The parent's page on a phone, the main flow with the keyboard alone, and English."""

import re

from django.utils import translation
from playwright.sync_api import Page, expect

from consentry.demo.personas import PERSONA_EMAILS

from .pages import category_fieldset, expect_state, nl
from .support import PHONE


def open_child(page: Page, given_name: str) -> None:
    page.goto("/children/")
    page.get_by_role(
        "link", name=nl("View or change the answers for %(name)s", name=given_name)
    ).click()
    expect(page).to_have_url(re.compile(r"/pupils/\d+/$"))


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_parents_page_works_on_a_phone(sign_in, assert_accessible, artifacts):
    page = sign_in("guardian", viewport=PHONE, mobile=True)
    page.goto("/children/")
    assert no_horizontal_scroll(page), "The children page scrolls sideways at 390 px"
    assert_accessible(page, "parent: my children (phone)")

    open_child(page, "Lotte")
    assert no_horizontal_scroll(page), "The child's page scrolls sideways at 390 px"
    public = category_fieldset(page, 4)
    public.get_by_text(nl("What is this for?")).tap()
    expect(public.locator("details")).to_have_attribute("open", "")
    assert no_horizontal_scroll(page), "An opened explanation makes the page scroll sideways"
    assert_accessible(page, "parent: child's page (phone)")
    page.screenshot(path=artifacts / "parent-phone.png", full_page=True)

    save = page.get_by_role("button", name=nl("Save"))
    save.scroll_into_view_if_needed()
    expect(save).to_be_in_viewport()
    box = save.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert box["height"] >= 44, "Save is hard to tap: less than 44 px high"
    save.tap()
    expect(page.get_by_role("status")).to_be_visible()
    assert no_horizontal_scroll(page)

    page.get_by_role("link", name=nl("Read the whole leaflet")).tap()
    expect(page).to_have_url(re.compile(r"/leaflet/$"))
    assert no_horizontal_scroll(page), "The leaflet scrolls sideways at 390 px"
    assert_accessible(page, "parent: the whole leaflet (phone)")


def test_a_guardian_changes_an_answer_with_the_keyboard_alone(sign_in, assert_accessible):
    """Tab to move, the arrow keys within a radio group (as a radio group works), Enter."""
    page = sign_in("guardian")
    open_child(page, "Daan")
    research = category_fieldset(page, 6)
    expect(research.get_by_role("radio", name=nl("No"), exact=True)).to_be_checked()

    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text(nl("Skip to content"))
    page.keyboard.press("Enter")
    on_its_radios = (
        "el => el.contains(document.activeElement) && document.activeElement.type === 'radio'"
    )
    for _tab in range(80):
        page.keyboard.press("Tab")
        if research.evaluate(on_its_radios):
            break
    else:
        raise AssertionError("Tab never reached the answer to category 6")
    page.keyboard.press("ArrowLeft")  # from "No" to "Yes"
    expect(research.get_by_role("radio", name=nl("Yes"), exact=True)).to_be_checked()

    save = page.get_by_role("button", name=nl("Save"))
    for _tab in range(40):
        page.keyboard.press("Tab")
        if save.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached Save")
    outline = save.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "Save has no visible focus indicator"
    page.keyboard.press("Enter")

    with translation.override("nl"):
        saved = translation.ngettext("Saved: %(count)s change.", "", 1) % {"count": 1}
    expect(page.get_by_role("status")).to_contain_text(saved)
    expect_state(category_fieldset(page, 6).locator(".now .state"), "yes")


def test_english_is_one_click_away(new_context, sign_in, assert_accessible):
    page = new_context().new_page()
    page.goto("/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Sign in"))
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("button", name="Email me a sign-in code")).to_be_visible()
    assert_accessible(page, "sign-in")

    parent = sign_in("guardian")
    open_child(parent, "Lotte")
    parent.get_by_role("button", name="English").click()
    expect(parent.locator("html")).to_have_attribute("lang", "en")
    expect(category_fieldset(parent, 4).locator("legend")).to_have_text(
        "4. Public communication by the school"
    )
    expect(parent.get_by_role("button", name="Save")).to_be_visible()
    assert_accessible(parent, "parent: child's page")

    teacher = sign_in("teacher")
    teacher.goto("/groups/")
    teacher.get_by_role("button", name="English").click()
    teacher.get_by_role("region", name="Zonnebloem").get_by_role(
        "link", name="Consent matrix"
    ).click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text("Consent in group Zonnebloem")
    expect(teacher.locator(".legend")).to_contain_text("Never photograph")
    assert_accessible(teacher, "teacher: matrix")
    teacher.get_by_role("link", name=re.compile(r"^4\. Public communication")).click()
    expect(teacher.locator("#may-heading")).to_contain_text("May appear")
    assert_accessible(teacher, "teacher: who may appear in category 4")

    # And back: the switch works both ways.
    teacher.get_by_role("button", name="Nederlands").click()
    expect(teacher.locator("html")).to_have_attribute("lang", "nl")


def test_the_demo_outbox_points_to_the_mail_server(new_context, assert_accessible):
    """In these tests the demo's mail goes to our SMTP server, and its outbox says so."""
    page = new_context().new_page()
    page.goto("/demo/outbox/")
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Demo outbox"))
    expect(page.locator("main")).to_contain_text(
        nl("Mail goes to a mail server, not to files: there is nothing to show here.")
    )
    assert_accessible(page, "demo outbox")


def test_the_language_picked_on_the_sign_in_page_survives_sign_in(new_context, assert_accessible):
    """Picked before signing in, English stays after it, on every page, with English dates
    (day before month); back in Dutch, Dutch dates."""
    page = new_context().new_page()
    page.goto("/login/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    staff = page.get_by_role("region", name="School staff: sign in with your password")
    staff.locator("input[name=login]").fill(PERSONA_EMAILS["teacher"])
    staff.locator("input[name=password]").fill("demo")
    staff.get_by_role("button", name="Sign in").click()
    expect(page.locator("input[name=password]")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("region", name="Zonnebloem").get_by_role("link", name="Consent matrix").click()
    page.get_by_role("link", name="Photos", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    uploaded = page.get_by_role("rowheader", name=re.compile("schoolplein-zonnebloem"))
    expect(uploaded).to_contain_text(re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}\b"))
    assert_accessible(page, "teacher: group photos, in English")
    page.get_by_role("button", name="Nederlands").click()
    expect(uploaded).to_contain_text(re.compile(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}\b"))
