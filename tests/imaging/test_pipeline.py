"""The whole path: metadata gone, orientation applied, size capped, faces hidden."""

import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from consentry.imaging import blur_photo, load, render

from .conftest import ASTRONAUT_FACE, detail_energy, encode, iou

SECRETS = (b"52 deg", b"Secret caption", b"Juf Anna", b"child-name-xmp", b"Photoshop 3.0")


def jpeg_markers(data: bytes) -> list[int]:
    """The marker bytes of every segment before the image data (SOS)."""
    assert data[:2] == b"\xff\xd8"
    markers, pos = [], 2
    while pos < len(data):
        assert data[pos] == 0xFF
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return markers


def with_iptc(jpeg: bytes, caption: bytes) -> bytes:
    """Insert an IPTC caption (Photoshop APP13), which Pillow cannot write itself."""
    record = b"\x1c\x02\x78" + len(caption).to_bytes(2, "big") + caption
    resource = b"8BIM\x04\x04\x00\x00" + len(record).to_bytes(4, "big") + record
    payload = b"Photoshop 3.0\x00" + resource
    segment = b"\xff\xed" + (len(payload) + 2).to_bytes(2, "big") + payload
    return jpeg[:2] + segment + jpeg[2:]


@pytest.fixture
def tagged_jpeg(astronaut) -> bytes:
    """The astronaut with EXIF (camera, GPS), XMP, an ICC profile, a comment and IPTC."""
    exif = Image.Exif()
    exif[0x010F] = "Juf Anna's phone"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 1.0), 3: "E", 4: (4.0, 53.0, 2.0)}  # GPS
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
        b'02/22-rdf-syntax-ns#"><rdf:Description dc:title="child-name-xmp" xmlns:dc="http:'
        b'//purl.org/dc/elements/1.1/"/></rdf:RDF></x:xmpmeta>'
    )
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(
        astronaut, "JPEG", exif=exif.tobytes(), xmp=xmp, icc_profile=icc, comment=b"52 deg N"
    )
    data = with_iptc(data, b"Secret caption")
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(0x8825)[1] == "N"
    assert {"exif", "xmp", "icc_profile", "comment"} <= set(source.info)
    return data


def test_output_has_no_metadata(tagged_jpeg):
    out = blur_photo(tagged_jpeg).jpeg
    markers = jpeg_markers(out)
    assert not [m for m in markers if 0xE1 <= m <= 0xEF], "APP1..APP15 (EXIF, XMP, ICC, IPTC)"
    assert 0xFE not in markers, "comment"
    assert out.endswith(b"\xff\xd9")  # nothing trailing after the image
    for secret in SECRETS:
        assert secret not in out
    image = Image.open(io.BytesIO(out))
    assert image.format == "JPEG"
    assert not set(image.info) & {"exif", "xmp", "icc_profile", "comment", "photoshop"}
    assert len(image.getexif()) == 0


def test_orientation_is_applied_and_boxes_are_upright(astronaut):
    upright = astronaut[:400]  # 512 wide, 400 high: a rotation shows in the size
    stored = np.ascontiguousarray(np.rot90(upright))  # turned a quarter anticlockwise
    exif = Image.Exif()
    exif[0x0112] = 6  # a viewer turns it a quarter clockwise again
    result = blur_photo(encode(stored, "JPEG", exif=exif.tobytes(), quality=95))
    out = Image.open(io.BytesIO(result.jpeg))
    assert out.size == (512, 400) and result.original_size == (512, 400)
    assert 0x0112 not in out.getexif()
    face = result.faces[0]
    assert iou((face.x, face.y, face.w, face.h), ASTRONAUT_FACE) > 0.6
    pixels = np.asarray(out).astype(int)
    assert np.abs(pixels[250:, :] - upright[250:, :]).mean() < 6  # the bottom is the bottom


def test_faces_are_hidden_end_to_end(astronaut):
    result = blur_photo(encode(astronaut))
    out = np.asarray(Image.open(io.BytesIO(result.jpeg))).astype(np.float64)
    x, y, w, h = ASTRONAUT_FACE
    before = detail_energy(astronaut[y : y + h, x : x + w].mean(axis=2))
    after = detail_energy(out[y : y + h, x : x + w].mean(axis=2))
    assert after < 0.1 * before
    # Far from the face only JPEG rounding differs.
    assert np.abs(out[350:, :] - astronaut[350:, :]).mean() < 4


@pytest.mark.parametrize("mode", ["pixelate", "solid"])
def test_other_modes_end_to_end(astronaut, mode):
    result = blur_photo(encode(astronaut), mode=mode)
    assert len(result.faces) >= 1 and Image.open(io.BytesIO(result.jpeg)).size == (512, 512)


@pytest.mark.parametrize(
    ("size", "max_side", "expected"),
    [
        ((3000, 1200), 2048, (2048, 819)),
        ((3000, 1200), 1000, (1000, 400)),
        ((1200, 3000), 2048, (819, 2048)),
        ((300, 200), 2048, (300, 200)),  # never enlarged
    ],
)
def test_max_size_is_respected(size, max_side, expected):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (size[1] // 10, size[0] // 10, 3), dtype=np.uint8)
    photo = Image.fromarray(pixels).resize(size)
    result = blur_photo(encode(photo, "JPEG"), max_side=max_side)
    assert Image.open(io.BytesIO(result.jpeg)).size == expected == result.output_size
    assert result.original_size == size


def test_render_hides_only_the_faces_it_is_given(astronaut):
    image = load(encode(astronaut))
    jpeg, _ = render(image, [])
    out = np.asarray(Image.open(io.BytesIO(jpeg))).astype(int)
    x, y, w, h = ASTRONAUT_FACE
    assert np.abs(out[y : y + h, x : x + w] - astronaut[y : y + h, x : x + w]).mean() < 4


def test_the_engine_knows_nothing_of_django():
    package = Path(__file__).resolve().parents[2] / "consentry" / "imaging"
    for path in package.glob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*(from|import)\s+django\b", text, re.M), path.name
