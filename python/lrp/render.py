"""The LRP Toolbox's render module, computed by liblrp (no matplotlib or scikit-image needed): images are
float arrays in [0, 1] of shape H×W×3 until save_image writes them as 8-bit PNG."""

import os
import warnings

import numpy as np

from ._capi import INT32, check, doubles, integer, lib, text
from .errors import LRPArgumentError, LRPMemoryError


def vec2im(V, shape=()):
    """V reshaped to `shape`, or to a square of side int(sqrt(V.size)) when no shape is given."""
    if len(shape) < 2:
        side = int(np.sqrt(np.size(V)))
        shape = [side, side]
    return np.reshape(V, shape)


def enlarge_image(img, scaling=3):
    """Every pixel of an H×W or H×W×D image replicated into a scaling×scaling block."""
    if not isinstance(scaling, (int, np.integer)) or scaling < 1:
        raise LRPArgumentError("scaling factor needs to be an int >= 1, got %r" % (scaling,))
    img = np.asarray(img)
    return np.repeat(np.repeat(img, scaling, axis=0), scaling, axis=1).astype(np.float64)


def repaint_corner_pixels(rgbimg, scaling=3):
    """(Obsolete in the toolbox, kept for compatibility.) The top-left and bottom-right scaling×scaling
    blocks become the mean of the three blocks next to each."""
    rgbimg[0:scaling, 0:scaling, :] = (rgbimg[0, scaling, :] + rgbimg[scaling, 0, :] + rgbimg[scaling, scaling, :]) / 3.0
    rgbimg[-scaling:, -scaling:, :] = (rgbimg[-1, -1 - scaling, :] + rgbimg[-1 - scaling, -1, :] +
                                       rgbimg[-1 - scaling, -1 - scaling, :]) / 3.0
    return rgbimg


def _one_map(values, shape, what):
    """Refuses what the toolbox's vec2im would silently tile or scramble into one square image: a batch of
    several maps (N×H×W, N×H×W×C, or N×D rows of flat maps, N > 1) or several channels (H×W×C, 1×H×W×C with
    C > 1). One map is H×W, H×W×1, 1×H×W, 1×H×W×1, a flat vector D or 1×D (made square by vec2im), or a
    2-D array with an explicit `shape` of its size."""
    array = np.asarray(values)
    dims = array.shape
    hint = ("pass one %s per call, e.g. R[i] of a batch (and sum relevance over the channel axis first, "
            "R[i].sum(axis=-1))" % what if what == "heatmap" else
            "pass one %s per call, e.g. X[i] of a batch (and average colour channels first, X[i].mean(axis=-1))"
            % what)
    if array.ndim >= 5:
        raise LRPArgumentError("render: got a %s of shape %s, expected one H×W map; %s" % (what, dims, hint))
    if array.ndim == 4 and (dims[0] > 1 or dims[-1] > 1):
        raise LRPArgumentError("render: got a %s of shape %s (N×H×W×C with N = %d, C = %d), which would be tiled "
                               "into one image; %s" % (what, dims, dims[0], dims[-1], hint))
    if array.ndim == 3 and dims[0] > 1 and dims[-1] > 1:
        raise LRPArgumentError("render: got a %s of shape %s (a batch N×H×W with N = %d, or H×W×C with C = %d), "
                               "which would be tiled into one image; %s" % (what, dims, dims[0], dims[-1], hint))
    if array.ndim == 2 and len(shape) < 2 and dims[0] > 1 and dims[1] > 1 and dims[0] != dims[1]:
        raise LRPArgumentError("render: got a %s of shape %s, neither one square H×W map nor one flat 1×D map but "
                               "perhaps a batch of %d flat maps, which would be tiled into one square image; %s, or "
                               "give shape=(H, W) for a non-square map" % (what, dims, dims[0], hint))
    return array


def _image(values, shape, what="image"):
    image = doubles(vec2im(_one_map(values, shape, what), shape))
    if image.ndim != 2:
        raise LRPArgumentError("expected values that form an H×W image, got shape %s" % (image.shape,))
    return image


def digit_to_rgb(X, scaling=3, shape=(), cmap='binary'):
    """An input image (intensities) as RGB: reshaped (square unless `shape`), enlarged, coloured."""
    scaling = integer(scaling, "scaling", INT32)
    image = _image(X, shape, "digit")
    h, w = image.shape
    return _render(lib.lrp_render_digit, h, w, scaling, image, h, w, scaling, text(cmap))


def hm_to_rgb(R, X=None, scaling=3, shape=(), sigma=2, cmap='jet', normalize=True):
    """A heatmap as RGB: R reshaped (square unless `shape`); for named colour maps and `normalize`, scaled
    to [-1, 1] by its largest magnitude and shifted to [0, 1]; enlarged and coloured; with X, the Canny
    outline of the enlarged X (with `sigma`) drawn black on top. One heatmap per call: a batch (N×H×W, …,
    N > 1) raises LRPArgumentError instead of being tiled into one image. An all-zero heatmap renders as the
    toolbox's does (a uniform tile) and warns (UserWarning)."""
    scaling = integer(scaling, "scaling", INT32)
    relevance = _image(R, shape, "heatmap")
    h, w = relevance.shape
    outline = None
    if X is not None:
        outline = _image(X, shape, "digit")
        if outline.shape != relevance.shape:
            print('transformed heatmap and data dimension mismatch. data dimensions differ?')
            print('R.shape = ', relevance.shape, 'X.shape = ', outline.shape)
            print('skipping drawing of outline\n')
            outline = None
    rgb = _render(lib.lrp_render_heatmap, h, w, scaling, relevance, h, w,
                  None if outline is None else outline.ctypes.data, scaling, float(sigma), text(cmap),
                  1 if normalize else 0)
    if not relevance.any():
        warnings.warn("render.hm_to_rgb: the relevance is all zero (%d×%d values), so the heatmap is a uniform tile "
                      "that shows nothing; check the initial relevance (the masked output) and the rule" % (h, w),
                      UserWarning, stacklevel=2)
    return rgb


_NO_IMAGE = np.empty(0)


def _render(function, h, w, scaling, *arguments, after=()):
    """Calls a renderer (lrp_render_heatmap, _digit, _image, _relevance; `arguments`: all before the image
    buffer, `after`: those after its capacity) and returns the (h·scaling)×(w·scaling)×3 image. A first call
    with an empty buffer lets the library check the arguments (scaling within its bounds) before the image is
    allocated; its only expected complaint is the buffer's capacity."""
    status = function(*arguments, _NO_IMAGE, 0, *[None] * len(after))
    if status not in (0, 4):  # 4: the buffer is too small, as it must be
        check(status)
    try:
        rgb = np.empty((h * scaling, w * scaling, 3))
    except (MemoryError, ValueError):
        raise LRPMemoryError("render: cannot allocate a %d×%d×3 image (%d×%d at scaling %d)" %
                             (h * scaling, w * scaling, h, w, scaling), 7) from None
    check(function(*arguments, rgb, rgb.size, *after))
    return rgb


def save_image(rgb_images, path, gap=2):
    """Places the images (equal heights) left to right with a black gap of `gap` pixels, writes them as PNG
    (values times 255, truncated to 8 bits), printing the toolbox's "saving image to  <path>", and returns the
    uint8 image."""
    image = None
    for i, rgb in enumerate(rgb_images):
        rgb = np.asarray(rgb, dtype=np.float64)
        if image is None:
            image = rgb
            continue
        if rgb.shape[0] != image.shape[0] or rgb.shape[2] != image.shape[2]:
            print('image', i, 'differs in size. unable to perform horizontal alignment')
            print('expected: Hx_xD = {0}x_x{1}'.format(image.shape[0], image.shape[2]))
            print('got     : Hx_xD = {0}x_x{1}'.format(rgb.shape[0], rgb.shape[2]))
            print('skipping image\n')
            continue
        image = np.hstack((image, np.zeros((image.shape[0], gap, image.shape[2])), rgb))
    if image is None:
        raise LRPArgumentError("save_image needs at least one image")
    image = doubles(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise LRPArgumentError("save_image needs H×W×3 RGB images, got shape %s" % (image.shape,))
    out = np.empty(image.shape, dtype=np.uint8)
    print('saving image to ', path)
    check(lib.lrp_image_write(os.fsencode(path), image, image.shape[0], image.shape[1], out.ctypes.data))
    return out


def text_to_rgb(text, scale=2):
    """A label as an RGB image: black capitals on white in a 5×7 pixel font, each pixel scale×scale."""
    import ctypes
    height, width = ctypes.c_int64(), ctypes.c_int64()
    encoded = str(text).encode("utf-8")
    scale = integer(scale, "scale", INT32)
    check(lib.lrp_render_text(encoded, scale, None, 0, ctypes.byref(height), ctypes.byref(width)))
    rgb = np.empty((height.value, width.value, 3))
    check(lib.lrp_render_text(encoded, scale, rgb.ctypes.data, rgb.size, ctypes.byref(height), ctypes.byref(width)))
    return rgb


def _wrapped(label, width, scale):
    """A label as text lines no wider than `width` pixels where its words allow (a longer word keeps a line of
    its own), stacked and centred: one RGB image."""
    words, lines = label.split(), []
    for word in words:
        if lines and text_to_rgb(lines[-1] + " " + word, scale).shape[1] <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    images = [text_to_rgb(line, scale) for line in lines or [""]]
    out = np.ones((sum(i.shape[0] for i in images) + scale * (len(images) - 1), max(i.shape[1] for i in images), 3))
    y = 0
    for i in images:
        x = (out.shape[1] - i.shape[1]) // 2
        out[y:y + i.shape[0], x:x + i.shape[1]] = i
        y += i.shape[0] + scale
    return out


def grid(rows, column_labels=None, row_labels=None, gap=2, label_scale=2, frame=0.6):
    """Images arranged as a table on white: `rows` is a list of rows, each a list of H×W×3 images (all the
    same size, each drawn at its own size, so its aspect ratio is kept); optional labels above the columns
    (wrapped at spaces to the column's width) and left of the rows. Each column is as wide as its image or its
    label's longest word; `frame` (a grey level, None: none) outlines every image with one pixel, so an image
    with a white background keeps its extent. Returns the H×W×3 image."""
    cells = [[np.asarray(image, dtype=np.float64) for image in row] for row in rows]
    height, width = cells[0][0].shape[:2]
    columns = max(len(row) for row in cells)
    border = 0 if frame is None else 1
    tile_h, tile_w = height + 2 * border, width + 2 * border

    def fit(image, h, w):
        """`image` on a white canvas of h×w (cropped if larger)."""
        canvas = np.ones((h, w, 3))
        canvas[:min(h, image.shape[0]), :min(w, image.shape[1])] = image[:h, :w]
        return canvas

    row_texts = [text_to_rgb(label, label_scale) for label in (row_labels or [])]
    column_texts = [_wrapped(label, tile_w, label_scale) for label in (column_labels or [])]
    left = max([t.shape[1] + 2 * label_scale for t in row_texts] + [0])
    widths = [max(tile_w, column_texts[c].shape[1] + 2 * label_scale if c < len(column_texts) else 0)
              for c in range(columns)]
    starts = [left + sum(widths[:c]) + c * gap for c in range(columns)]
    top = max([t.shape[0] + label_scale for t in column_texts] + [0])
    total_h = top + len(cells) * (tile_h + gap)
    total_w = starts[-1] + widths[-1] + gap
    image = np.ones((total_h, total_w, 3))
    for c, t in enumerate(column_texts[:columns]):
        x = starts[c] + (widths[c] - t.shape[1]) // 2
        image[top - label_scale - t.shape[0]:top - label_scale, x:x + t.shape[1]] = t
    for r, row in enumerate(cells):
        y = top + r * (tile_h + gap)
        if r < len(row_texts):
            t = row_texts[r]
            offset = max(0, (tile_h - t.shape[0]) // 2)
            image[y + offset:y + offset + t.shape[0], :left] = fit(t, t.shape[0], left)
        for c, cell in enumerate(row):
            x = starts[c] + (widths[c] - tile_w) // 2
            if border:
                image[y:y + tile_h, x:x + tile_w] = frame
            image[y + border:y + border + height, x + border:x + border + width] = cell
    return image


# -- rendering for a person to read (beside the toolbox's functions above, which keep their behaviour) ----------

def relevance_to_rgb(R, scaling=1, shape=(), cmap="bwr", return_scale=False):
    """A relevance map centred on zero: R (one H×W map; square unless `shape`) divided by its largest finite
    magnitude, shifted to [0, 1] and coloured with a map for relevance ('bwr', 'seismic', 'coldnhot', 'coolwarm',
    or the toolbox's 'jet'), enlarged by `scaling`. An all-zero map is drawn in the centre colour with "ALL ZERO"
    written across it. With `return_scale`, (image, max|R|)."""
    import ctypes
    scaling = integer(scaling, "scaling", INT32)
    relevance = _image(R, shape, "heatmap")
    h, w = relevance.shape
    scale = ctypes.c_double(0)
    rgb = _render(lib.lrp_render_relevance, h, w, scaling, relevance, h, w, scaling, text(cmap), after=(ctypes.byref(scale),))
    return (rgb, scale.value) if return_scale else rgb


def image_to_rgb(X, low=0.0, high=1.0, scaling=1):
    """An input image in its own colours: X (H×W or H×W×1 grey, H×W×3 RGB) mapped from [low, high] to [0, 1]
    (clamped) and enlarged by `scaling`."""
    x = doubles(X)
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3 or x.shape[2] not in (1, 3):
        raise LRPArgumentError("image_to_rgb needs one H×W, H×W×1 or H×W×3 image, got shape %s" % (x.shape,))
    scaling = integer(scaling, "scaling", INT32)
    h, w, c = x.shape
    arguments = (np.ascontiguousarray(x), h, w, c, float(low), float(high), scaling)
    return _render(lib.lrp_render_image, h, w, scaling, *arguments)


def overlay(heatmap, image, opacity=0.5):
    """A rendered heatmap laid over its rendered image (both H×W×3): (1 − opacity)·image + opacity·heatmap."""
    heat, picture = doubles(heatmap), doubles(image)
    if heat.ndim != 3 or heat.shape[2] != 3 or heat.shape != picture.shape:
        raise LRPArgumentError("overlay needs two H×W×3 images of one size, got %s and %s" % (heat.shape, picture.shape))
    out = np.empty_like(heat)
    check(lib.lrp_render_overlay(heat, picture, heat.shape[0], heat.shape[1], float(opacity), out, out.size))
    return out


def colorbar(low, high, length=256, cmap="bwr", scale=2):
    """A horizontal colour bar `length` pixels long for relevance from `low` to `high` (coloured as
    relevance_to_rgb colours it), with low, 0 and high written below it: an H×length×3 image."""
    import ctypes
    height, width = ctypes.c_int64(), ctypes.c_int64()
    length, scale = integer(length, "length"), integer(scale, "scale", INT32)
    check(lib.lrp_render_colorbar(text(cmap), float(low), float(high), length, scale, None, 0, ctypes.byref(height),
                                  ctypes.byref(width)))
    rgb = np.empty((height.value, width.value, 3))
    check(lib.lrp_render_colorbar(text(cmap), float(low), float(high), length, scale, rgb.ctypes.data, rgb.size,
                                  ctypes.byref(height), ctypes.byref(width)))
    return rgb
