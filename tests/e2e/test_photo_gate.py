"""The photo path of issue 4, in a real browser against the running demo: the teacher
uploads a photo, the demo's worker finds its faces, she says who is who, reviews it for the
class group, publishes it and downloads the rendition (alone and in the audience's zip)."""

import io
import re
import time
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import Page, expect

from .pages import matrix_cell, nl

GPS_IFD = 0x8825
MAKE = 0x010F
PHOTO_NAME = "e2e-schoolreisje.jpg"


def photo_with_faces(directory: Path) -> Path:
    """scikit-image's astronaut tiled 2x2 (four faces, 1024 px), with EXIF and a GPS position
    that the rendition must not carry."""
    from skimage import data

    astronaut = data.astronaut()
    tiled = np.vstack([np.hstack([astronaut, astronaut])] * 2)
    exif = Image.Exif()
    exif[MAKE] = "Consentry e2e camera"
    exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 30.0), 3: "E", 4: (5.0, 13.0, 12.0)}
    path = directory / PHOTO_NAME
    Image.fromarray(tiled).save(path, "JPEG", quality=92, exif=exif)
    with Image.open(path) as written:  # the test photo really carries what must be removed
        assert written.getexif().get_ifd(GPS_IFD)
    return path


def pupil_with_consent_for_class_group(page: Page) -> str:
    """A pupil of the open matrix with yes for category 2 and no never-photograph flag."""
    rows = page.locator("table.matrix tbody tr").filter(has_not=page.locator(".never-tag"))
    expect(rows.first).to_be_visible()
    for name in rows.locator("th[scope=row]").all_inner_texts():
        name = name.strip()
        cell = matrix_cell(page, name, 2)
        if re.search(r"\bstate-yes\b", cell.get_attribute("class") or ""):
            return name
    raise AssertionError("No pupil of Zonnebloem has consent for category 2.")


def photo_row(page: Page):
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=PHOTO_NAME))


def wait_until_ready(page: Page, timeout: float = 90) -> None:
    """The worker finds the faces in the background: reload until the status says so."""
    ready = nl("faces found")
    deadline = time.monotonic() + timeout
    while True:
        status = photo_row(page).locator("td").nth(1).inner_text()
        if ready in status:
            return
        assert nl("failed") not in status, f"Finding faces failed: {status}"
        assert time.monotonic() < deadline, f"Faces not found within {timeout}s: {status}"
        time.sleep(0.5)
        page.reload()


def mean_difference(a: Image.Image, b: Image.Image, box: tuple[int, int, int, int]) -> float:
    x, y, w, h = box
    region = (x, y, x + w, y + h)
    left = np.asarray(a.convert("RGB").crop(region), dtype=np.int16)
    right = np.asarray(b.convert("RGB").crop(region), dtype=np.int16)
    return float(np.abs(left - right).mean())


def test_a_teacher_uploads_tags_reviews_publishes_and_downloads_a_photo(
    sign_in, assert_accessible, tmp_path
):
    original = photo_with_faces(tmp_path)
    teacher = sign_in("teacher")

    # In her group's matrix she sees who may be in photos for the class group (category 2).
    teacher.goto("/")
    teacher.get_by_role("region", name="Zonnebloem").get_by_role(
        "link", name=nl("Consent matrix")
    ).click()
    pupil = pupil_with_consent_for_class_group(teacher)

    # The group's photos: the demo's own two, and her upload.
    teacher.get_by_role("link", name=nl("Photos"), exact=True).click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text(
        nl("Photos of group %(name)s", name="Zonnebloem")
    )
    expect(teacher.get_by_role("rowheader", name="schoolplein-zonnebloem.jpg")).to_be_visible()
    assert_accessible(teacher, "teacher: group photos")
    teacher.get_by_label(nl("Photos"), exact=True).set_input_files(original)
    teacher.get_by_role("button", name=nl("Upload")).click()
    expect(photo_row(teacher)).to_be_visible(timeout=30_000)  # upload.js reloads when done
    wait_until_ready(teacher)
    faces = int(photo_row(teacher).locator("td").nth(2).inner_text())
    assert faces == 4, f"the detector found {faces} faces of the four astronauts"
    assert_accessible(teacher, "teacher: group photos, faces found")

    # Who is who: the first face is the pupil, the others are not pupils.
    photo_row(teacher).get_by_role("link", name=nl("Who is who")).click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text(
        nl("Who is who in %(name)s", name=PHOTO_NAME)
    )
    assert_accessible(teacher, "teacher: who is who")
    boxes = [
        tuple(int(float(rect.get_attribute(a) or 0)) for a in ("x", "y", "width", "height"))
        for rect in teacher.locator("svg.photo-faces rect").all()
    ]
    assert len(boxes) == faces
    for number in range(1, faces + 1):
        choice = teacher.get_by_label(nl("Face %(number)s", number=number), exact=True)
        choice.select_option(label=pupil if number == 1 else nl("Not a pupil / unknown (blurred)"))
    teacher.get_by_role("button", name=nl("Save"), exact=True).click()
    expect(teacher.get_by_role("status")).to_contain_text(nl("Saved."))
    expect(teacher.get_by_label(nl("Face %(number)s", number=1), exact=True)).to_have_value(
        re.compile(r"^\d+$")
    )
    assert_accessible(teacher, "teacher: who is who, saved")

    # Review for the class group: per face, in words, visible or blurred and why.
    teacher.get_by_role("link", name=nl("Back to the photos")).click()
    photo_row(teacher).get_by_role("link", name=nl("Review and publish")).click()
    teacher.get_by_label(nl("Who will see this photo")).select_option(
        label=nl("2 · the class group")
    )
    teacher.get_by_role("button", name=nl("Show the rendition")).click()
    expect(teacher).to_have_url(re.compile(r"[?&]audience=2\b"))
    per_face = teacher.locator("h2 + ol > li")
    expect(per_face).to_have_count(faces)
    given = pupil.split()[0]
    expect(per_face.nth(0)).to_have_text(
        f"{nl('Face %(number)s', number=1)} ({given}): {nl('visible: consent for this audience')}"
    )
    for n in range(1, faces):
        expect(per_face.nth(n)).to_have_text(
            f"{nl('Face %(number)s', number=n + 1)}: {nl('blurred: not a pupil or unknown')}"
        )
    shown = nl("The photo as it will be published, with hidden faces")
    expect(teacher.get_by_role("img", name=shown)).to_be_visible()
    assert_accessible(teacher, "teacher: review for the class group")

    # Publish, then download the rendition.
    teacher.get_by_role("button", name=nl("Publish"), exact=True).click()
    expect(teacher.get_by_role("status")).to_contain_text(nl("Published."))
    assert_accessible(teacher, "teacher: review, published")
    with teacher.expect_download() as download_info:
        teacher.get_by_role("link", name=nl("Download"), exact=True).click()
    rendition_bytes = Path(download_info.value.path()).read_bytes()
    assert re.fullmatch(r"photo-\d+-2-\d+\.jpg", download_info.value.suggested_filename)

    rendition = Image.open(io.BytesIO(rendition_bytes))
    assert rendition.format == "JPEG"
    assert not rendition.getexif(), "the rendition carries EXIF"
    assert "exif" not in rendition.info and not rendition.getexif().get_ifd(GPS_IFD)
    assert max(rendition.size) <= 2048
    with Image.open(original) as source:
        assert rendition.size == source.size  # 1024 px: not scaled
        visible = mean_difference(source, rendition, boxes[0])
        hidden = [mean_difference(source, rendition, box) for box in boxes[1:]]
    assert visible < 6, f"the pupil with consent is changed: {visible:.1f}"
    assert all(d > 3 * visible and d > 8 for d in hidden), (visible, hidden)

    # All of the group's photos published for the class group, as one zip.
    with teacher.expect_download() as zip_info:
        teacher.get_by_role(
            "link", name=nl("All of this group's photos published for this audience (zip)")
        ).click()
    with zipfile.ZipFile(zip_info.value.path()) as archive:
        # The demo's own class-group photos are in it too (the class album shows them).
        names = archive.namelist()
        assert names and all(name.endswith(".jpg") for name in names), names
        assert rendition_bytes in [archive.read(name) for name in names]

    # Publishing for the public (category 4) stays on that audience: the review shows what
    # was just published, not the class group's.
    teacher.get_by_label(nl("Who will see this photo")).select_option(value="4")
    teacher.get_by_role("button", name=nl("Show the rendition")).click()
    teacher.get_by_role("button", name=nl("Publish"), exact=True).click()
    expect(teacher.get_by_role("status")).to_contain_text(nl("Published."))
    expect(teacher).to_have_url(re.compile(r"[?&]audience=4\b"))
    expect(teacher.get_by_label(nl("Who will see this photo"))).to_have_value("4")
    assert_accessible(teacher, "teacher: review, published for the public")
