"""Bad input through the upload (issue 4, point 8): ~200 malformed files, no server error,
a message for every file, and afterwards rows and files match exactly."""

import random
import struct
import zlib

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from consentry.photos import storage
from consentry.photos.models import Photo
from tests.photos.helpers import encode, upload

BATCH = 20
XHR = {"x-requested-with": "XMLHttpRequest"}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid PNG header claiming billions of pixels, with a tiny compressed body."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * 1024, 9)
    chunks = _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def huge_jpeg(valid: bytes) -> bytes:
    """A real JPEG whose frame header claims 65000 x 65000 pixels."""
    at = valid.index(b"\xff\xc0") + 5
    return valid[:at] + struct.pack(">HH", 65000, 65000) + valid[at + 4 :]


def _samples() -> dict[str, bytes]:
    rng = np.random.default_rng(4)
    picture = Image.fromarray(rng.integers(0, 255, (64, 96, 3), dtype=np.uint8))
    valid = {fmt: encode(picture, fmt) for fmt in ("JPEG", "PNG", "WEBP")}
    frames = [Image.new("RGB", (32, 32), c) for c in ("red", "blue")]
    animated = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100)
    return {**valid, "animated": animated, "bomb": bomb_png(), "huge": huge_jpeg(valid["JPEG"])}


def malformed_files(count: int = 200) -> list[tuple[str, bytes]]:
    """Random bytes, truncations at random offsets, flipped header bytes and the classics."""
    rand = random.Random(4)
    samples = _samples()
    files = [
        ("empty.jpg", b""),
        ("one-byte.png", b"\x89"),
        ("bomb.png", samples["bomb"]),
        ("huge.jpg", samples["huge"]),
        ("animated.webp", samples["animated"]),
        ("text.jpg", b"Dit is geen foto.\n" * 20),
        ("pdf.heic", b"%PDF-1.7\n%%EOF\n"),
    ]
    valid = [(fmt.lower(), samples[fmt]) for fmt in ("JPEG", "PNG", "WEBP")]
    while len(files) < count:
        ext, data = rand.choice(valid)
        kind = rand.randrange(3)
        if kind == 0:
            files.append((f"random-{len(files)}.{ext}", rand.randbytes(rand.randrange(1, 4096))))
        elif kind == 1:
            cut = rand.randrange(1, len(data) - 1)
            files.append((f"truncated-{len(files)}.{ext}", data[:cut]))
        else:
            broken = bytearray(data)
            for _ in range(rand.randrange(1, 4)):
                broken[rand.randrange(0, 64)] = rand.randrange(256)
            files.append((f"corrupt-{len(files)}.{ext}", bytes(broken)))
    return files


def test_two_hundred_malformed_files_give_messages_and_leave_no_orphans(world):
    client = Client()
    client.force_login(world.teacher)
    url = reverse("photos_group", args=[world.group.pk])
    files = malformed_files()
    answers: dict[str, dict] = {}
    for start in range(0, len(files), BATCH):
        batch = [upload(data, name) for name, data in files[start : start + BATCH]]
        response = client.post(url, {"photos": batch}, headers=XHR)
        assert response.status_code in (200, 400)
        answers.update({answer["name"]: answer for answer in response.json()["files"]})
    assert len(answers) == len(files)
    assert all(answer["message"] for answer in answers.values())
    for name in ("empty.jpg", "one-byte.png", "bomb.png", "huge.jpg", "animated.webp", "text.jpg"):
        assert answers[name]["ok"] is False, name
    assert "too many pixels" in answers["bomb.png"]["message"]
    assert answers["empty.jpg"]["message"] == "This file is empty."
    assert "Animated" in answers["animated.webp"]["message"]
    stored = {name for name, answer in answers.items() if answer["ok"]}
    assert set(Photo.objects.values_list("original_name", flat=True)) == stored
    assert sum(1 for name in answers if name.startswith("truncated-")) > 30
    assert storage.orphan_files() == set()
    assert storage.missing_files() == set()
    assert len(storage.stored_names()) == len(stored)
