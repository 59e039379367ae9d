"""The LRP Toolbox's render module, computed by liblrp (no matplotlib or scikit-image needed): images are
float arrays in [0, 1] of shape H×W×3 until save_image writes them as 8-bit PNG."""

import os

import numpy as np

from ._capi import check, doubles, lib, text
from .errors import LRPArgumentError


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


def _image(values, shape):
    image = doubles(vec2im(values, shape))
    if image.ndim != 2:
        raise LRPArgumentError("expected values that form an H×W image, got shape %s" % (image.shape,))
    return image


def digit_to_rgb(X, scaling=3, shape=(), cmap='binary'):
    """An input image (intensities) as RGB: reshaped (square unless `shape`), enlarged, coloured."""
    image = _image(X, shape)
    h, w = image.shape
    rgb = np.empty((h * scaling, w * scaling, 3))
    check(lib.lrp_render_digit(image, h, w, int(scaling), text(cmap), rgb, rgb.size))
    return rgb


def hm_to_rgb(R, X=None, scaling=3, shape=(), sigma=2, cmap='jet', normalize=True):
    """A heatmap as RGB: R reshaped (square unless `shape`); for named colour maps and `normalize`, scaled
    to [-1, 1] by its largest magnitude and shifted to [0, 1]; enlarged and coloured; with X, the Canny
    outline of the enlarged X (with `sigma`) drawn black on top."""
    relevance = _image(R, shape)
    h, w = relevance.shape
    outline = None
    if X is not None:
        outline = _image(X, shape)
        if outline.shape != relevance.shape:
            print('transformed heatmap and data dimension mismatch. data dimensions differ?')
            print('R.shape = ', relevance.shape, 'X.shape = ', outline.shape)
            print('skipping drawing of outline\n')
            outline = None
    rgb = np.empty((h * scaling, w * scaling, 3))
    check(lib.lrp_render_heatmap(relevance, h, w, None if outline is None else outline.ctypes.data, int(scaling),
                                 float(sigma), text(cmap), 1 if normalize else 0, rgb, rgb.size))
    return rgb


def save_image(rgb_images, path, gap=2):
    """Places the images (equal heights) left to right with a black gap of `gap` pixels, writes them as PNG
    (values times 255, truncated to 8 bits) and returns the uint8 image."""
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
    check(lib.lrp_image_write(os.fsencode(path), image, image.shape[0], image.shape[1], out.ctypes.data))
    return out
