"""Faces in a video, linked over frames into tracks: one track is one face for a while.

Why tracks: a detector misses a face now and then (motion blur, a turned head, a hand in
front), and one frame shown unblurred is enough to recognise a child. A track knows where a
face was just before and just after, so a missed frame is filled in between (linear, the
face moves little in a few frames) and a track is held a few frames past its ends. Tracks
are also what a person marks as "may stay visible" in a video, the way faces are tagged in
a photo: the marking is about a track, never about a face's features (no recognition, no
embeddings).

Linking is deliberately timid. When two tracks could claim the same face (faces crossing),
both tracks end and new ones begin, so a track marked visible never wanders on to another
person's face: the new tracks are blurred until someone marks them too. Default deny.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from consentry.imaging.detect import Face

Box = tuple[float, float, float, float]  # x, y, width, height

MATCH_IOU = 0.3  # a detection continues a track when it overlaps the track's expected box so much
MAX_GAP = 12  # frames a track may miss its face and still go on (filled in between)
HOLD = 8  # frames a track is held before its first and after its last detection
GROW = 0.15  # each side of a filled-in or held box grows by this share of its size


@dataclass
class Track:
    """One face over a run of frames.

    `detected` holds the detector's boxes; `boxes` (after `link`) holds a box for every frame
    the face is hidden in: the detected ones, the gaps filled in and the frames held at the
    ends. `best_frame` is where the face was seen largest and surest: the picture on which a
    person marks it.
    """

    number: int
    detected: dict[int, Face] = field(default_factory=dict)
    boxes: dict[int, Box] = field(default_factory=dict)

    @property
    def first(self) -> int:
        return min(self.boxes or self.detected)

    @property
    def last(self) -> int:
        return max(self.boxes or self.detected)

    @property
    def best_frame(self) -> int:
        return max(
            self.detected,
            key=lambda n: (self.detected[n].w * self.detected[n].h) * self.detected[n].score,
        )

    def as_json(self) -> dict:
        """A JSON-storable form (frame numbers as strings, whole pixels and 3-digit scores)."""
        return {
            "number": self.number,
            "detected": {str(n): face.as_list() for n, face in self.detected.items()},
            "boxes": {str(n): [round(v, 1) for v in box] for n, box in self.boxes.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping) -> Track:
        return cls(
            number=int(data["number"]),
            detected={int(n): Face(*values) for n, values in data["detected"].items()},
            boxes={int(n): tuple(box) for n, box in data["boxes"].items()},  # type: ignore[misc]
        )


def link(
    detections: Mapping[int, Sequence[Face]],
    frame_count: int,
    *,
    max_gap: int = MAX_GAP,
    hold: int = HOLD,
    grow: float = GROW,
) -> list[Track]:
    """Tracks from the faces found per frame number, with gaps filled and ends held.

    Frames without an entry are frames the detector did not look at or where it found
    nothing: both are treated alike, so detecting every other frame is filled in too.
    """
    tracks: list[Track] = []
    open_tracks: list[Track] = []
    for frame in sorted(detections):
        open_tracks = [t for t in open_tracks if frame - max(t.detected) <= max_gap]
        faces = sorted(detections[frame], key=lambda f: -f.score)
        # Which faces fit which open track (overlap with where the track's face should be).
        fits = {
            t_index: {
                f_index: overlap
                for f_index, face in enumerate(faces)
                if (overlap := iou(_expected(track, frame), _box(face))) >= MATCH_IOU
            }
            for t_index, track in enumerate(open_tracks)
        }
        claims: dict[int, int] = {}  # face index -> how many tracks it fits
        for candidates in fits.values():
            for f_index in candidates:
                claims[f_index] = claims.get(f_index, 0) + 1
        taken_faces: set[int] = set()
        ended: set[int] = set()
        for t_index, track in enumerate(open_tracks):
            candidates = fits[t_index]
            if not candidates:
                continue
            face_index = max(candidates, key=candidates.__getitem__)
            rivals = [
                f
                for f in candidates
                if f != face_index and iou(_box(faces[f]), _box(faces[face_index])) < MATCH_IOU
            ]
            if rivals or claims[face_index] > 1:
                # Two faces where one track should be, or two tracks on one face: who is
                # who is not certain, so the track ends here and the faces start new ones.
                # (Two boxes on one face, overlapping each other, are not two faces.)
                ended.add(t_index)
                continue
            track.detected[frame] = faces[face_index]
            taken_faces.add(face_index)
        open_tracks = [t for i, t in enumerate(open_tracks) if i not in ended]
        for f_index, face in enumerate(faces):
            if f_index not in taken_faces:
                track = Track(number=len(tracks) + 1, detected={frame: face})
                tracks.append(track)
                open_tracks.append(track)
    for track in tracks:
        track.boxes = _fill(track.detected, frame_count, hold=hold, grow=grow)
    return tracks


def hidden_boxes(tracks: Iterable[Track], keep: Iterable[int] = ()) -> dict[int, list[Box]]:
    """Per frame number, the boxes to anonymise: every track not in `keep` (track numbers)."""
    kept = set(keep)
    hidden: dict[int, list[Box]] = {}
    for track in tracks:
        if track.number in kept:
            continue
        for frame, box in track.boxes.items():
            hidden.setdefault(frame, []).append(box)
    return hidden


def iou(a: Box, b: Box) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    overlap_w = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    overlap_h = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    overlap = overlap_w * overlap_h
    union = aw * ah + bw * bh - overlap
    return overlap / union if union > 0 else 0.0


def _box(face: Face) -> Box:
    return (face.x, face.y, face.w, face.h)


def _expected(track: Track, frame: int) -> Box:
    """Where the track's face should be at `frame`: its last box moved on at the speed of
    its last two detections, and widened by the gap (the longer ago, the less certain)."""
    frames = sorted(track.detected)[-2:]
    last = _box(track.detected[frames[-1]])
    steps = frame - frames[-1]
    x, y, w, h = last
    if len(frames) == 2:
        before = _box(track.detected[frames[0]])
        span = frames[1] - frames[0]
        x += (last[0] - before[0]) / span * steps
        y += (last[1] - before[1]) / span * steps
    widen = 1 + 0.05 * max(0, steps - 1)
    return (x - w * (widen - 1) / 2, y - h * (widen - 1) / 2, w * widen, h * widen)


def _fill(
    detected: Mapping[int, Face], frame_count: int, *, hold: int, grow: float
) -> dict[int, Box]:
    """A box for every frame from `hold` before the first detection to `hold` after the
    last: detected boxes as they are, the frames between two detections interpolated and
    grown, the held frames carried on at the face's own speed (a face leaving the picture
    is lost by the detector while it still shows) and grown more with every frame."""
    frames = sorted(detected)
    boxes: dict[int, Box] = {}
    first, last = frames[0], frames[-1]
    backwards = _velocity(detected, frames[:SPEED_SPAN][::-1])
    for frame in range(max(0, first - hold), first):
        boxes[frame] = _held(_box(detected[first]), backwards, first - frame, grow)
    for before, after in zip(frames, frames[1:], strict=False):
        boxes[before] = _box(detected[before])
        a, b = _box(detected[before]), _box(detected[after])
        for frame in range(before + 1, after):
            share = (frame - before) / (after - before)
            between = tuple(x + (y - x) * share for x, y in zip(a, b, strict=True))
            boxes[frame] = _grown(_union(between, a, b, share), grow)  # type: ignore[arg-type]
    boxes[last] = _box(detected[last])
    end = last + hold + 1 if frame_count <= 0 else min(frame_count, last + hold + 1)
    forwards = _velocity(detected, frames[-SPEED_SPAN:])
    for frame in range(last + 1, end):
        boxes[frame] = _held(_box(detected[last]), forwards, frame - last, grow)
    return boxes


SPEED_SPAN = 4  # detections a held box's speed is measured over


def _velocity(detected: Mapping[int, Face], frames: Sequence[int]) -> Box:
    """Change of x, y, width and height per frame from the first to the last of `frames`
    (in the direction they are given: reversed, it is the speed going back in time)."""
    if len(frames) < 2:
        return (0.0, 0.0, 0.0, 0.0)
    start, stop = _box(detected[frames[0]]), _box(detected[frames[-1]])
    steps = abs(frames[-1] - frames[0])
    return tuple((b - a) / steps for a, b in zip(start, stop, strict=True))  # type: ignore[return-value]


def _held(anchor: Box, velocity: Box, steps: int, grow: float) -> Box:
    """The face `steps` frames past its last detection: the box moved on at its speed,
    together with where it was (it may have stopped), grown by a share for every step."""
    moved = tuple(a + v * steps for a, v in zip(anchor, velocity, strict=True))
    x0 = min(anchor[0], moved[0])
    y0 = min(anchor[1], moved[1])
    x1 = max(anchor[0] + anchor[2], moved[0] + max(moved[2], 0.0))
    y1 = max(anchor[1] + anchor[3], moved[1] + max(moved[3], 0.0))
    return _grown((x0, y0, x1 - x0, y1 - y0), grow * (1 + 0.2 * steps))


def _union(between: Box, a: Box, b: Box, share: float) -> Box:
    """The interpolated box, widened towards the nearer end box: a face that moved jerkily
    between two detections is still likely inside."""
    near = a if share < 0.5 else b
    x0 = min(between[0], near[0])
    y0 = min(between[1], near[1])
    x1 = max(between[0] + between[2], near[0] + near[2])
    y1 = max(between[1] + between[3], near[1] + near[3])
    return (x0, y0, x1 - x0, y1 - y0)


def _grown(box: Box, grow: float) -> Box:
    x, y, w, h = box
    return (x - w * grow, y - h * grow, w * (1 + 2 * grow), h * (1 + 2 * grow))
