"""Issue 13 in a real browser against the running demo: the Zonnebloem teacher uploads a
classroom video to the demo's kind 6 project (its subject's guardians all said yes), the
demo's worker finds and follows the faces, she marks the left face as the pupil, the worker
blurs everyone else, and she (a member) downloads the anonymised MP4: no sound, none of the
phone's tags, the right face blurred in every frame and the left one sharp."""

import re
import time
from pathlib import Path

import av
import numpy as np
from playwright.sync_api import Page, expect

from tests.imaging.conftest import detail_energy
from tests.imaging.videos import PHONE_TAGS, face_boxes, two_astronauts

from .pages import nl

PROJECT = "Observatie in de groep"
SECONDS, FPS = 1.6, 10
FRAMES = round(SECONDS * FPS)


def wait_for_link(page: Page, name: str, timeout: float = 180) -> None:
    """The page asks for the progress itself (progress.js) and loads again when the video
    needs no more waiting; a failure shows at once."""
    deadline = time.monotonic() + timeout
    link = page.get_by_role("link", name=name)
    while not link.count():
        text = page.locator("main").inner_text()
        assert nl("Processing stopped") not in text, f"Processing failed:\n{text}"
        assert time.monotonic() < deadline, f"No link {name!r} within {timeout}s:\n{text}"
        time.sleep(0.5)


def gray_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="gray") for frame in container.decode(video=0)]


def energy(gray: np.ndarray, box) -> float:
    x, y, w, h = box
    return detail_energy(gray[y : y + h, x : x + w])


def test_a_teacher_anonymises_a_classroom_video_and_a_member_downloads_it(
    sign_in, assert_accessible, tmp_path
):
    clip = two_astronauts(tmp_path / "e2e-les.mp4", seconds=SECONDS, fps=FPS)
    with av.open(str(clip)) as container:  # the clip really carries what must be removed
        assert container.streams.audio and container.metadata.get("title") == PHONE_TAGS["title"]

    teacher = sign_in("teacher")
    teacher.goto("/")
    teacher.get_by_role("link", name=nl("Projects"), exact=True).click()
    teacher.get_by_role("link", name=PROJECT).click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text(PROJECT)
    teacher.get_by_role("link", name=nl("Add material")).click()
    assert_accessible(teacher, "teacher: add research material")
    teacher.get_by_label(nl("File")).set_input_files(clip)
    teacher.get_by_label(nl("Description")).fill("Rekenles, e2e")
    teacher.get_by_role("button", name=nl("Store")).click()
    expect(teacher.get_by_role("status")).to_contain_text(
        nl("The video was stored. Its faces are now being found; then you mark who stays visible.")
    )
    assert_accessible(teacher, "teacher: project with a video being processed")

    # The worker finds the faces; the page follows by itself until they can be marked.
    wait_for_link(teacher, nl("Mark who stays visible"))
    teacher.get_by_role("link", name=nl("Mark who stays visible")).click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text(
        nl("Who stays visible in the video")
    )
    face_label = nl("Face %(number)s, %(position)s, seen from %(start)s to %(end)s")
    faces = teacher.get_by_role("checkbox", name=re.compile(re.escape(face_label.split("%(")[0])))
    expect(faces.first).to_be_visible()
    left = teacher.get_by_role("checkbox", name=re.compile(re.escape(nl("on the left"))))
    right = teacher.get_by_role("checkbox", name=re.compile(re.escape(nl("on the right"))))
    assert left.count() >= 1 and right.count() >= 1, faces.all_inner_texts()
    for image in teacher.locator(".video-faces img").all():  # every face picture loads
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert_accessible(teacher, "teacher: who stays visible in the video")
    for box in left.all():
        box.check()
    teacher.locator("#id_confirmed").check()
    teacher.get_by_role("button", name=nl("Save and blur everyone else")).click()
    expect(teacher.get_by_role("status")).to_contain_text(
        nl("Saved. The video is now being blurred.")
    )

    # The worker blurs everyone else; then a member downloads the anonymised video.
    wait_for_link(teacher, nl("Download the anonymised video"))
    assert_accessible(teacher, "teacher: project with an anonymised video")
    with teacher.expect_download() as download_info:
        teacher.get_by_role("link", name=nl("Download the anonymised video")).click()
    assert re.fullmatch(r"material-\d+\.mp4", download_info.value.suggested_filename)
    result = Path(download_info.value.path())

    with av.open(str(result)) as container:
        assert not container.streams.audio, "the anonymised video has sound"
        tags = {**container.metadata, **container.streams.video[0].metadata}
        assert not set(PHONE_TAGS) & set(tags), tags
        assert not set(PHONE_TAGS.values()) & set(tags.values()), tags
    original, blurred = gray_frames(clip), gray_frames(result)
    assert len(blurred) == len(original) == FRAMES
    for index, (before, after) in enumerate(zip(original, blurred, strict=True)):
        left_box, right_box = face_boxes(index, FRAMES)
        assert energy(after, right_box) < 0.2 * energy(before, right_box), f"frame {index}"
        assert energy(after, left_box) > 0.6 * energy(before, left_box), f"frame {index}"
