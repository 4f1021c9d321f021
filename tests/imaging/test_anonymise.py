"""Anonymising really removes a face's detail, and changes nothing far from it."""

import numpy as np
import pytest

from consentry.imaging import anonymise
from consentry.imaging.anonymise import DEFAULT_PADDING

from .conftest import ASTRONAUT_FACE, detail_energy

X, Y, W, H = ASTRONAUT_FACE


def face(pixels: np.ndarray) -> np.ndarray:
    return pixels[Y : Y + H, X : X + W]


def grey(pixels: np.ndarray) -> np.ndarray:
    return pixels.astype(np.float64).mean(axis=2)


def detail(pixels: np.ndarray) -> np.ndarray:
    """The image minus a local 5x5 mean: the fine structure of eyes, nose and mouth."""
    g = grey(pixels)
    pad = np.pad(g, 2, mode="edge")
    mean = sum(pad[i : i + g.shape[0], j : j + g.shape[1]] for i in range(5) for j in range(5))
    return g - mean / 25


def far_mask(shape, margin: int = 4) -> np.ndarray:
    """Pixels well outside the padded face box."""
    px, py = W * DEFAULT_PADDING + margin, H * DEFAULT_PADDING + margin
    mask = np.ones(shape[:2], dtype=bool)
    mask[max(0, int(Y - py)) : int(Y + H + py) + 1, max(0, int(X - px)) : int(X + W + px) + 1] = (
        False
    )
    return mask


@pytest.mark.parametrize("mode", ["blur", "pixelate", "solid"])
def test_face_detail_is_destroyed(astronaut, mode):
    out = anonymise(astronaut, [ASTRONAUT_FACE], mode=mode)
    before, after = detail_energy(grey(face(astronaut))), detail_energy(grey(face(out)))
    if mode == "pixelate":  # block edges are "detail" too; the face's own detail is gone
        assert after < 0.5 * before
    else:
        assert after < 0.1 * before, (mode, before, after)
    # What remains does not follow the original's features.
    left = detail(face(out)).ravel()
    if left.std() > 0:  # solid leaves no detail at all
        corr = np.corrcoef(detail(face(astronaut)).ravel(), left)[0, 1]
        assert corr < 0.2, corr


def test_blur_is_strong_relative_to_the_face(astronaut):
    out = anonymise(astronaut, [ASTRONAUT_FACE])
    # Effective resolution: about 6 cells along the padded box, so neighbouring pixels
    # inside the face barely differ.
    steps = np.abs(np.diff(grey(face(out)), axis=1))
    assert steps.mean() < 1.5
    assert np.abs(face(out).astype(int) - face(astronaut)).mean() > 10


@pytest.mark.parametrize("mode", ["blur", "pixelate", "solid"])
def test_far_pixels_are_untouched(astronaut, mode):
    out = anonymise(astronaut, [ASTRONAUT_FACE], mode=mode)
    mask = far_mask(astronaut.shape)
    assert (out[mask] == astronaut[mask]).all()
    assert out is not astronaut and (out != astronaut).any()


def test_pixelate_draws_blocks(astronaut):
    out = face(anonymise(astronaut, [ASTRONAUT_FACE], mode="pixelate"))
    colours = {tuple(px) for px in out.reshape(-1, 3)}
    assert len(colours) <= 49  # at most 7x7 blocks touch the face


def test_solid_covers_the_padded_box(astronaut):
    out = anonymise(astronaut, [ASTRONAUT_FACE], mode="solid")
    pad_x, pad_y = int(W * DEFAULT_PADDING), int(H * DEFAULT_PADDING)
    assert (out[Y - pad_y + 1 : Y + H + pad_y - 1, X - pad_x + 1 : X + W + pad_x - 1] == 0).all()


def test_boxes_at_the_edge_and_degenerate_boxes(astronaut):
    out = anonymise(astronaut, [(-20, -20, 60, 60), (500, 500, 50, 50), (10, 10, 0, 5)])
    assert out.shape == astronaut.shape
    assert detail_energy(grey(out[:40, :40])) < 0.1 * detail_energy(grey(astronaut[:40, :40]))


def test_tiny_faces_are_still_hidden():
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 256, (60, 60, 3), dtype=np.uint8)
    out = anonymise(noise, [(25, 25, 8, 9)])
    assert detail_energy(grey(out[25:34, 25:33])) < 0.1 * detail_energy(grey(noise[25:34, 25:33]))


def test_unknown_mode_is_an_error(astronaut):
    with pytest.raises(ValueError):
        anonymise(astronaut, [], mode="swirl")  # type: ignore[arg-type]


def test_boxes_given_as_numpy_floats_are_anonymised_too():
    """Boxes often come from numpy arithmetic (float64 scalars), not Python floats."""
    rgb = np.random.default_rng(1).integers(0, 255, (200, 200, 3), dtype=np.uint8)
    box = tuple(np.asarray([50.0, 50.0, 60.0, 60.0]))

    out = anonymise(rgb, [box])

    assert out[80, 80].tolist() != rgb[80, 80].tolist()
