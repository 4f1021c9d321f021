"""The detector finds the astronaut's face, in the array's own pixels, and little else."""

import numpy as np
import pytest

from consentry.imaging import Detector, RetinaFace, YuNet, default_detector, detector_named
from consentry.imaging.detect import COARSE_FRACTION, _anchors, _nms, _tiles, detector_class

from .conftest import ASTRONAUT_FACE, iou


def test_finds_the_astronauts_face(astronaut, detector):
    faces = detector.detect(astronaut)
    assert faces, "no face found"
    best = faces[0]
    assert best.score > 0.9
    assert iou((best.x, best.y, best.w, best.h), ASTRONAUT_FACE) > 0.6
    assert len(faces) <= 2  # at most one low-score extra on the suit


def test_boxes_follow_the_input_scale(astronaut, detector):
    import cv2

    double = cv2.resize(astronaut, (1024, 1024), interpolation=cv2.INTER_CUBIC)
    face = detector.detect(double)[0]
    doubled = tuple(v * 2 for v in ASTRONAUT_FACE)
    assert iou((face.x, face.y, face.w, face.h), doubled) > 0.6


def test_blank_image_has_no_faces(detector):
    assert detector.detect(np.full((300, 400, 3), 128, dtype=np.uint8)) == []


def test_tiny_and_odd_sized_images_work(detector):
    for shape in ((1, 1, 3), (7, 333, 3), (333, 7, 3)):
        assert detector.detect(np.zeros(shape, dtype=np.uint8)) == []


def test_detection_scale_caps_enlargement_and_shrinking():
    detector = Detector(long_side=1536, max_upscale=2.0, min_scale=0.5)
    assert detector.detection_scale(512, 400) == 2.0
    assert detector.detection_scale(1024, 768) == 1.5
    assert detector.detection_scale(2048, 1536) == 0.75
    # A phone photo is not shrunk below half, so that its small faces stay in sight.
    assert detector.detection_scale(4032, 3024) == 0.5
    assert detector.needed_long_side(4032) == 2016
    assert detector.needed_long_side(800) == 800  # never more than the photo has


def test_a_coarse_pass_looks_for_large_faces_only_when_the_fine_copy_is_much_larger():
    detector = Detector(long_side=1536, coarse_side=640, large_box=48)
    assert [look.scale for look in detector.passes(300, 200)] == [2.0]  # fine copy 600 px
    fine, coarse = detector.passes(500, 375)  # a web photo: the coarse copy is never enlarged
    assert fine.scale == 2.0 and coarse.scale == pytest.approx(2.0 / COARSE_FRACTION)
    fine, coarse = detector.passes(1024, 768)
    assert (fine.scale, coarse.scale, coarse.min_height) == (1.5, 0.625, 32)
    fine, coarse = detector.passes(4032, 3024)
    assert (fine.scale, fine.min_height) == (0.5, 0)
    assert coarse.scale == pytest.approx(640 / 4032)
    assert coarse.min_height == 96  # 48 px as the fine pass sees it, in the photo's pixels


def test_a_close_up_face_on_a_phone_photo_is_found(astronaut, detector):
    """A face of about 1600 px, far beyond the network's largest anchors at the fine
    pass: the coarse pass finds it."""
    import cv2

    big = cv2.resize(astronaut, (4032, 4032), interpolation=cv2.INTER_CUBIC)
    faces = detector.detect(big)
    assert faces and faces[0].score > 0.9
    scaled = tuple(v * 4032 / 512 for v in ASTRONAUT_FACE)
    assert iou((faces[0].x, faces[0].y, faces[0].w, faces[0].h), scaled) > 0.5


def test_tiles_cover_the_photo_with_overlap():
    corners = _tiles(5000, 1000, 2048, overlap=256)
    assert {top for _left, top in corners} == {0}
    lefts = sorted(left for left, _top in corners)
    assert lefts[0] == 0 and lefts[-1] + 2048 == 5000
    assert all(b - a <= 2048 - 256 for a, b in zip(lefts, lefts[1:], strict=False))
    assert _tiles(2048, 2048, 2048, overlap=256) == [(0, 0)]


def test_a_face_in_a_tiled_photo_is_found_where_it_is(astronaut):
    """A photo whose fine copy is larger than a tile: the face sits in the second tile
    and across the first tile's edge, and comes back in the photo's own pixels."""
    detector = Detector.__new__(RetinaFace)
    RetinaFace.__init__(detector, tile_side=384, long_side=1024, max_upscale=1.0)
    canvas = np.full((512, 1400, 3), 90, dtype=np.uint8)
    canvas[:, 300:812] = astronaut
    faces = detector.detect(canvas)
    assert detector.doubts(faces, 1400, 512) == ("very_large",)
    moved = (ASTRONAUT_FACE[0] + 300, *ASTRONAUT_FACE[1:])
    assert any(iou((f.x, f.y, f.w, f.h), moved) > 0.6 and f.score > 0.9 for f in faces)


def test_doubts_name_many_uncertain_faces():
    from consentry.imaging import Face
    from consentry.imaging.detect import UNCERTAIN_COUNT, UNCERTAIN_SCORE

    detector = Detector()
    sure = [Face(0, 0, 10, 10, 0.99)] * 30
    unsure = [Face(0, 0, 10, 10, UNCERTAIN_SCORE - 0.01)] * UNCERTAIN_COUNT
    assert detector.doubts(sure, 1024, 768) == ()
    assert detector.doubts(sure + unsure[1:], 1024, 768) == ()
    assert detector.doubts(sure + unsure, 1024, 768) == ("uncertain",)
    assert detector.doubts([], 4032, 3024) == ()  # a phone photo is no doubt in itself


@pytest.mark.parametrize("name, kind", [("", RetinaFace), ("retinaface", RetinaFace)])
def test_detectors_are_chosen_by_name(name, kind):
    assert detector_class(name) is kind
    assert detector_class("consentry.imaging.detect:YuNet") is YuNet


@pytest.mark.parametrize(
    "spec, message",
    [
        ("nosuch", "unknown face detector 'nosuch'"),
        ("json:JSONDecoder", "is not a consentry.imaging.detect.Detector"),
        ("json:nothing", "is not a consentry.imaging.detect.Detector"),
    ],
)
def test_a_wrong_detector_name_is_refused_clearly(spec, message):
    with pytest.raises(ValueError, match=message):
        detector_class(spec)


def test_the_setting_chooses_the_shared_detector(monkeypatch):
    monkeypatch.setenv("CONSENTRY_FACE_DETECTOR", "yunet")
    assert type(default_detector()) is YuNet
    assert default_detector() is default_detector()  # loaded once
    monkeypatch.delenv("CONSENTRY_FACE_DETECTOR")
    assert type(default_detector()) is RetinaFace


def test_yunet_finds_the_astronauts_face(astronaut):
    faces = detector_named("yunet").detect(astronaut)
    assert faces and faces[0].score > 0.8
    assert iou((faces[0].x, faces[0].y, faces[0].w, faces[0].h), ASTRONAUT_FACE) > 0.5


def test_anchor_count_matches_the_network(detector):
    blob = np.zeros((1, 3, 96, 128), dtype=np.float32)
    loc, _conf, _ = detector._session.run(None, {"input": blob})
    assert loc.shape[1] == len(_anchors(96, 128))


def test_nms_keeps_the_best_of_overlapping_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [50, 50, 10, 10]], dtype=np.float32)
    scores = np.array([0.5, 0.9, 0.7], dtype=np.float32)
    assert list(_nms(boxes, scores, 0.4)) == [1, 2]


def test_face_as_list_is_whole_pixels():
    from consentry.imaging import Face

    assert Face(10.4, 20.6, 30.5, 40.49, 0.98765).as_list() == [10, 21, 30, 40, 0.988]
