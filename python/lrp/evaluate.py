"""Which explanation represents the model? Measures from spec/evaluation.md, computed in the library.

    from lrp import evaluate
    res = evaluate.perturbation(nn, X, R, targets=None, region=9, steps=100, order='morf', fill='uniform')
    res.curves   # N×(L+1) scores of the target class, column 0 unperturbed
    res.aopc     # the mean area over the perturbation curve (Samek et al. 2017)

`nn` is a model of this package (`lrp.Model`) or a toolbox-style network (`lrp.modules.Sequential`, graphs).
"""

import ctypes

import numpy as np

from . import _capi
from ._capi import PerturbationOptions, check, integer, lib, text
from .errors import LRPArgumentError

__all__ = ["perturbation", "Perturbation", "flip", "Flip"]


class Perturbation:
    """The result of `perturbation`: `curves` (N×(L+1)), `aopc` (mean over samples), `aopc_per_sample` (N),
    `targets` (N classes scored), `order` (N×L·regions_per_step region indices, numbered row by row, in the
    order replaced) and `replacement` (the values perturbed pixels take, shaped like X)."""

    def __init__(self, curves, aopc_per_sample, targets, order, replacement):
        self.curves = curves
        self.aopc_per_sample = aopc_per_sample
        self.targets = targets
        self.order = order
        self.replacement = replacement

    @property
    def aopc(self):
        """1/(L+1)·Σ_k (s_0 − s_k), averaged over samples."""
        return float(np.mean(self.aopc_per_sample)) if self.aopc_per_sample.size else 0.0

    def __repr__(self):
        return "Perturbation(%d samples, %d steps, AOPC %.6g)" % (self.curves.shape[0], self.curves.shape[1] - 1, self.aopc)


class Flip:
    """The result of `flip`: the model's outputs `before` and `after` (N×classes), each sample's `top` classes
    `top_before` and `top_after` (N×top, best first) and the flipped inputs `X`."""

    def __init__(self, before, after, top_before, top_after, flipped):
        self.before, self.after = before, after
        self.top_before, self.top_after = top_before, top_after
        self.X = flipped

    def __repr__(self):
        changed = int(np.sum(self.top_before[:, 0] != self.top_after[:, 0]))
        return "Flip(%d samples, top class changed for %d)" % (self.before.shape[0], changed)


def _model(nn):
    """The lrp.Model behind `nn` (a Model, or a toolbox-style network holding one)."""
    model = getattr(nn, "_model", nn)
    if not hasattr(model, "_handle"):
        raise LRPArgumentError("expected a model of the lrp package, got %r" % (type(nn).__name__,), 1)
    return model


def _fill_options(options, fill, value):
    """Sets fill, value and the uniform bounds of a PerturbationOptions."""
    options.fill = text(fill)
    if fill == "constant":
        if value is None:
            raise LRPArgumentError("fill='constant' needs a value", 1)
        options.value = float(value)
    elif fill == "uniform" and value is not None:
        try:
            low, high = value
        except (TypeError, ValueError):
            raise LRPArgumentError("fill='uniform' takes value=(low, high), got %r" % (value,), 1) from None
        options.low, options.high = float(low), float(high)


def _address(array):
    return array.ctypes.data_as(ctypes.c_void_p)


def flip(nn, X, mask, fill="invert", value=None, top=5, seed=0):
    """Masked flipping (VisLRPDesigner 2.4): the pixels of X (N×H×W×C) where `mask` (N×H×W, or H×W for every
    sample; true flips) is set are replaced in all channels — 'invert' (×−1), 'constant' (`value`), 'mean' or
    'uniform' (`value` = (low, high)) — and the model's outputs and `top` classes before and after returned."""
    model = _model(nn)
    x = np.ascontiguousarray(X, dtype=np.float64)
    if x.ndim != 4:
        raise LRPArgumentError("X must be N×H×W×C, got shape %s" % (x.shape,), 1)
    flags = np.ascontiguousarray(np.asarray(mask).astype(bool), dtype=np.uint8)
    if flags.shape not in (x.shape[:3], x.shape[1:3]):
        raise LRPArgumentError("mask of shape %s does not fit images %s (give N×H×W or H×W)" % (flags.shape, x.shape), 1)
    options = PerturbationOptions()
    lib.lrp_perturbation_options_init(ctypes.byref(options))
    _fill_options(options, fill, value)
    options.seed = integer(seed, "seed", (0, (1 << 64) - 1))
    k = integer(top, "top")
    classes = int(np.prod(model.output_shape(x.shape))) // max(1, x.shape[0])
    before = np.empty((x.shape[0], classes))
    after = np.empty_like(before)
    top_before = np.empty((x.shape[0], max(k, 0)), dtype=np.int32)
    top_after = np.empty_like(top_before)
    flipped = np.empty_like(x)
    check(lib.lrp_flip(model._handle, x, x.ndim, _capi.shape_of(x), _address(flags), flags.size, ctypes.byref(options),
                       k, before, after, before.size, _address(top_before), _address(top_after), top_before.size,
                       _address(flipped), flipped.size))
    return Flip(before, after, top_before.astype(np.int64), top_after.astype(np.int64), flipped)


def perturbation(nn, X, R, targets=None, region=9, steps=100, order="morf", fill="uniform", value=None,
                 regions_per_step=1, seed=0, probabilities=False, batch_size=None):
    """Region perturbation of the images X (N×H×W×C) in the order their relevance R (N×H×W×C or N×H×W) gives:
    `region`×`region` regions (1: pixel flipping), `steps` steps of `regions_per_step` regions each, order 'morf'
    (most relevant first), 'lerf' or 'random' (seeded), fill 'uniform' (noise in `value` = (low, high), default the
    batch's input range, seeded), 'constant' (`value`), 'mean' (each image's per-channel mean) or 'invert'
    (×−1). `targets` None scores each sample's top class; scores are logits (the input of a final SoftMax)
    unless `probabilities`. All N·(L+1) perturbed inputs run through the model inside the library."""
    model = _model(nn)
    x = np.ascontiguousarray(X, dtype=np.float64)
    if x.ndim != 4:
        raise LRPArgumentError("X must be N×H×W×C, got shape %s" % (x.shape,), 1)
    r = np.ascontiguousarray(R, dtype=np.float64)
    n = x.shape[0]
    options = PerturbationOptions()
    lib.lrp_perturbation_options_init(ctypes.byref(options))
    options.region = integer(region, "region", _capi.INT64)
    options.steps = integer(steps, "steps", _capi.INT64)
    options.regions_per_step = integer(regions_per_step, "regions_per_step", _capi.INT64)
    options.order = text(order)
    _fill_options(options, fill, value)
    options.seed = integer(seed, "seed", (0, (1 << 64) - 1))
    options.probabilities = 1 if probabilities else 0
    options.batch_size = 0 if batch_size is None else integer(batch_size, "batch_size", (1, (1 << 31) - 1))
    if targets is not None:
        wanted = np.asarray(_capi.integers(np.ravel(targets), "targets"), dtype=np.int32)
        if wanted.size != n:
            raise LRPArgumentError("%d targets for %d samples" % (wanted.size, n), 1)
        target_pointer = wanted.ctypes.data_as(ctypes.c_void_p)
    else:
        wanted, target_pointer = None, None
    if steps < 1 or regions_per_step < 1:
        raise LRPArgumentError("steps and regions_per_step must be at least 1, got %r and %r" % (steps, regions_per_step), 1)
    curves = np.empty((n, steps + 1), dtype=np.float64)
    aopc = np.empty(n, dtype=np.float64)
    order_out = np.empty((n, steps * regions_per_step), dtype=np.int32)
    replacement = np.empty(x.shape, dtype=np.float64)
    scored = np.empty(n, dtype=np.int32)
    address = _address
    check(lib.lrp_perturbation(model._handle, x, x.ndim, _capi.shape_of(x), r, r.size, target_pointer,
                               ctypes.byref(options), curves, curves.size, address(aopc), aopc.size, address(order_out),
                               order_out.size, address(replacement), replacement.size, address(scored), scored.size))
    return Perturbation(curves, aopc, scored.astype(np.int64), order_out, replacement)
