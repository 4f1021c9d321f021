"""Linking faces over frames: gaps filled, ends held, and never a wander to another face."""

from consentry.imaging.detect import Face
from consentry.imaging.tracks import HOLD, MAX_GAP, Track, hidden_boxes, iou, link


def face(x, y=100, size=60, score=0.9) -> Face:
    return Face(float(x), float(y), float(size), float(size), score)


def test_a_face_missed_for_a_few_frames_stays_covered_in_between():
    detections = {n: [face(100 + 2 * n)] for n in range(30) if n not in (10, 11, 12)}

    (track,) = link(detections, 30)

    for missed in (10, 11, 12):
        box = track.boxes[missed]
        assert box[0] <= 100 + 2 * missed and box[0] + box[2] >= 160 + 2 * missed


def test_a_track_is_held_a_few_frames_before_and_after_it_was_seen():
    detections = {n: [face(200)] if 10 <= n < 20 else [] for n in range(40)}

    (track,) = link(detections, 40)

    assert (track.first, track.last) == (10 - HOLD, 19 + HOLD)


def test_a_track_is_never_held_past_the_last_frame():
    (track,) = link({n: [face(200)] for n in range(8)}, 8)
    assert track.last == 7


def test_a_long_absence_starts_a_new_track():
    detections = {n: [face(200)] for n in range(5)}
    detections.update({n: [face(200)] for n in range(6 + MAX_GAP, 10 + MAX_GAP)})

    tracks = link(detections, 20 + MAX_GAP)

    assert len(tracks) == 2


def test_two_faces_that_cross_end_their_tracks_rather_than_swap():
    """Faces moving through each other: afterwards neither track may go on, or a track
    marked visible could carry on with the other child's face."""
    detections = {}
    for n in range(40):
        detections[n] = [face(100 + 10 * n), face(500 - 10 * n)]
    tracks = link(detections, 40)

    for track in tracks:
        xs = [track.detected[n].x for n in sorted(track.detected)]
        steps = [b - a for a, b in zip(xs, xs[1:], strict=False)]
        assert all(step > 0 for step in steps) or all(step < 0 for step in steps), xs
    assert len(tracks) > 2


def test_hidden_boxes_leave_out_only_the_kept_tracks():
    tracks = link({n: [face(100), face(400)] for n in range(5)}, 5)
    kept = tracks[0].number

    hidden = hidden_boxes(tracks, {kept})

    assert all(len(boxes) == 1 for boxes in hidden.values())
    other = next(t for t in tracks if t.number != kept)
    assert hidden[2][0] == other.boxes[2]


def test_a_track_survives_storage_as_json():
    (track,) = link({n: [face(100 + n)] for n in range(6)}, 6)
    again = Track.from_json(track.as_json())
    assert again.boxes.keys() == track.boxes.keys() and again.best_frame in track.detected
    assert iou(again.boxes[3], track.boxes[3]) > 0.99


def test_a_face_lost_while_moving_is_followed_at_its_speed():
    """A face running out of the picture is lost by the detector while it still shows: the
    held boxes move on with it instead of waiting where it was last seen."""
    detections = {n: [face(100 + 30 * n)] for n in range(10)}

    (track,) = link(detections, 40)

    for step in range(1, HOLD + 1):
        x0, _, w, _ = track.boxes[9 + step]
        true_x = 100 + 30 * (9 + step)
        assert x0 <= true_x and x0 + w >= true_x + 60, step
