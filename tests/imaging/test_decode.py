"""Safe decoding: every kind of bad input ends in ImageRejected; odd colour modes convert."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from consentry.imaging import ImageRejected, Limits, decode_image
from consentry.imaging.decode import pillow_heif

from .conftest import encode


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def png_header_only(width: int, height: int, *, bits: int = 8, colour_type: int = 2) -> bytes:
    """A tiny PNG file that claims to be width x height (a decompression bomb's header)."""
    header = struct.pack(">IIBBBBB", width, height, bits, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + png_chunk(b"IEND", b"")
    )


def rejected(source, **kwargs) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        decode_image(source, **kwargs)
    return caught.value


def test_decodes_jpeg_png_webp_to_rgb(astronaut):
    for fmt in ("JPEG", "PNG", "WEBP"):
        image = decode_image(encode(astronaut, fmt))
        assert image.pixels.shape == (512, 512, 3) and image.pixels.dtype == np.uint8
        assert image.original_size == (512, 512)
        assert np.abs(image.pixels.astype(int) - astronaut).mean() < 6, fmt


@pytest.mark.skipif(pillow_heif is None, reason="pillow-heif is not installed")
def test_decodes_heic(astronaut):
    buffer = io.BytesIO()
    pillow_heif.from_pillow(Image.fromarray(astronaut)).save(buffer, format="HEIF", quality=90)
    image = decode_image(buffer.getvalue())
    assert image.format == "HEIF" and image.size == (512, 512)
    assert np.abs(image.pixels.astype(int) - astronaut).mean() < 8


def test_reads_paths_and_files(tmp_path, astronaut):
    path = tmp_path / "a.png"
    path.write_bytes(encode(astronaut))
    assert decode_image(path).size == (512, 512)
    assert decode_image(str(path)).size == (512, 512)
    with path.open("rb") as handle:
        assert decode_image(handle).size == (512, 512)


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda a: b"", "empty"),
        (lambda a: b"%PDF-1.7 this is not a photo", "not_an_image"),
        (lambda a: encode(a, "GIF"), "not_an_image"),
        (lambda a: encode(a, "JPEG")[:6000], "damaged"),
        (lambda a: encode(a, "JPEG")[:300], "damaged"),
        (lambda a: encode(a, "PNG")[:20000], "damaged"),
        (lambda a: png_header_only(100_000, 100_000), "too_many_pixels"),
        (lambda a: png_header_only(9_000, 8_000), "too_many_pixels"),
    ],
    ids=[
        "empty",
        "pdf",
        "gif",
        "truncated-jpeg",
        "jpeg-header-only",
        "truncated-png",
        "bomb-10G-pixels",
        "bomb-72M-pixels",
    ],
)
def test_bad_input_is_rejected_clearly(astronaut, make, code):
    error = rejected(make(astronaut))
    assert error.code == code
    assert error.message and "/" not in error.message and "Error" not in error.message


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_files_are_refused_whatever_pillow_was_told(astronaut, fmt, monkeypatch):
    """WeasyPrint switches Pillow's LOAD_TRUNCATED_IMAGES on for the whole process."""
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = encode(astronaut, fmt)
    assert rejected(data[: len(data) // 2]).code == "damaged"
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # left as it was


def test_a_small_file_that_decodes_to_too_many_bytes_is_refused_from_its_header():
    """8000 x 7999 is under the pixel limit, but 16-bit RGBA takes 8 bytes a pixel (512 MB):
    refused before any pixel is decoded. The same size at 8-bit RGB (192 MB) is decoded."""
    bomb = png_header_only(8000, 7999, bits=16, colour_type=6)
    assert len(bomb) < 1000
    assert rejected(bomb).code == "too_many_pixels"
    small = Limits(max_decoded_bytes=100 * 100 * 4 * 2 - 1)
    assert rejected(png_header_only(100, 100, bits=16, colour_type=6), limits=small).code == (
        "too_many_pixels"
    )
    assert decode_image(encode(np.zeros((100, 100, 3), np.uint8)), limits=small).size == (100, 100)


def test_corrupt_png_data_is_rejected(astronaut):
    data = bytearray(encode(astronaut, "PNG"))
    data[len(data) // 2] ^= 0xFF
    assert rejected(bytes(data)).code == "damaged"


def test_oversized_file_is_rejected_before_decoding(tmp_path, astronaut):
    data = encode(astronaut, "JPEG")
    path = tmp_path / "big.jpg"
    path.write_bytes(data)
    limits = Limits(max_bytes=len(data) - 1)
    assert rejected(data, limits=limits).code == "file_too_large"
    assert rejected(path, limits=limits).code == "file_too_large"
    assert rejected(io.BytesIO(data), limits=limits).code == "file_too_large"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_animated_images_are_rejected(astronaut, fmt):
    frames = [Image.fromarray(astronaut), Image.fromarray(astronaut[:, ::-1].copy())]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:])
    assert rejected(data).code == "animated"


def test_huge_exif_is_rejected(astronaut):
    exif = Image.Exif()
    exif[0x010E] = "x" * 600_000  # ImageDescription
    assert rejected(encode(astronaut, "PNG", exif=exif.tobytes())).code == "metadata_too_large"


def test_cmyk_is_converted_to_rgb(astronaut):
    image = decode_image(encode(Image.fromarray(astronaut).convert("CMYK"), "JPEG", quality=95))
    assert image.pixels.shape == (512, 512, 3)
    assert np.abs(image.pixels.astype(int) - astronaut).mean() < 12


def test_16_bit_greyscale_is_scaled_not_clipped():
    ramp = np.linspace(0, 65535, 256 * 64).astype(np.uint16).reshape(64, 256)
    image = decode_image(encode(Image.fromarray(ramp)))
    expected = (ramp >> 8).astype(int)
    assert np.abs(image.pixels[:, :, 0].astype(int) - expected).max() <= 1
    assert image.pixels[:, :, 0].max() == 255 and image.pixels[:, :, 0].min() == 0


def test_transparency_becomes_white():
    rgba = np.zeros((32, 32, 4), dtype=np.uint8)  # fully transparent black
    image = decode_image(encode(Image.fromarray(rgba, "RGBA")))
    assert (image.pixels == 255).all()


@pytest.mark.parametrize("mode", ["L", "LA", "P", "1"])
def test_other_modes_become_rgb(astronaut, mode):
    image = decode_image(encode(Image.fromarray(astronaut).convert(mode)))
    assert image.pixels.shape == (512, 512, 3)


def test_exif_orientation_is_applied():
    stored = np.zeros((100, 200, 3), dtype=np.uint8)
    stored[:, :100] = (255, 0, 0)  # left half red, right half blue, as stored
    stored[:, 100:] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view"
    image = decode_image(encode(stored, "JPEG", exif=exif.tobytes(), quality=95))
    assert image.size == (100, 200) and image.original_size == (100, 200)
    top, bottom = image.pixels[20, 50], image.pixels[180, 50]
    assert top[0] > 200 and top[2] < 60  # red is now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_broken_orientation_tag_is_ignored(astronaut):
    exif = Image.Exif()
    exif[0x0112] = 99
    assert decode_image(encode(astronaut, "JPEG", exif=exif.tobytes())).size == (512, 512)


def test_large_jpeg_is_decoded_at_reduced_scale_but_keeps_original_size(astronaut):
    big = Image.fromarray(astronaut).resize((3000, 2000))
    image = decode_image(encode(big, "JPEG"), min_long_side=1000)
    assert image.original_size == (3000, 2000)
    assert 1000 <= image.size[0] < 3000 and image.scale_to_original == pytest.approx(
        3000 / image.size[0]
    )


def test_mpo_photo_uses_its_first_image(astronaut):
    first, second = Image.fromarray(astronaut), Image.fromarray(astronaut[::-1].copy())
    data = encode(first, "MPO", save_all=True, append_images=[second], quality=95)
    assert Image.open(io.BytesIO(data)).format == "MPO"
    image = decode_image(data)
    assert np.abs(image.pixels.astype(int) - astronaut).mean() < 6
