"""The detector finds the astronaut's face, in the array's own pixels, and little else."""

import numpy as np
import pytest

from consentry.imaging import Detector
from consentry.imaging.detect import _anchors, _nms

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


def test_detection_scale_caps_enlargement():
    detector = Detector(long_side=1536, max_upscale=2.0)
    assert detector.detection_scale(512, 400) == 2.0
    assert detector.detection_scale(1024, 768) == 1.5
    assert detector.detection_scale(4032, 3024) == pytest.approx(1536 / 4032)


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
