"""Video through the same gate as photos: find faces per frame, link them, blur, re-encode.

Decoding and encoding is FFmpeg, through PyAV (`av`, which bundles it). The work is split
in pieces of frames so that several workers can share one video: `detect_range` finds the
faces of one piece, `tracks.link` links all pieces' faces at once (cheap), and
`render_range` draws one piece with the chosen faces anonymised; `join` puts the pieces
together without re-encoding. `blur_video` does all of it in one process, for
`consentry blur`.

What leaves: H.264 in MP4, upright (a phone's rotation applied to the pixels), constant
frame rate, no audio, and no metadata: no creation time, place or device tags, no encoder
names (FFmpeg's "bitexact" flags), and the encoder's own SEI message with its version and
settings is removed from the stream.

Frames are numbered by their time: number = round((time - start) * fps). Every step derives
the number the same way, so a piece decoded after a seek agrees with one decoded from the
start, also for a variable frame rate (two frames closer than 1/fps share a number and
then share their boxes).
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from consentry.imaging.anonymise import DEFAULT_PADDING, Box, Mode, anonymise
from consentry.imaging.detect import Detector, Face
from consentry.imaging.tracks import Track, hidden_boxes, link

Source = str | os.PathLike

PIECE_SECONDS = 5.0
QUALITY_CRF = 21  # x264's constant quality: visually clean classroom video at modest size
OUTPUT_CODEC = "libx264"


def video_detector(spec: str = "", **options) -> Detector:
    """The configured detector (`CONSENTRY_FACE_DETECTOR`) with the settings for video: a
    frame is searched at its own size at most (never enlarged; video faces are rarely tiny,
    and every frame costs), and the tracks fill in what one frame misses."""
    from consentry.imaging.detect import configured_detector, detector_named

    return detector_named(spec or configured_detector(), **{**VIDEO_DETECTOR_OPTIONS, **options})


VIDEO_DETECTOR_OPTIONS = {"long_side": 1280, "max_upscale": 1.0}


class VideoRejected(ValueError):
    """A video the engine refuses, with a stable `code` and a message safe to show."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class VideoLimits:
    """What the engine accepts: enough for a phone's 4K clip of a lesson, not more."""

    max_pixels: int = 3840 * 2160  # per frame
    max_seconds: float = 30 * 60
    max_fps: float = 120.0


DEFAULT_LIMITS = VideoLimits()


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """The first video stream of a file, as it will be processed (upright)."""

    width: int  # upright, after the rotation
    height: int
    fps: Fraction
    frames: int  # frame numbers run from 0 to frames - 1
    duration: float  # seconds
    codec: str
    has_audio: bool
    rotation: int = 0  # degrees counter-clockwise that the file asks players to turn it

    def pieces(
        self, frames_per_piece: int | None = None, *, at_least: int = 1
    ) -> list[tuple[int, int]]:
        """Frame ranges [first, end) of equal length, at most `frames_per_piece` (about
        `PIECE_SECONDS` by default) each, covering every frame; split further, down to a
        second a piece, until there are `at_least` pieces (one for each worker)."""
        longest = frames_per_piece or max(1, round(float(self.fps) * PIECE_SECONDS))
        shortest = min(longest, max(1, round(float(self.fps))))
        count = math.ceil(self.frames / longest)
        if count < at_least:
            count = max(count, min(at_least, self.frames // shortest))
        size = math.ceil(self.frames / count)
        return [(first, min(first + size, self.frames)) for first in range(0, self.frames, size)]

    def as_json(self) -> dict:
        return {
            "width": self.width,
            "height": self.height,
            "fps": [self.fps.numerator, self.fps.denominator],
            "frames": self.frames,
            "duration": self.duration,
            "codec": self.codec,
            "has_audio": self.has_audio,
            "rotation": self.rotation,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> VideoInfo:
        values = dict(data)
        values["fps"] = Fraction(*values["fps"])
        return cls(**values)


def probe(source: Source, limits: VideoLimits = DEFAULT_LIMITS) -> VideoInfo:
    """What the video is, or `VideoRejected`: not a video, damaged (its first frame does
    not decode), too large a picture, too long, or a frame rate nobody films at.

    Only the headers and the first frame are read; a file cut short further on still fails
    later, in `detect_range`, with the same code."""
    try:
        with _opened(source) as container:
            if not container.streams.video:
                raise VideoRejected("not_a_video", "This file has no video in it.")
            stream = container.streams.video[0]
            if _is_still_image(container, stream):
                raise VideoRejected("not_a_video", "This file is a picture, not a video.")
            fps = _fps(stream)
            if fps is None or fps <= 0 or fps > limits.max_fps:
                raise VideoRejected("unsupported", "The frame rate of this video is not usable.")
            width, height = stream.codec_context.width, stream.codec_context.height
            if width * height > limits.max_pixels:
                raise VideoRejected(
                    "too_large",
                    f"The picture is {width}×{height}; at most "
                    f"{limits.max_pixels:,} pixels a frame are accepted (4K).",
                )
            duration = _duration(container, stream)
            if duration > limits.max_seconds:
                raise VideoRejected(
                    "too_long",
                    f"The video lasts {duration / 60:.0f} minutes; at most "
                    f"{limits.max_seconds / 60:.0f} minutes are accepted.",
                )
            first = _first_frame(container, stream)
            rotation = _rotation(first)
            if rotation % 180:
                width, height = height, width
            frames = max(1, math.ceil(duration * fps - 1e-6)) if duration else 1
            return VideoInfo(
                width=width,
                height=height,
                fps=fps,
                frames=frames,
                duration=duration,
                codec=stream.codec_context.name,
                has_audio=bool(container.streams.audio),
                rotation=rotation,
            )
    except VideoRejected:
        raise
    except (av.FFmpegError, ValueError, OSError, UnicodeDecodeError, MemoryError) as exc:
        raise _as_rejection(exc, _looks_like_video(source)) from None


def frames(
    source: Source, first: int, end: int, info: VideoInfo
) -> Iterator[tuple[int, np.ndarray]]:
    """(number, upright RGB array) for every frame numbered in [first, end), in order.

    Seeks to the keyframe before `first` and decodes from there; a damaged file raises
    `VideoRejected("damaged")`."""
    try:
        with _opened(source) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            start = _start_time(stream)
            if first > 0:
                target = start + first / info.fps
                container.seek(
                    max(0, int(target / stream.time_base) - 1), stream=stream, backward=True
                )
            last_number = -1
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                number = round((frame.time - start) * info.fps)
                if number < first or number == last_number:
                    continue
                if number >= end:
                    break
                last_number = number
                yield number, _upright(frame.to_ndarray(format="rgb24"), info.rotation)
    except VideoRejected:
        raise
    except (av.FFmpegError, ValueError, OSError, MemoryError) as exc:
        raise _as_rejection(exc) from None


def detect_range(
    source: Source,
    detector: Detector,
    first: int,
    end: int,
    *,
    info: VideoInfo | None = None,
    stride: int = 1,
) -> dict[int, list[Face]]:
    """The faces of every `stride`-th frame numbered in [first, end), in the upright
    frame's pixels. Frames where nothing was found have an empty list (so a caller can
    tell "looked, nothing" from "not looked at")."""
    info = info or probe(source)
    found: dict[int, list[Face]] = {}
    decoded = 0
    for number, rgb in frames(source, first, end, info):
        decoded += 1
        if (number - first) % stride == 0 or number == end - 1:
            found[number] = detector.detect(rgb)
    if decoded == 0 and end > first:
        # The headers promised these frames; a file cut short after its index has none.
        raise VideoRejected("damaged", "This video is damaged or cut short and cannot be read.")
    return found


def still(source: Source, number: int, info: VideoInfo | None = None) -> np.ndarray:
    """One frame as an upright RGB array (for the picture on which people are marked)."""
    info = info or probe(source)
    number = min(max(0, number), info.frames - 1)
    for _, rgb in frames(source, number, info.frames, info):
        return rgb
    raise VideoRejected("damaged", "This frame of the video cannot be read.")


def render_range(
    source: Source,
    out_path: Source,
    first: int,
    end: int,
    hide: Mapping[int, Sequence[Box]],
    *,
    info: VideoInfo,
    mode: Mode = "blur",
    padding: float = DEFAULT_PADDING,
    max_side: int | None = None,
) -> int:
    """Write frames [first, end) with the boxes in `hide` anonymised as an MP4 piece (see
    the module's docstring for what it carries); the number of frames written."""
    width, height = _output_size(info, max_side)
    written = 0
    with _writer(out_path, width, height, info.fps) as write:
        for number, rgb in frames(source, first, end, info):
            boxes = outermost(hide.get(number, ()))
            picture = anonymise(rgb, boxes, mode=mode, padding=padding) if boxes else rgb
            write(picture, number - first)
            written += 1
    return written


def outermost(boxes: Sequence[Box]) -> list[Box]:
    """The boxes that no other box contains. A box inside another is anonymised by that one
    (its padding is larger too, and its cells coarser), and a frame of a busy video can hold
    dozens of boxes on top of each other: a track's held and filled-in boxes around the
    detector's own, and stray boxes that every frame finds anew."""
    if len(boxes) < 2:
        return list(boxes)
    array = np.asarray(boxes, dtype=np.float64)
    x0, y0 = array[:, 0], array[:, 1]
    x1, y1 = x0 + array[:, 2], y0 + array[:, 3]
    inside = (
        (x0[:, None] >= x0[None, :])
        & (y0[:, None] >= y0[None, :])
        & (x1[:, None] <= x1[None, :])
        & (y1[:, None] <= y1[None, :])
    )  # inside[i, j]: box i lies within box j
    np.fill_diagonal(inside, False)
    # Of identical boxes each lies within the other: keep the first of them.
    identical = inside & inside.T
    inside &= ~(identical & (np.arange(len(boxes))[:, None] < np.arange(len(boxes))[None, :]))
    return [box for box, covered in zip(boxes, inside.any(axis=1), strict=True) if not covered]


def join(pieces: Sequence[Source], out_path: Source) -> None:
    """Pieces written by `render_range` (in order) as one MP4, without re-encoding: each
    piece begins with a keyframe, and every piece was encoded with the same settings."""
    if not pieces:
        raise ValueError("nothing to join")
    with av.open(os.fspath(out_path), "w", format="mp4", options=_MUX_OPTIONS) as output:
        output.flags |= _BITEXACT_FLAG  # type: ignore[attr-defined]
        out_stream = None
        offset = 0
        for piece in pieces:
            with av.open(os.fspath(piece)) as container:
                stream = container.streams.video[0]
                if out_stream is None:
                    out_stream = output.add_stream_from_template(stream)
                    out_stream.metadata.clear()
                    out_stream.time_base = stream.time_base
                last = offset
                for packet in container.demux(stream):
                    if packet.dts is None:
                        continue
                    packet.pts = packet.pts + offset
                    packet.dts = packet.dts + offset
                    last = max(last, packet.pts + (packet.duration or 0))
                    packet.stream = out_stream
                    output.mux(packet)
                offset = last


def blur_video(
    source: Source,
    out_path: Source,
    detector: Detector,
    *,
    keep: Callable[[Track], bool] | None = None,
    mode: Mode = "blur",
    max_side: int | None = None,
    workers: int = 1,
    stride: int = 1,
    limits: VideoLimits = DEFAULT_LIMITS,
    progress: Callable[[str, int, int], None] | None = None,
) -> BlurredVideo:
    """The whole path in one process: every face is hidden unless `keep(track)` says so.

    Pieces are detected and drawn by `workers` threads at once (decoding, the network and
    the blur all release the GIL); `progress(stage, done, total)` is told after each piece.
    """
    info = probe(source, limits)
    pieces = info.pieces(at_least=workers)
    detections: dict[int, list[Face]] = {}

    def detect_piece(piece: tuple[int, int]) -> dict[int, list[Face]]:
        return detect_range(source, detector, *piece, info=info, stride=stride)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for done, found in enumerate(pool.map(detect_piece, pieces), start=1):
            detections.update(found)
            if progress:
                progress("detect", done, len(pieces))
        tracks = link(detections, info.frames)
        kept = {track.number for track in tracks if keep is not None and keep(track)}
        hide = hidden_boxes(tracks, kept)
        with tempfile.TemporaryDirectory(prefix="consentry-video-") as folder:
            paths = [Path(folder) / f"piece-{index:05d}.mp4" for index in range(len(pieces))]

            def render_piece(index: int) -> int:
                first, end = pieces[index]
                return render_range(
                    source,
                    paths[index],
                    first,
                    end,
                    hide,
                    info=info,
                    mode=mode,
                    max_side=max_side,
                )

            written = 0
            for done, count in enumerate(pool.map(render_piece, range(len(pieces))), start=1):
                written += count
                if progress:
                    progress("render", done, len(pieces))
            join(paths, out_path)
    return BlurredVideo(
        info=info,
        tracks=tracks,
        frames_written=written,
        faces_found=sum(len(faces) for faces in detections.values()),
        kept=tuple(sorted(kept)),
    )


@dataclass(frozen=True)
class BlurredVideo:
    info: VideoInfo
    tracks: list[Track] = field(repr=False)
    frames_written: int
    faces_found: int  # boxes over all frames
    kept: tuple[int, ...] = ()


# --- FFmpeg details -------------------------------------------------------------------------

_MUX_OPTIONS = {"movflags": "+faststart"}
_BITEXACT_FLAG = 0x0400  # AVFMT_FLAG_BITEXACT: no "encoder" tag naming FFmpeg's version
_X264_OPTIONS = {
    "crf": str(QUALITY_CRF),
    "preset": "veryfast",
    "bf": "0",  # no reordered frames: the pieces join by adding an offset to every timestamp
    "flags": "+bitexact",
}


@contextmanager
def _opened(source: Source) -> Iterator[av.container.InputContainer]:
    container = av.open(os.fspath(source), "r", options={"probesize": "10000000"})
    try:
        yield container
    finally:
        container.close()


@contextmanager
def _writer(
    out_path: Source, width: int, height: int, fps: Fraction
) -> Iterator[Callable[[np.ndarray, int], None]]:
    """A function that encodes one RGB frame at a given position (0, 1, ...), for an MP4
    piece with one H.264 stream and nothing else; the encoder's SEI is filtered out."""
    with av.open(os.fspath(out_path), "w", format="mp4", options=_MUX_OPTIONS) as output:
        output.flags |= _BITEXACT_FLAG  # type: ignore[attr-defined]
        stream = output.add_stream(OUTPUT_CODEC, rate=fps, options=dict(_X264_OPTIONS))
        assert isinstance(stream, av.video.stream.VideoStream)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = 1 / fps
        stream.metadata.clear()
        no_sei = av.bitstream.BitStreamFilterContext("filter_units=remove_types=6", stream)

        def mux(packets: Sequence[av.Packet]) -> None:
            for packet in packets:
                for filtered in no_sei.filter(packet):
                    filtered.stream = stream
                    output.mux(filtered)

        def write(rgb: np.ndarray, position: int) -> None:
            if rgb.shape[1] != width or rgb.shape[0] != height:
                import cv2

                rgb = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts = position
            frame.time_base = 1 / fps
            mux(stream.encode(frame))

        yield write
        mux(stream.encode(None))
        mux(no_sei.filter(None))


def _output_size(info: VideoInfo, max_side: int | None) -> tuple[int, int]:
    """The upright size, shrunk to `max_side` if asked, rounded down to even numbers
    (4:2:0 colour needs them)."""
    scale = min(1.0, max_side / max(info.width, info.height)) if max_side else 1.0
    width = max(2, int(info.width * scale) // 2 * 2)
    height = max(2, int(info.height * scale) // 2 * 2)
    return width, height


def _fps(stream: av.video.stream.VideoStream) -> Fraction | None:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return Fraction(rate.numerator, rate.denominator) if rate else None


def _start_time(stream: av.video.stream.VideoStream) -> float:
    if stream.start_time is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def _duration(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float:
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0


def _is_still_image(container: av.container.InputContainer, stream) -> bool:
    """An image in a container FFmpeg can also read (a JPEG, PNG, GIF, HEIC ...): one frame,
    or a format of image decoders."""
    names = set(container.format.name.split(","))
    image_formats = {
        "image2",
        "jpeg_pipe",
        "png_pipe",
        "webp_pipe",
        "gif",
        "apng",
        "heif",
        "bmp_pipe",
        "tiff_pipe",
        "svg_pipe",
    }
    if names & image_formats or any(n.endswith("_pipe") for n in names):
        return True
    return stream.codec_context.name in {"mjpeg", "png", "gif", "webp", "bmp", "tiff"} and (
        stream.frames in (0, 1)
    )


def _first_frame(container: av.container.InputContainer, stream) -> av.VideoFrame:
    for frame in container.decode(stream):
        return frame
    raise VideoRejected("damaged", "Not a single frame of this video can be read.")


def _rotation(frame: av.VideoFrame) -> int:
    """The display rotation rounded to a quarter turn (phones store portrait video sideways)."""
    try:
        angle = frame.rotation or 0
    except (AttributeError, ValueError):
        return 0
    return int(round(angle / 90.0)) * 90 % 360


def _upright(rgb: np.ndarray, rotation: int) -> np.ndarray:
    """Turn the decoded pixels as the player would: `rotation` degrees counter-clockwise."""
    if rotation == 0:
        return rgb
    return np.ascontiguousarray(np.rot90(rgb, k=rotation // 90))


def _looks_like_video(source: Source) -> bool:
    """Whether the file begins as a video container does (an MP4/MOV `ftyp` box, WebM's or
    Matroska's EBML header, AVI's RIFF): then a file FFmpeg cannot read is a damaged video,
    most often one cut short, rather than something else."""
    try:
        with open(source, "rb") as file:
            head = file.read(12)
    except OSError:
        return False
    return (
        head[4:8] == b"ftyp"
        or head.startswith(b"\x1a\x45\xdf\xa3")
        or (head.startswith(b"RIFF") and head[8:12] == b"AVI ")
    )


def _as_rejection(exc: BaseException, looks_like_video: bool = True) -> VideoRejected:
    if isinstance(exc, MemoryError):
        return VideoRejected("too_large", "This video is too large to process.")
    if isinstance(exc, av.error.InvalidDataError) and not looks_like_video:
        return VideoRejected("not_a_video", "This file is not a video that can be read.")
    return VideoRejected("damaged", "This video is damaged or cut short and cannot be read.")
