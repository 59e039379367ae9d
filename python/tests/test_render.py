"""render against the reference's render.npz."""

import struct
import zlib

import numpy as np
import pytest

from conftest import shared
from lrp import render

STEP = 1 / 255


def test_digit_and_heatmap_colours():
    golden = np.load(shared("golden/render.npz"))
    digit = render.digit_to_rgb(golden["xs"], scaling=3)
    assert digit.shape == golden["digit_rgb"].shape
    assert np.abs(digit - golden["digit_rgb"]).max() <= STEP
    plain = render.hm_to_rgb(golden["R"], scaling=1)
    assert np.abs(plain - golden["hm_rgb_noedges_scaling1"]).max() <= STEP


def test_heatmap_with_canny_outline():
    golden = np.load(shared("golden/render.npz"))
    ours = render.hm_to_rgb(golden["R"], X=golden["xs"], scaling=3, sigma=2)
    reference = golden["hm_rgb"]
    outline = (reference.sum(axis=2) == 0) | (ours.sum(axis=2) == 0)
    differs = np.abs(ours - reference).max(axis=2) > STEP
    assert not differs[~outline].any(), "colours agree away from the outline"
    assert differs[outline].sum() <= 0.02 * outline.sum(), "at most 2% of outline pixels differ"


def test_saved_image_and_png(tmp_path):
    golden = np.load(shared("golden/render.npz"))
    digit = render.digit_to_rgb(golden["xs"], scaling=3)
    heatmap = render.hm_to_rgb(golden["R"], X=golden["xs"], scaling=3, sigma=2)
    path = tmp_path / "saved.png"
    saved = render.save_image([digit, heatmap], str(path))
    assert saved.dtype == np.uint8 and saved.shape == golden["saved"].shape
    assert np.abs(saved.astype(int) - golden["saved"].astype(int)).max() <= 1
    # Decode our PNG (one IDAT, filter 0) and compare with what save_image returned.
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat = data.index(b"IDAT")
    length = struct.unpack(">I", data[idat - 4:idat])[0]
    raw = zlib.decompress(data[idat + 4:idat + 4 + length])
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(height, 1 + width * 3)
    assert (rows[:, 0] == 0).all()
    assert np.array_equal(rows[:, 1:].reshape(height, width, 3), saved)


def test_image_helpers_and_colour_maps():
    assert render.vec2im(np.arange(16)).shape == (4, 4)
    assert render.vec2im(np.arange(12), shape=(3, 4)).shape == (3, 4)
    big = render.enlarge_image(np.array([[1, 2], [3, 4]]), scaling=2)
    assert np.array_equal(big, [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    R = np.linspace(-1, 1, 64)
    for cmap in ["jet", "binary", "gray", "bwr", "seismic", "coolwarm", "hot", "gray-red", "black-green",
                 "blue-black-yellow", "black-firered", "gray-red2"]:
        rgb = render.hm_to_rgb(R, scaling=1, cmap=cmap)
        assert rgb.shape == (8, 8, 3) and rgb.min() >= 0 and rgb.max() <= 1, cmap
    # bwr: blue at the most negative value, white in the middle, red at the most positive.
    bwr = render.hm_to_rgb(np.array([-1.0, 0.0, 0.0, 1.0]), scaling=1, cmap="bwr").reshape(4, 3)
    assert np.allclose(bwr[0], [0, 0, 1]) and np.allclose(bwr[3], [1, 0, 0]) and bwr[1].min() > 0.99
    with pytest.raises(ValueError, match="unknown colour map 'viridis-ish'"):
        render.hm_to_rgb(R, cmap="viridis-ish")
