"""`consentry blur`: per-file results, a non-zero exit on failure, exact --boxes JSON."""

import io
import json
import re

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from .conftest import ASTRONAUT_FACE, encode, iou


@pytest.fixture
def photos(tmp_path, astronaut):
    folder = tmp_path / "in"
    folder.mkdir()
    big = Image.fromarray(astronaut).resize((1024, 1024), Image.Resampling.BICUBIC)
    (folder / "astronaut.png").write_bytes(encode(big))
    (folder / "notes.jpg").write_bytes(b"this is a text file")
    (folder / "cut.jpg").write_bytes(encode(astronaut, "JPEG")[:5000])
    return folder


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("blur", *map(str, args), stdout=out, stderr=err)
    except CommandError as exc:
        return str(exc), out.getvalue(), err.getvalue()
    return None, out.getvalue(), err.getvalue()


def test_blurs_good_files_reports_bad_ones_and_fails(photos, tmp_path):
    out_dir, boxes = tmp_path / "out", tmp_path / "boxes.json"
    failure, stdout, stderr = run(
        photos / "astronaut.png",
        photos / "notes.jpg",
        photos / "cut.jpg",
        photos / "missing.jpg",
        "--out",
        out_dir,
        "--boxes",
        boxes,
        "--max-side",
        512,
    )
    assert failure == "3 of 4 file(s) failed."
    assert re.search(r"astronaut.png: [12] face\(s\) hidden -> .*astronaut.jpg", stdout)
    assert "notes.jpg: This is not a photo in a supported format" in stderr
    assert "cut.jpg: This photo is damaged or incomplete." in stderr
    assert "missing.jpg: not found" in stderr
    assert sorted(p.name for p in out_dir.iterdir()) == ["astronaut.jpg"]
    out = Image.open(out_dir / "astronaut.jpg")
    assert out.format == "JPEG" and out.size == (512, 512)

    data = json.loads(boxes.read_text())
    assert list(data) == ["astronaut.png"]
    box = data["astronaut.png"][0]  # best first; a low-score patch on the suit may follow
    assert all(len(b) == 5 for b in data["astronaut.png"])
    assert len(box) == 5 and all(type(v) is int for v in box[:4]) and type(box[4]) is float
    assert 0.9 < box[4] <= 1
    # In the original image's pixels (1024 px), not the 512 px output's.
    assert iou(box, [2 * v for v in ASTRONAUT_FACE]) > 0.6


@pytest.mark.parametrize("mode", ["blur", "pixelate", "solid"])
def test_modes_succeed(photos, tmp_path, mode):
    failure, stdout, _ = run(photos / "astronaut.png", "--out", tmp_path / mode, "--mode", mode)
    assert failure is None and "face(s) hidden" in stdout
    pixels = np.asarray(Image.open(tmp_path / mode / "astronaut.jpg"))
    assert pixels.shape == (1024, 1024, 3)


def test_same_stem_does_not_overwrite(tmp_path, astronaut):
    (tmp_path / "a.png").write_bytes(encode(astronaut))
    (tmp_path / "a.webp").write_bytes(encode(astronaut, "WEBP"))
    failure, _, _ = run(tmp_path / "a.png", tmp_path / "a.webp", "--out", tmp_path / "out")
    assert failure is None
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a-2.jpg", "a.jpg"]


def test_bad_max_side_is_refused(photos, tmp_path):
    with pytest.raises(CommandError):
        call_command(
            "blur", str(photos / "astronaut.png"), "--out", str(tmp_path), "--max-side", "0"
        )
