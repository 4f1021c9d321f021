"""A withdrawal reaches a public photo at once, in a real browser against the running demo:
the teacher publishes a photo of Lotte for the public (category 4), her mother Sanne refuses
category 4 on her phone, and from that moment Consentry no longer serves the photo with
Lotte's face: its download is gone and the publication that replaces it hides her. The
take-down that stays open is only for copies made outside (press, print)."""

import io
import re
import time
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import Page, expect

from .pages import category_fieldset, nl
from .test_photo_gate import mean_difference

PHOTO_NAME = "e2e-open-dag.jpg"
LOTTE = "Lotte de Vries"


def _photo(directory: Path) -> Path:
    """scikit-image's astronaut twice side by side (two faces, 1024 x 512 px)."""
    from skimage import data

    path = directory / PHOTO_NAME
    Image.fromarray(np.hstack([data.astronaut()] * 2)).save(path, "JPEG", quality=92)
    return path


def _row(page: Page):
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=PHOTO_NAME))


def _answer_public(page: Page, given: bool) -> None:
    """Sanne answers category 4 for Lotte on Lotte's page."""
    page.goto("/children/")
    page.get_by_role("region", name=LOTTE).get_by_role(
        "link", name=nl("View or change the answers for %(name)s", name="Lotte")
    ).click()
    answer = nl("Yes") if given else nl("No")
    category_fieldset(page, 4).get_by_role("radio", name=answer, exact=True).check()
    page.get_by_role("button", name=nl("Save")).click()
    expect(page.get_by_role("status")).to_be_visible()


def _wait_until(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout}s"
        time.sleep(0.5)


def test_a_refusal_stops_a_public_photo_being_served_at_once(sign_in, assert_accessible, tmp_path):
    guardian = sign_in("guardian", mobile=True)
    _answer_public(guardian, True)

    # The teacher uploads, says face 1 is Lotte, and publishes for the public.
    original = _photo(tmp_path)
    teacher = sign_in("teacher")
    teacher.goto("/")
    teacher.get_by_role("region", name="Zonnebloem").get_by_role(
        "link", name=nl("Consent matrix")
    ).click()
    teacher.get_by_role("link", name=nl("Photos"), exact=True).click()
    teacher.get_by_label(nl("Photos"), exact=True).set_input_files(original)
    teacher.get_by_role("button", name=nl("Upload")).click()
    expect(_row(teacher)).to_be_visible(timeout=30_000)

    def faces_found() -> bool:
        teacher.reload()
        return nl("faces found") in _row(teacher).inner_text()

    _wait_until(faces_found, "finding the faces", timeout=90)
    _row(teacher).get_by_role("link", name=nl("Who is who")).click()
    boxes = [
        tuple(int(float(rect.get_attribute(a) or 0)) for a in ("x", "y", "width", "height"))
        for rect in teacher.locator("svg.photo-faces rect").all()
    ]
    boxes = [box for box in boxes if box[2] and box[3]]  # a box being drawn has no size yet
    assert len(boxes) == 2, boxes
    teacher.get_by_label(nl("Face %(number)s", number=1), exact=True).select_option(label=LOTTE)
    teacher.get_by_label(nl("Face %(number)s", number=2), exact=True).select_option(
        label=nl("Not a pupil / unknown (blurred)")
    )
    teacher.get_by_role("button", name=nl("Save"), exact=True).click()
    review_url = re.sub(r"/faces/$", "/review/?audience=4", teacher.url)
    teacher.goto(review_url)
    teacher.get_by_role("button", name=nl("Publish"), exact=True).click()
    expect(teacher.get_by_role("status")).to_contain_text(nl("Published."))
    download = teacher.get_by_role("link", name=nl("Download"), exact=True).first
    public_url = download.get_attribute("href")
    assert public_url and teacher.request.get(public_url).status == 200
    shown = Image.open(io.BytesIO(teacher.request.get(public_url).body()))
    with Image.open(original) as source:
        assert mean_difference(source, shown, boxes[0]) < 6  # Lotte is visible

    # Sanne refuses category 4: Consentry stops serving that rendition at once.
    _answer_public(guardian, False)
    _wait_until(lambda: teacher.request.get(public_url).status == 404, "taking the photo down")
    teacher.goto(review_url)
    expect(teacher.get_by_role("listitem").filter(has_text=nl("taken down"))).to_have_count(1)
    replacement_url = teacher.get_by_role("link", name=nl("Download"), exact=True).first
    replacement = teacher.request.get(replacement_url.get_attribute("href") or "")
    assert replacement.status == 200
    with Image.open(original) as source:
        hidden = mean_difference(source, Image.open(io.BytesIO(replacement.body())), boxes[0])
    assert hidden > 8, f"Lotte is still recognisable in the replacement ({hidden:.1f})"
    assert_accessible(teacher, "teacher: review after a take-down")

    # The demo as it was for the other tests: Sanne's yes again (nothing is republished).
    _answer_public(guardian, True)
