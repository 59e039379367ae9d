"""render against the reference's render.npz."""

import os
import struct
import warnings
import zlib

import numpy as np
import pytest

from conftest import shared
import lrp
from lrp import LRPError, render

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
    for cmap in ["jet", "binary", "gray", "bwr", "seismic", "coolwarm", "hot", "coldnhot", "gray-red", "black-green",
                 "blue-black-yellow", "black-firered", "gray-red2"]:
        rgb = render.hm_to_rgb(R, scaling=1, cmap=cmap)
        assert rgb.shape == (8, 8, 3) and rgb.min() >= 0 and rgb.max() <= 1, cmap
    # bwr: blue at the most negative value, white in the middle, red at the most positive.
    bwr = render.hm_to_rgb(np.array([-1.0, 0.0, 0.0, 1.0]), scaling=1, cmap="bwr").reshape(4, 3)
    assert np.allclose(bwr[0], [0, 0, 1]) and np.allclose(bwr[3], [1, 0, 0]) and bwr[1].min() > 0.99
    # coldnhot as zennit compiles '0ff,00f,80:000,f00,ff0,fff': palette entry k interpolates linearly between the
    # nodes at indices 0, 64 (0 + 128)/2, 128, 170 and 212 (thirds of 128 … 255, truncated) and 255
    nodes = np.array([0, 64, 128, 170, 212, 255])
    colours = np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0], [1, 0, 0], [1, 1, 0], [1, 1, 1]], dtype=float)
    palette = np.stack([np.interp(np.arange(256), nodes, colours[:, c]) for c in range(3)], axis=1)
    values = np.linspace(-1, 1, 1001)
    shown = render.hm_to_rgb(values, shape=(1, 1001), scaling=1, cmap="coldnhot").reshape(-1, 3)
    entries = np.minimum((((values / np.abs(values).max()) + 1) / 2 * 256).astype(int), 255)
    np.testing.assert_allclose(shown, palette[entries], atol=1e-15)
    with pytest.raises(ValueError, match="unknown colour map 'viridis-ish'"):
        render.hm_to_rgb(R, cmap="viridis-ish")


def test_render_sizes_are_checked_before_any_image_is_made():
    R = np.linspace(-1, 1, 64).reshape(8, 8)
    for value in (2 ** 40, -(2 ** 40), 2 ** 32 + 3):
        with pytest.raises(lrp.LRPArgumentError, match="scaling = %d is out of range" % value):
            render.hm_to_rgb(R, scaling=value)
        with pytest.raises(lrp.LRPArgumentError, match="scaling = %d is out of range" % value):
            render.digit_to_rgb(R, scaling=value)
        with pytest.raises(lrp.LRPArgumentError, match="scale = %d is out of range" % value):
            render.text_to_rgb("LRP", value)
    with pytest.raises(lrp.LRPArgumentError, match="scaling must be an integer, got 2.5"):
        render.hm_to_rgb(R, scaling=2.5)
    # In int32 but beyond the library's bound: the library's message, before the image is allocated.
    for value in (2 ** 31 - 1, 0, -3):
        with pytest.raises(lrp.LRPArgumentError, match="scaling must be an integer from 1 to"):
            render.hm_to_rgb(R, scaling=value)
        with pytest.raises(lrp.LRPArgumentError, match="scaling must be an integer from 1 to"):
            render.digit_to_rgb(R, scaling=value)
    assert render.hm_to_rgb(R, scaling=np.int64(2)).shape == (16, 16, 3)


def _toolbox_render():
    """The toolbox drop-in render module (python/toolbox on the path, as toolbox scripts run)."""
    import importlib.util
    import sys
    from conftest import REPOSITORY
    folder = os.path.join(REPOSITORY, "python", "toolbox")
    spec = importlib.util.spec_from_file_location("toolbox_render", os.path.join(folder, "render.py"))
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, folder)  # for its _liblrp_path
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(folder)
    return module


def test_a_batch_is_refused_instead_of_tiled():
    toolbox_render = _toolbox_render()
    assert toolbox_render.hm_to_rgb is render.hm_to_rgb
    one = np.linspace(-1, 1, 64).reshape(8, 8)
    for module in (render, toolbox_render):
        # Four 8×8 maps would silently become one 16×16 image (N×H×W, N×H×W×1, N×D rows of flat maps).
        for batch, pattern in ((np.stack([one] * 4), r"shape \(4, 8, 8\) \(a batch N×H×W with N = 4"),
                               (np.stack([one] * 4)[..., None], r"shape \(4, 8, 8, 1\) \(N×H×W×C with N = 4"),
                               (np.stack([one.ravel()] * 4), r"shape \(4, 64\).*perhaps a batch of 4"),
                               (np.ones((1, 8, 8, 4)), r"N×H×W×C with N = 1, C = 4"),
                               (np.ones((2, 1, 8, 8, 1)), r"shape \(2, 1, 8, 8, 1\)")):
            with pytest.raises(lrp.LRPArgumentError, match=pattern) as error:
                module.hm_to_rgb(batch, scaling=1)
            assert "pass one heatmap per call, e.g. R[i]" in str(error.value)
            assert isinstance(error.value, ValueError)
            with pytest.raises(lrp.LRPArgumentError, match="pass one digit per call"):
                module.digit_to_rgb(batch, scaling=1)
            with pytest.raises(lrp.LRPArgumentError, match="pass one digit per call"):
                module.hm_to_rgb(one, X=batch, scaling=1)
    # One map in any of the toolbox's layouts renders the same image.
    expected = render.hm_to_rgb(one, scaling=2)
    for layout in (one.ravel(), one.reshape(1, 64), one[None], one[..., None], one[None, ..., None],
                   one.reshape(1, 1, 64), one.reshape(1, 64, 1)):
        assert np.array_equal(render.hm_to_rgb(layout, scaling=2), expected), layout.shape
    # A non-square map with its shape given, and a 2-D map reshaped by an explicit shape, still render.
    assert render.hm_to_rgb(np.ones((4, 16)), shape=(4, 16), scaling=1).shape == (4, 16, 3)
    assert render.hm_to_rgb(np.linspace(-1, 1, 64).reshape(2, 32), shape=(8, 8), scaling=1).shape == (8, 8, 3)


def test_an_all_zero_heatmap_warns_once_and_renders_as_before():
    toolbox_render = _toolbox_render()
    zero = np.zeros((8, 8))
    for module in (render, toolbox_render):
        for kwargs in ({}, {"X": np.linspace(0, 1, 64).reshape(8, 8)}, {"normalize": False, "cmap": "bwr"}):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                rgb = module.hm_to_rgb(zero, scaling=2, **kwargs)
            assert [w.category for w in caught] == [UserWarning], [str(w.message) for w in caught]
            assert "relevance is all zero" in str(caught[0].message) and "uniform" in str(caught[0].message)
            assert caught[0].filename == __file__, "the warning points at the caller"
            assert rgb.shape == (16, 16, 3)
    # The tile itself is what it was (the toolbox's uniform colour), and a non-zero map does not warn.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert (render.hm_to_rgb(zero, scaling=1) == 0).all()
        render.hm_to_rgb(np.eye(8) * 1e-300, scaling=1)
        render.digit_to_rgb(zero, scaling=1)
    assert [str(w.message) for w in caught if "all zero" in str(w.message)] == [str(caught[0].message)]
    assert len(caught) == 1


# -- rendering for a person to read ------------------------------------------------------------------------------

def bwr_palette():
    """matplotlib's bwr as a 256-entry table: blue, white at the middle, red; entry k at k/255."""
    k = np.arange(256) / 255
    return np.stack([np.interp(k, [0, .5, 1], c) for c in ([0, 1, 1], [0, 1, 0], [1, 1, 0])], axis=1)


def test_relevance_is_centred_on_zero_in_a_diverging_map():
    R = np.random.RandomState(4).randn(6, 7)
    R[2, 3] = 0.0
    rgb, scale = render.relevance_to_rgb(R, scaling=3, shape=(6, 7), return_scale=True)
    assert scale == np.abs(R).max()
    entries = np.minimum(((R / scale + 1) / 2 * 256).astype(int), 255)
    expected = bwr_palette()[entries].repeat(3, axis=0).repeat(3, axis=1)
    np.testing.assert_allclose(rgb, expected, atol=1e-15)
    assert rgb[2 * 3, 3 * 3].min() > 0.99  # zero relevance is white
    with pytest.raises(LRPError, match="'gray-red' is not one for relevance"):
        render.relevance_to_rgb(R, shape=(6, 7), cmap="gray-red")


@pytest.mark.parametrize("cmap, centre, ink", [("bwr", 1.0, 0.0), ("coldnhot", 0.0, 1.0)])
def test_an_all_zero_relevance_map_says_so(cmap, centre, ink):
    rgb, scale = render.relevance_to_rgb(np.zeros((16, 16)), scaling=4, cmap=cmap, return_scale=True)
    assert scale == 0
    label = render.text_to_rgb("ALL ZERO", 1)  # 64 px: "ALL ZERO" fits at scale 1 (47 px), not at 2 (94 px)
    written = np.all(np.isclose(rgb, ink), axis=-1)
    assert written.sum() == (label[..., 0] < 0.5).sum()
    background = rgb[~written]
    assert np.allclose(background, background[0]) and abs(background[0].mean() - centre) < 0.01
    tiny = render.relevance_to_rgb(np.zeros((3, 3)), scaling=3)  # 9 px: only "0" fits
    assert np.all(np.isclose(tiny, 0.0), axis=-1).sum() == (render.text_to_rgb("0", 1)[..., 0] < 0.5).sum()


def test_inputs_in_their_own_colours():
    x = np.random.RandomState(5).uniform(-1.2, 1.2, (4, 5, 3))
    rgb = render.image_to_rgb(x, low=-1, high=1, scaling=2)
    np.testing.assert_allclose(rgb, np.clip((x + 1) / 2, 0, 1).repeat(2, axis=0).repeat(2, axis=1), atol=1e-15)
    grey = render.image_to_rgb(x[..., 0], low=-1, high=1)
    np.testing.assert_allclose(grey, np.clip((x[..., :1] + 1) / 2, 0, 1).repeat(3, axis=2), atol=1e-15)
    with pytest.raises(LRPError, match="finite low < high"):
        render.image_to_rgb(x, low=1, high=1)
    with pytest.raises(LRPError, match="H×W×3 image"):
        render.image_to_rgb(np.zeros((4, 5, 2)))


def test_overlay_blends_by_opacity():
    rng = np.random.RandomState(6)
    heat, image = rng.rand(5, 4, 3), rng.rand(5, 4, 3)
    np.testing.assert_allclose(render.overlay(heat, image, 0.3), 0.7 * image + 0.3 * heat, rtol=1e-15)
    with pytest.raises(LRPError, match="opacity must be from 0 to 1"):
        render.overlay(heat, image, 1.5)
    with pytest.raises(LRPError, match="one size"):
        render.overlay(heat, image[:4], 0.5)


def test_a_colour_bar_with_its_value_range():
    bar = render.colorbar(-0.0123, 0.0456, length=300, scale=2)
    assert bar.shape == (8 + 18, 300, 3)
    v = np.linspace(-0.0123, 0.0456, 300)
    entries = np.minimum(((v / 0.0456 + 1) / 2 * 256).astype(int), 255)
    np.testing.assert_allclose(bar[:8], np.broadcast_to(bwr_palette()[entries], (8, 300, 3)), atol=1e-15)
    low, high, zero = (render.text_to_rgb(t, 2) for t in ("-0.0123", "0.0456", "0"))
    np.testing.assert_array_equal(bar[8:, :low.shape[1]], low)
    np.testing.assert_array_equal(bar[8:, 300 - high.shape[1]:], high)
    # zero lies at pixel 64, inside the label "-0.0123": it is left out; between the labels all is white
    assert bar[8:, low.shape[1]:300 - high.shape[1]].min() == 1
    bar = render.colorbar(-0.04, 0.05, length=300, scale=2)
    at = int(round(299 * 0.04 / 0.09)) - zero.shape[1] // 2
    np.testing.assert_array_equal(bar[8:, at:at + zero.shape[1]], zero)
    for low_value, high_value, text_low, text_high in [(-2.5e-6, 1234.5, "-2.5E-6", "1230"), (-1, 1e5, "-1", "1E+5"),
                                                       (0, 0.999, "0", "0.999"), (-12.34, 9999.6, "-12.3", "1E+4")]:
        bar = render.colorbar(low_value, high_value, length=200, scale=1)
        np.testing.assert_array_equal(bar[4:, :render.text_to_rgb(text_low, 1).shape[1]], render.text_to_rgb(text_low, 1))
        right = render.text_to_rgb(text_high, 1)
        np.testing.assert_array_equal(bar[4:, 200 - right.shape[1]:], right)
    with pytest.raises(LRPError, match="pixels wide"):
        render.colorbar(-1, 1, length=20)
    with pytest.raises(LRPError, match="low ≤ high"):
        render.colorbar(1, -1)


def test_colour_bar_labels_of_extreme_ranges():
    """Subnormal, tiny and huge ranges are labelled without failing (three significant digits)."""
    for low, high, left, right in [(-5e-324, 5e-324, "-4.94E-324", "4.94E-324"), (-1e-300, 2e-300, "-1E-300", "2E-300"),
                                   (-1.7e308, 1.7e308, "-1.7E+308", "1.7E+308")]:
        bar = render.colorbar(low, high, length=300, scale=1)
        a, b = render.text_to_rgb(left, 1), render.text_to_rgb(right, 1)
        np.testing.assert_array_equal(bar[4:, :a.shape[1]], a)
        np.testing.assert_array_equal(bar[4:, 300 - b.shape[1]:], b)


def test_the_readable_renderers_refuse_or_draw_every_extreme_value():
    """Zeros, subnormals, ±1.7e308, NaN and ±∞ as ranges, relevance, pixels and opacity: each call draws or raises
    LRPError, never traps (the colour bar's label placement and number formatting once did)."""
    extremes = [0.0, -0.0, 5e-324, -5e-324, 1e-300, 1.7e308, -1.7e308, 1.0, -1.0, np.nan, np.inf, -np.inf, -9999.5]
    rng = np.random.RandomState(0)
    drawn = 0
    for low in extremes:
        for high in extremes:
            for length, scale in [(2, 1), (60, 1), (300, 3)]:
                try:
                    bar = render.colorbar(low, high, length=length, scale=scale)
                    assert bar.shape[1] == length and np.all((bar >= 0) & (bar <= 1))
                    drawn += 1
                except LRPError:
                    pass
    assert drawn > 0
    for _ in range(100):
        r = rng.choice(extremes, size=(rng.randint(1, 5), rng.randint(1, 5)))
        rgb = render.relevance_to_rgb(r, scaling=int(rng.randint(1, 12)), shape=r.shape, cmap=str(rng.choice(["bwr", "coldnhot", "jet"])))
        assert np.all((rgb >= 0) & (rgb <= 1))
        x = rng.choice(extremes, size=(3, 4, 3))
        assert np.all(np.isfinite(render.image_to_rgb(x, -1, 1, 2)))
        with pytest.raises(LRPError):
            render.image_to_rgb(x, -1.7e308, np.inf)
