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

__all__ = ["perturbation", "Perturbation"]


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


def _model(nn):
    """The lrp.Model behind `nn` (a Model, or a toolbox-style network holding one)."""
    model = getattr(nn, "_model", nn)
    if not hasattr(model, "_handle"):
        raise LRPArgumentError("expected a model of the lrp package, got %r" % (type(nn).__name__,), 1)
    return model


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

    def address(array):
        return array.ctypes.data_as(ctypes.c_void_p)

    check(lib.lrp_perturbation(model._handle, x, x.ndim, _capi.shape_of(x), r, r.size, target_pointer,
                               ctypes.byref(options), curves, curves.size, address(aopc), aopc.size, address(order_out),
                               order_out.size, address(replacement), replacement.size, address(scored), scored.size))
    return Perturbation(curves, aopc, scored.astype(np.int64), order_out, replacement)
