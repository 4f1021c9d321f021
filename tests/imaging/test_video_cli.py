"""`consentry blur` with videos: judged by content, written as MP4 without audio or
metadata, every frame's face hidden, a clear line for each bad file and exit status 1.

The videos are made here with PyAV from scikit-image's astronaut (public domain): she
moves 4 px to the right each frame, so her face box in frame i is ASTRONAUT_FACE shifted by
4 * i, and the clip carries what a phone's clip carries: a sound track, a recording time,
a place, a title, an encoder's name.
"""

import json
import re

import av
import numpy as np
import pytest

from consentry.imaging.cli import main
from consentry.imaging.video import probe, render_range

from .conftest import ASTRONAUT_FACE, detail_energy, encode, iou

FRAMES, STEP, SIZE = 20, 4, (640, 512)
PHONE_TAGS = {
    "title": "Juf Anna, groep 5b",
    "comment": "filmed on the school trip",
    "location": "+52.3676+004.9041/",
    "creation_time": "2024-05-01T10:00:00Z",
}


def face_box(frame: int) -> tuple[int, int, int, int]:
    x, y, w, h = ASTRONAUT_FACE
    return (x + STEP * frame, y, w, h)


def write_clip(path, astronaut, *, frames=FRAMES, size=SIZE, audio=True) -> None:
    """An H.264 MP4 of the astronaut walking right, with a tone and a phone's tags."""
    width, height = size
    with av.open(str(path), "w", format="mp4") as container:
        container.metadata.update(PHONE_TAGS)
        video = container.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.metadata["handler_name"] = "Pixel 8 camera"
        sound = container.add_stream("aac", rate=44100) if audio else None
        for number in range(frames):
            canvas = np.full((height, width, 3), 90, np.uint8)
            if astronaut is not None:
                x = STEP * number
                canvas[:512, x : x + 512] = astronaut[:, : width - x]
            picture = av.VideoFrame.from_ndarray(canvas, format="rgb24")
            container.mux(video.encode(picture))
        container.mux(video.encode(None))
        if sound is not None:
            seconds = np.arange(44100 * frames // 25) / 44100
            tone = (0.2 * np.sin(2 * np.pi * 440 * seconds)).astype(np.float32)[None, :]
            samples = av.AudioFrame.from_ndarray(tone, format="fltp", layout="mono")
            samples.sample_rate = 44100
            container.mux(sound.encode(samples))
            container.mux(sound.encode(None))


def luma(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="gray") for frame in container.decode(video=0)]


def inner(gray: np.ndarray, frame: int) -> np.ndarray:
    """The middle of the face box (eyes, nose, mouth), away from its edges."""
    x, y, w, h = face_box(frame)
    return gray[y + h // 6 : y + h - h // 6, x + w // 6 : x + w - w // 6]


def detail_kept(original, result) -> list[float]:
    """Per frame, the share of the face's fine detail (in `original`) left in `result`."""
    before, after = luma(original), luma(result)
    assert len(after) == len(before) == FRAMES
    return [
        detail_energy(inner(a, n)) / detail_energy(inner(b, n))
        for n, (b, a) in enumerate(zip(before, after, strict=True))
    ]


@pytest.fixture(scope="module")
def clip(tmp_path_factory, astronaut):
    path = tmp_path_factory.mktemp("videos") / "trip.mp4"
    write_clip(path, astronaut)
    return path


def run(capsys, *args):
    """The command in this process: (exit status, stdout, stderr)."""
    status = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_video_comes_out_blurred_in_every_frame_without_sound_or_tags(capsys, clip, tmp_path):
    out_dir = tmp_path / "out"
    status, stdout, stderr = run(capsys, clip, "--out", out_dir)
    assert status == 0, stderr
    assert re.search(
        r"trip.mp4: [1-9]\d* face track\(s\) hidden in 20 frame\(s\) -> .*trip.mp4", stdout
    )
    result = out_dir / "trip.mp4"
    assert sorted(p.name for p in out_dir.iterdir()) == ["trip.mp4"]

    with av.open(str(result)) as container:
        assert container.format.name.split(",")[0] == "mov"  # the MP4 family
        assert [stream.type for stream in container.streams] == ["video"]
        assert container.streams.video[0].codec_context.name == "h264"
        tags = dict(container.metadata) | dict(container.streams.video[0].metadata)
    assert not {"creation_time", "encoder", "location", "title", "comment"} & set(tags)
    assert "Pixel 8" not in json.dumps(tags)
    data = result.read_bytes()
    for trace in (b"Lavf", b"x264", b"Juf Anna", b"52.3676", b"2024-05-01", b"Pixel 8"):
        assert trace not in data, trace

    kept = detail_kept(clip, result)
    assert max(kept) < 0.1, kept


def test_the_measure_sees_an_unblurred_face(clip, tmp_path):
    """The check above can fail: the same re-encoding with nothing hidden keeps the face."""
    untouched = tmp_path / "untouched.mp4"
    render_range(clip, untouched, 0, FRAMES, {}, info=probe(clip))
    assert min(detail_kept(clip, untouched)) > 0.5


def test_boxes_json_lists_the_hidden_box_of_every_frame(capsys, clip, tmp_path, astronaut):
    photo = tmp_path / "astronaut.png"
    photo.write_bytes(encode(astronaut))
    boxes = tmp_path / "boxes.json"
    status, _, stderr = run(capsys, clip, photo, "--out", tmp_path / "out", "--boxes", boxes)
    assert status == 0, stderr

    data = json.loads(boxes.read_text())
    assert list(data) == ["trip.mp4", "astronaut.png"]
    assert data["trip.mp4"]["fps"] == 25.0
    frames = data["trip.mp4"]["frames"]
    assert sorted(frames, key=int) == [str(n) for n in range(FRAMES)]
    for number, found in frames.items():
        assert all(len(box) == 4 and all(type(v) is int for v in box) for box in found)
        assert max(iou(box, face_box(int(number))) for box in found) > 0.5
    assert len(data["astronaut.png"][0]) == 5  # photos keep their format, with scores


def test_files_are_judged_by_content_not_by_name(capsys, clip, tmp_path, astronaut):
    (tmp_path / "holiday.jpg").write_bytes(clip.read_bytes())
    (tmp_path / "portrait.mp4").write_bytes(encode(astronaut, "JPEG"))
    out_dir = tmp_path / "out"
    status, stdout, stderr = run(
        capsys, tmp_path / "holiday.jpg", tmp_path / "portrait.mp4", "--out", out_dir
    )
    assert status == 0, stderr
    assert "holiday.jpg: " in stdout and "hidden in 20 frame(s)" in stdout
    assert sorted(p.name for p in out_dir.iterdir()) == ["holiday.mp4", "portrait.jpg"]
    assert probe(out_dir / "holiday.mp4").frames == FRAMES
    assert (out_dir / "portrait.jpg").read_bytes()[:3] == b"\xff\xd8\xff"


def test_bad_videos_get_a_clear_line_each_and_exit_1(capsys, clip, tmp_path):
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])
    notes = tmp_path / "notes.mp4"
    notes.write_text("ftyp? no: the minutes of the parents' evening\n")
    huge = tmp_path / "huge.mp4"
    write_clip(huge, None, frames=2, size=(4096, 2176), audio=False)
    out_dir = tmp_path / "out"

    status, stdout, stderr = run(capsys, cut, notes, huge, clip, "--out", out_dir)
    assert status == 1
    lines = stderr.strip().splitlines()
    assert lines[-1] == "3 of 4 file(s) failed."
    assert f"{cut}: This video is damaged or cut short and cannot be read." in lines
    assert f"{notes}: This is not a photo or a video in a supported format" in stderr
    (too_large,) = [line for line in lines if line.startswith(f"{huge}: ")]
    assert "4096×2176" in too_large and "4K" in too_large
    assert "trip.mp4: " in stdout
    # Nothing half-written is left behind: only the good video, under its final name.
    assert sorted(p.name for p in out_dir.iterdir()) == ["trip.mp4"]
