"""The video path of the image engine: probe, pieces, tracks, render, join; no Django."""

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from consentry.imaging import video
from consentry.imaging.tracks import hidden_boxes, link

from .conftest import detail_energy, encode
from .videos import PHONE_TAGS, face_boxes, two_astronauts


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return two_astronauts(tmp_path_factory.mktemp("video") / "two.mp4")


@pytest.fixture(scope="module")
def video_detector():
    return video.video_detector("retinaface", threads=2)


def decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="gray") for frame in container.decode(video=0)]


def energy_at(gray: np.ndarray, box) -> float:
    x, y, w, h = box
    return detail_energy(gray[y : y + h, x : x + w])


def test_probe_reads_the_stream_as_it_will_be_processed(clip):
    info = video.probe(clip)

    assert (info.width, info.height, info.frames, info.fps) == (1280, 720, 50, 25)
    assert info.has_audio and info.codec == "h264"
    assert info.pieces(20) == [(0, 17), (17, 34), (34, 50)]
    assert info.pieces(at_least=2) == [(0, 25), (25, 50)]
    assert video.VideoInfo.from_json(info.as_json()) == info


def test_only_the_kept_face_stays_visible_and_nothing_else_leaves(clip, video_detector, tmp_path):
    out = tmp_path / "out.mp4"

    result = video.blur_video(
        clip, out, video_detector, keep=lambda track: track.detected[track.best_frame].x < 400
    )

    assert result.frames_written == 50 and len(result.kept) >= 1
    original, blurred = decoded(clip), decoded(out)
    assert len(blurred) == 50
    for index, (before, after) in enumerate(zip(original, blurred, strict=True)):
        left, right = face_boxes(index, 50)
        assert energy_at(after, right) < 0.2 * energy_at(before, right), f"frame {index}"
        assert energy_at(after, left) > 0.6 * energy_at(before, left), f"frame {index}"
    with av.open(str(out)) as container:
        assert [stream.type for stream in container.streams] == ["video"]
        tags = dict(container.metadata) | dict(container.streams.video[0].metadata)
    assert not set(tags) & {"creation_time", "location", "title", "comment", "encoder"}
    raw = out.read_bytes()
    for leak in [*PHONE_TAGS.values(), "Lavf", "Lavc", "x264"]:
        assert leak.encode() not in raw, leak


def test_every_face_is_blurred_when_nobody_is_kept(clip, video_detector, tmp_path):
    out = tmp_path / "out.mp4"
    video.blur_video(clip, out, video_detector, workers=2)

    for index, (before, after) in enumerate(zip(decoded(clip), decoded(out), strict=True)):
        for box in face_boxes(index, 50):
            assert energy_at(after, box) < 0.2 * energy_at(before, box), f"frame {index}"


def test_pieces_detected_and_drawn_apart_join_into_the_same_video(clip, video_detector, tmp_path):
    info = video.probe(clip)
    pieces = info.pieces(16)
    found = {}
    for first, end in reversed(pieces):  # in any order, as workers finish
        found.update(video.detect_range(clip, video_detector, first, end, info=info))
    assert sorted(found) == list(range(50))
    hide = hidden_boxes(link(found, info.frames))
    paths = []
    for index, (first, end) in enumerate(pieces):
        paths.append(tmp_path / f"{index}.mp4")
        assert video.render_range(clip, paths[-1], first, end, hide, info=info) == end - first
    video.join(paths, tmp_path / "joined.mp4")

    with av.open(str(tmp_path / "joined.mp4")) as container:
        times = [frame.time for frame in container.decode(video=0)]
    assert times == pytest.approx([n / 25 for n in range(50)])
    for index, gray in enumerate(decoded(tmp_path / "joined.mp4")):
        right = face_boxes(index, 50)[1]
        assert energy_at(gray, right) < 0.2 * energy_at(decoded(clip)[index], right)


def test_a_phone_video_filmed_sideways_comes_out_upright(tmp_path):
    clip = two_astronauts(tmp_path / "portrait.mp4", seconds=0.4, rotation=90, audio=False)
    info = video.probe(clip)
    assert (info.width, info.height, info.rotation) == (720, 1280, 90)

    video.render_range(clip, tmp_path / "out.mp4", 0, info.frames, {}, info=info)

    with av.open(str(tmp_path / "out.mp4")) as container:
        frame = next(container.decode(video=0))
        assert (frame.width, frame.height) == (720, 1280)
        assert not frame.rotation


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("text.mp4", b"ftypisom<html><body>not a video</body></html>" * 20, "not_a_video"),
        ("photo.mp4", "jpeg", "not_a_video"),
        ("cut.mp4", "cut", "damaged"),
    ],
)
def test_what_is_not_a_whole_video_is_refused_with_a_clear_code(
    clip, tmp_path, astronaut, name, content, code
):
    path = tmp_path / name
    if content == "jpeg":
        content = encode(Image.fromarray(astronaut), "JPEG")
    elif content == "cut":
        content = clip.read_bytes()[: clip.stat().st_size // 3]
    path.write_bytes(content)

    with pytest.raises(video.VideoRejected) as rejected:
        video.probe(path)
    assert rejected.value.code == code
    assert str(tmp_path) not in rejected.value.message


def test_a_video_larger_or_longer_than_the_limits_is_refused(clip):
    with pytest.raises(video.VideoRejected) as too_large:
        video.probe(clip, video.VideoLimits(max_pixels=640 * 480))
    assert too_large.value.code == "too_large"
    with pytest.raises(video.VideoRejected) as too_long:
        video.probe(clip, video.VideoLimits(max_seconds=1))
    assert too_long.value.code == "too_long"


def test_a_video_whose_frames_are_missing_after_its_index_is_damaged(clip, tmp_path):
    """A fast-start MP4 (index first) cut short: the headers read, the frames do not."""
    fast = tmp_path / "fast.mp4"
    video.render_range(clip, fast, 0, 50, {}, info=video.probe(clip))
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(fast.read_bytes()[: fast.stat().st_size * 3 // 5])
    info = video.probe(cut)

    with pytest.raises(video.VideoRejected) as rejected:
        video.detect_range(cut, video.video_detector("retinaface"), 40, 50, info=info)
    assert rejected.value.code == "damaged"


def test_a_box_inside_another_is_left_to_the_outer_one():
    """Held and filled-in boxes pile up around busy faces: only the outer ones are drawn,
    which cover the inner ones (their padding is at least as large)."""
    outer, inner, other = (100, 100, 80, 80), (120, 110, 30, 40), (150, 150, 80, 80)

    assert video.outermost([inner, outer, other, outer]) == [outer, other]
    assert video.outermost([inner]) == [inner]
