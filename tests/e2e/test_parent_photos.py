"""Parents' own photos of issue 14, in a real browser against the running demo: Sanne helped
on a trip and uploads a photo on her phone; it reaches the teacher's queue marked as from a
parent and the demo's worker finds its faces. Sanne asks first whether she may share it; the
teacher tags it and sends the question; Sanne says yes for Lotte and downloads a version in
which only Lotte is recognisable."""

import io
import re
import time
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import Page, expect

from .pages import nl
from .test_photo_gate import mean_difference

PHOTO_NAME = "e2e-kinderboerderij.jpg"
LOTTE = "Lotte de Vries"
WHERE = "e2e: de familie-app"
PHONE = {"width": 390, "height": 844}


def _photo(directory: Path) -> Path:
    """scikit-image's astronaut twice side by side (two faces, 1024 x 512 px)."""
    from skimage import data

    path = directory / PHOTO_NAME
    Image.fromarray(np.hstack([data.astronaut()] * 2)).save(path, "JPEG", quality=92)
    return path


def _upload_card(page: Page):
    return page.locator("li.upload").filter(has=page.get_by_role("heading", name=PHOTO_NAME))


def _wait_until(condition, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout}s"
        time.sleep(0.5)


def test_a_parents_photo_reaches_the_teacher_and_is_shared_only_with_consent(
    sign_in, assert_accessible, tmp_path
):
    original = _photo(tmp_path)

    # Sanne, on her phone: from her children's page to her photos for the school.
    parent = sign_in("guardian", viewport=PHONE, mobile=True)
    parent.goto("/children/")
    parent.get_by_role("link", name=nl("Share trip photos with the school")).click()
    expect(parent.get_by_role("heading", level=1)).to_have_text(nl("My photos for the school"))
    assert_accessible(parent, "parent: my photos")
    parent.get_by_label(nl("For the group")).select_option(label="Zonnebloem (Lotte)")
    parent.get_by_label(nl("Photos"), exact=True).set_input_files(original)
    parent.get_by_role("button", name=nl("Upload")).click()
    expect(parent.get_by_role("status")).to_contain_text(
        f"{PHOTO_NAME}: {nl('Received: the teacher will look at it.')}"
    )
    expect(_upload_card(parent)).to_be_visible()

    # The teacher's queue: the photo, clearly from a parent.
    teacher = sign_in("teacher")
    teacher.goto("/")
    teacher.get_by_role("region", name="Zonnebloem").get_by_role(
        "link", name=nl("Consent matrix")
    ).click()
    teacher.get_by_role("link", name=nl("Photos"), exact=True).click()
    row = teacher.get_by_role("row").filter(has=teacher.get_by_role("rowheader", name=PHOTO_NAME))
    expect(row).to_contain_text(nl("From a parent: %(name)s", name="Sanne de Vries"))
    assert_accessible(teacher, "teacher: group photos with a parent's photo")

    # The worker finds the faces; Sanne then sees a thumbnail with every face blurred.
    def with_the_teacher() -> bool:
        parent.reload()
        return nl("with the teacher") in _upload_card(parent).inner_text()

    _wait_until(with_the_teacher, "finding the faces")
    thumbnail = _upload_card(parent).get_by_role("img")
    expect(thumbnail).to_be_visible()
    assert_accessible(parent, "parent: my photos, faces found")

    # Ask first.
    _upload_card(parent).get_by_role(
        "link", name=nl("Ask first whether you may share this photo")
    ).click()
    assert_accessible(parent, "parent: ask first")
    parent.get_by_label(nl("Where would you like to share it?")).fill(WHERE)
    parent.get_by_role("button", name=nl("Ask the teacher")).click()
    expect(parent.get_by_role("status")).to_contain_text(
        nl("Your question was sent to the teacher, who will ask the parents.")
    )

    # The teacher: tag the faces (face 1 is Lotte), then send the question.
    teacher.reload()
    teacher.get_by_role("region", name=nl("Parents ask to share a photo")).get_by_role(
        "link", name=PHOTO_NAME
    ).click()
    expect(teacher.get_by_role("status")).to_contain_text(
        nl("Say who is who for every face first.")
    )
    assert_accessible(teacher, "teacher: a parent asks to share")
    share_url = teacher.url
    teacher.get_by_role("link", name=nl("Who is who"), exact=True).first.click()
    boxes = [
        tuple(int(float(rect.get_attribute(a) or 0)) for a in ("x", "y", "width", "height"))
        for rect in teacher.locator("svg.photo-faces rect").all()
    ]
    boxes = [box for box in boxes if box[2] and box[3]]
    assert len(boxes) == 2, boxes
    teacher.get_by_label(nl("Face %(number)s", number=1), exact=True).select_option(label=LOTTE)
    teacher.get_by_label(nl("Face %(number)s", number=2), exact=True).select_option(
        label=nl("Not a pupil / unknown (blurred)")
    )
    teacher.get_by_role("button", name=nl("Save"), exact=True).click()
    expect(teacher.get_by_role("status")).to_contain_text(nl("Saved."))
    teacher.goto(share_url)
    expect(teacher.get_by_role("listitem").filter(has_text=LOTTE)).to_have_count(1)
    assert_accessible(teacher, "teacher: the question to send")
    teacher.get_by_role("button", name=nl("Send the question")).click()
    expect(teacher.get_by_role("status")).to_contain_text(
        nl("The question was sent to the parents of the tagged pupils.")
    )

    # Sanne answers the question for Lotte, like every parent asked.
    parent.goto("/children/")
    question = parent.locator("article").filter(has_text=WHERE)
    question.get_by_role("button", name=nl("Yes for %(name)s", name="Lotte")).click()
    expect(parent.get_by_role("status")).to_be_visible()

    # The version to share: only Lotte recognisable.
    parent.goto("/my-photos/")
    _upload_card(parent).get_by_role("button", name=nl("Make the version to share")).click()
    expect(parent.get_by_role("status")).to_contain_text(
        nl("The version to share is ready: download it below.")
    )
    assert_accessible(parent, "parent: the version to share")
    with parent.expect_download() as download_info:
        _upload_card(parent).get_by_role("link", name=nl("Download the version to share")).click()
    assert re.fullmatch(r"photo-\d+-r\d+-\d+\.jpg", download_info.value.suggested_filename)
    shared = Image.open(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert not shared.getexif()
    with Image.open(original) as source:
        assert shared.size == source.size
        lotte = mean_difference(source, shared, boxes[0])
        other = mean_difference(source, shared, boxes[1])
    assert lotte < 6, f"Lotte, with a yes, is changed: {lotte:.1f}"
    assert other > 3 * lotte and other > 8, f"the other face is recognisable: {other:.1f}"
