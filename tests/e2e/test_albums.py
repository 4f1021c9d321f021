"""Photos stay inside (issue 14), in a real browser against the running demo: Sanne opens
Lotte's class album on her phone; Mark withdraws consent for the class group and the photo
with Lotte is gone from Sanne's album at her next look, then comes back with Lotte's face
hidden once the worker has re-rendered it. The leadership releases a public photo to the
feed, which shows only what was released, and takes it out again; and picks a photo for a
newsletter, whose link works for anyone."""

import re
import time

from playwright.sync_api import Page, expect

from .pages import category_fieldset, nl
from .support import PHONE

LOTTE = "Lotte de Vries"


def _wait_until(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout}s"
        time.sleep(0.5)


def _album_images(page: Page) -> list[str]:
    page.locator("main h1").wait_for()
    return [
        src or ""
        for src in page.locator(".album-grid img").evaluate_all(
            "images => images.map(image => image.getAttribute('src'))"
        )
    ]


def _answer_class_group(page: Page, given: bool) -> None:
    """Mark answers category 2 (the class group) for Lotte on Lotte's page."""
    page.goto("/children/")
    page.get_by_role("region", name=LOTTE).get_by_role(
        "link", name=nl("View or change the answers for %(name)s", name="Lotte")
    ).click()
    answer = nl("Yes") if given else nl("No")
    category_fieldset(page, 2).get_by_role("radio", name=answer, exact=True).check()
    page.get_by_role("button", name=nl("Save")).click()
    expect(page.get_by_role("status")).to_be_visible()


def test_a_withdrawal_removes_a_photo_from_the_class_album_at_once(sign_in, assert_accessible):
    sanne = sign_in("guardian", viewport=PHONE, mobile=True)
    sanne.goto("/children/")
    sanne.get_by_role("region", name=LOTTE).get_by_role(
        "link", name=nl("Photos of group %(name)s", name="Zonnebloem")
    ).click()
    expect(sanne.get_by_role("heading", level=1)).to_have_text(
        nl("Class album of group %(name)s", name="Zonnebloem")
    )
    expect(sanne.get_by_role("heading", name=nl("What the school asks of you"))).to_be_visible()
    album_url = sanne.url
    before = _album_images(sanne)
    assert len(before) >= 2, before
    for src in before:
        response = sanne.request.get(src)
        assert response.status == 200 and response.headers["content-type"] == "image/jpeg"
        assert response.headers["cache-control"] == "private, no-store"
    assert sanne.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(sanne, "guardian: class album on a phone")
    sanne.get_by_role("link", name=nl("All photo albums")).click()
    assert_accessible(sanne, "guardian: photo albums")

    mark = sign_in("other_guardian")
    try:
        _answer_class_group(mark, False)
        # At Sanne's next look the photo with Lotte is gone: consent is checked as the
        # album is shown, whether or not the worker has re-rendered it yet.
        sanne.goto(album_url)
        gone = set(before) - set(_album_images(sanne))
        assert len(gone) == 1, f"expected the photo with Lotte to leave the album, {gone}"
        [old] = gone
        assert sanne.request.get(old).status == 404

        # Then the worker's replacement, with Lotte's face hidden, takes its place.
        def replaced() -> bool:
            sanne.goto(album_url)
            return len(_album_images(sanne)) == len(before)

        _wait_until(replaced, "the replacement appearing in the album")
        assert old not in _album_images(sanne)
        assert_accessible(sanne, "guardian: class album after a withdrawal")
    finally:
        _answer_class_group(mark, True)  # the demo as it was (the replacement stays)


def _feed_images(page: Page, school_id: str) -> list[str]:
    page.goto(f"/feed/{school_id}/")
    page.locator("main h1").wait_for()
    return [re.sub(r"^https?://[^/]+", "", src) for src in _album_images(page)]


def test_the_public_feed_shows_only_what_the_leadership_released(
    sign_in, new_context, assert_accessible
):
    leadership = sign_in("leadership")
    leadership.goto("/")
    school_id = re.search(r"/schools/(\d+)/", leadership.url)[1]  # type: ignore[index]
    leadership.get_by_role("link", name=nl("Photo albums and the public feed")).click()
    assert_accessible(leadership, "leadership: photo albums and the public feed")
    leadership.get_by_role("link", name=nl("Release photos to the public feed")).click()
    expect(leadership.get_by_role("heading", level=1)).to_have_text(nl("The public feed"))
    assert_accessible(leadership, "leadership: releases to the public feed")
    released_here = leadership.get_by_text(nl("in the public feed"), exact=True).count()

    visitor = new_context().new_page()
    shown = _feed_images(visitor, school_id)
    assert len(shown) == released_here >= 1, "the feed shows exactly the released photos"
    text = visitor.locator("main").inner_text()
    assert "Lotte" not in text and "Vries" not in text and ".jpg" not in text
    assert_accessible(visitor, "public feed")

    # Release one more photo published for the public: it appears, and goes again.
    card = (
        leadership.locator(".album-grid li")
        .filter(has=leadership.get_by_role("button", name=nl("Release to the public feed")))
        .first
    )
    thumbnail = card.locator("img").get_attribute("src")
    card.get_by_role("button", name=nl("Release to the public feed")).click()
    expect(leadership.get_by_role("status")).to_contain_text(
        nl("The photo is now in the public feed.")
    )
    now_shown = _feed_images(visitor, school_id)
    [added] = set(now_shown) - set(shown)
    assert visitor.request.get(added).status == 200
    feed_json = visitor.request.get(f"/feed/{school_id}/feed.json").json()
    assert len(feed_json["items"]) == len(now_shown)

    card = leadership.locator(".album-grid li").filter(
        has=leadership.locator(f'img[src="{thumbnail}"]')
    )
    card.get_by_role("button", name=nl("Take out of the feed")).click()
    expect(leadership.get_by_role("status")).to_contain_text(
        nl("The photo is no longer in the public feed.")
    )
    assert _feed_images(visitor, school_id) == shown
    assert visitor.request.get(added).status == 404


def test_the_leadership_gets_newsletter_links_that_work_for_anyone(
    sign_in, new_context, assert_accessible
):
    leadership = sign_in("leadership")
    leadership.goto("/")
    leadership.get_by_role("link", name=nl("Photos for a newsletter")).click()
    assert_accessible(leadership, "leadership: photos for a newsletter")
    leadership.get_by_label(nl("Title")).fill("Nieuwsbrief e2e")
    leadership.locator(".album-pick input[type=checkbox]").first.check()
    leadership.get_by_role("button", name=nl("Make the links")).click()
    expect(leadership.get_by_role("heading", level=1)).to_have_text("Nieuwsbrief e2e")
    assert_accessible(leadership, "leadership: a newsletter's links")
    [link] = leadership.locator(".album-links input").evaluate_all(
        "inputs => inputs.map(input => input.value)"
    )
    visitor = new_context().new_page()
    assert visitor.request.get(link).status == 200
    leadership.get_by_role("button", name=nl("End the links now")).click()
    expect(leadership.get_by_role("status")).to_be_visible()
    assert visitor.request.get(link).status == 404
