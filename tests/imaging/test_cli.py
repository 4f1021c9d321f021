"""`consentry blur`: per-file results, a non-zero exit on failure, exact --boxes JSON, and
no Django, database or keys needed."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from consentry.imaging.cli import main

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


def run(capsys, *args):
    """The command in this process: (the failure line or None, stdout, stderr)."""
    status = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    failure = captured.err.strip().splitlines()[-1] if status else None
    return failure, captured.out, captured.err


def test_blurs_good_files_reports_bad_ones_and_fails(capsys, photos, tmp_path):
    out_dir, boxes = tmp_path / "out", tmp_path / "boxes.json"
    failure, stdout, stderr = run(
        capsys,
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
    assert "notes.jpg: This is not a photo or a video in a supported format" in stderr
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
def test_modes_succeed(capsys, photos, tmp_path, mode):
    failure, stdout, _ = run(
        capsys, photos / "astronaut.png", "--out", tmp_path / mode, "--mode", mode
    )
    assert failure is None and "face(s) hidden" in stdout
    pixels = np.asarray(Image.open(tmp_path / mode / "astronaut.jpg"))
    assert pixels.shape == (1024, 1024, 3)


def test_same_stem_does_not_overwrite(capsys, tmp_path, astronaut):
    (tmp_path / "a.png").write_bytes(encode(astronaut))
    (tmp_path / "a.webp").write_bytes(encode(astronaut, "WEBP"))
    failure, _, _ = run(capsys, tmp_path / "a.png", tmp_path / "a.webp", "--out", tmp_path / "out")
    assert failure is None
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a-2.jpg", "a.jpg"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--max-side", "0"], "--max-side must be a positive number of pixels"),
        (["--workers", "0"], "--workers must be at least 1"),
        (["--detector", "nosuch"], "unknown face detector 'nosuch'"),
        (["--detector", "json:JSONDecoder"], "is not a consentry.imaging.detect.Detector"),
    ],
)
def test_bad_options_are_refused_clearly(capsys, photos, tmp_path, args, message):
    with pytest.raises(SystemExit) as exit_info:
        main([str(photos / "astronaut.png"), "--out", str(tmp_path / "out"), *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_runs_without_django_settings_or_keys(photos, tmp_path):
    """The installed `consentry blur`, as someone with only the package runs it: no secret
    key, no master key, no database; and its help states the default model's licence."""
    command = Path(sys.executable).with_name("consentry")
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CONSENTRY_", "DJANGO_", "DATABASE_URL"))
    }
    environment["CONSENTRY_FACE_DETECTOR"] = "retinaface"
    done = subprocess.run(
        [command, "blur", photos / "astronaut.png", "--out", tmp_path / "out"],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "astronaut.png: " in done.stdout and "face(s) hidden" in done.stdout
    assert not (tmp_path / "var").exists()  # no database or data folder was made
    helped = subprocess.run(
        [command, "blur", "--help"], env=environment, capture_output=True, text=True, timeout=60
    )
    assert "non-commercial" in helped.stdout and "yunet" in helped.stdout
