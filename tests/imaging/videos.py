"""Videos the tests make themselves with PyAV: the astronaut's face (scikit-image) moving.

`two_astronauts` puts two copies of the astronaut side by side on a grey background,
moving towards each other a little, with a silent audio track and the kind of metadata a
phone writes (creation time, place, a title with a name): everything the engine must drop.
Each frame's face boxes are known exactly (`face_boxes`).
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from .conftest import ASTRONAUT_FACE

WIDTH, HEIGHT = 1280, 720
TOP = 100
LEFT_START, RIGHT_START = 50, 700
DRIFT = 60  # pixels each copy moves over the whole clip
PHONE_TAGS = {
    "creation_time": "2026-03-02T10:15:00Z",
    "location": "+52.0907+005.1214/",
    "title": "Lotte in groep 5",
    "comment": "iPhone of Sanne",
}


def astronaut_image() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


def lefts(index: int, count: int) -> tuple[int, int]:
    """The x of the left and the right copy in frame `index` of `count`."""
    shift = int(DRIFT * index / max(1, count))
    return LEFT_START + shift, RIGHT_START - shift


def face_boxes(index: int, count: int) -> tuple[tuple[int, int, int, int], ...]:
    """The two faces' boxes (x, y, w, h) in frame `index`: left copy first."""
    fx, fy, fw, fh = ASTRONAUT_FACE
    return tuple((left + fx, TOP + fy, fw, fh) for left in lefts(index, count))


def two_astronauts(
    path: Path,
    *,
    seconds: float = 2.0,
    fps: int = 25,
    audio: bool = True,
    rotation: int = 0,
    codec: str = "libx264",
) -> Path:
    """Write the clip to `path` (MP4) and return it."""
    astronaut = astronaut_image()
    count = round(seconds * fps)
    with av.open(str(path), "w") as output:
        for key, value in PHONE_TAGS.items():
            output.metadata[key] = value
        stream = output.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        if rotation:
            stream.set_display_rotation(rotation)
        sound = output.add_stream("aac", rate=44100) if audio else None
        for index in range(count):
            frame = np.full((HEIGHT, WIDTH, 3), 90, np.uint8)
            for left in lefts(index, count):
                frame[TOP : TOP + 512, left : left + 512] = astronaut
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
        if sound is not None:
            silence = np.zeros((1, 1024), np.float32)
            for block in range(int(seconds * 44100 / 1024)):
                samples = av.AudioFrame.from_ndarray(silence, format="fltp", layout="mono")
                samples.sample_rate, samples.pts = 44100, block * 1024
                for packet in sound.encode(samples):
                    output.mux(packet)
            for packet in sound.encode(None):
                output.mux(packet)
    return path
