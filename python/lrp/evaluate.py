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

__all__ = ["perturbation", "Perturbation", "flip", "Flip", "localization", "Localization", "LocalizationStatistics",
           "ChannelStatistics", "occlusion", "Occlusion"]


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


class ChannelStatistics:
    """Per sample and channel of a layer (N×C): `positive` and `negative` relevance sums and `activation` sums —
    VisLRPDesigner's three neuron charts. `ranking(by)` sorts channels ('positive', 'negative', 'activation' or
    'share', the relevance share Σ R / Σ |R| of CRP) over the batch, largest first."""

    def __init__(self, positive, negative, activation):
        self.positive, self.negative, self.activation = positive, negative, activation

    def ranking(self, by="positive"):
        """Channel indices sorted by the batch total of `by`, largest first."""
        if by == "share":
            total = self.positive + self.negative
            values = total.sum(axis=0) / max(1e-300, float(np.sum(np.abs(self.positive) + np.abs(self.negative))))
        elif by in ("positive", "negative", "activation"):
            values = getattr(self, by).sum(axis=0)
            if by == "negative":
                values = -values
        else:
            raise LRPArgumentError("ranking by %r: use 'positive', 'negative', 'activation' or 'share'" % (by,), 1)
        return np.argsort(-values, kind="stable")

    def __repr__(self):
        return "ChannelStatistics(%d samples × %d channels)" % self.positive.shape


class Flip:
    """The result of `flip`: the scores `before` and `after` (N×classes), each sample's `top` classes
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


def flip(nn, X, mask, fill="invert", value=None, top=5, seed=0, probabilities=False):
    """Masked flipping (VisLRPDesigner 2.4): the pixels of X (N×H×W×C) where `mask` (N×H×W, or H×W for every
    sample; true flips) is set are replaced in all channels — 'invert' (×−1), 'constant' (`value`), 'mean' or
    'uniform' (`value` = (low, high)) — and the scores (logits, the input of a final SoftMax, or with
    `probabilities` the model's output) and `top` classes before and after returned."""
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
    options.probabilities = 1 if probabilities else 0
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


class LocalizationStatistics:
    """Sums over a data set of localization scores (spec/evaluation.md), additive: `a.merge(b)` gives exactly the
    statistics of both sets, so disjoint batches or machines combine. Means leave out samples without positive
    relevance (μ = NaN; counted in `undefined`)."""

    BINS = 100

    def __init__(self):
        self.count = 0
        self.undefined = 0
        self.sum_mu = 0.0
        self.sum_mu_w = 0.0
        self.sum_inside = 0.0
        self.sum_mu_25, self.count_25 = 0.0, 0
        self.sum_mu_50, self.count_50 = 0.0, 0
        self.bin_sums = np.zeros(self.BINS)
        self.bin_counts = np.zeros(self.BINS, dtype=np.int64)

    @classmethod
    def of(cls, mu, mu_w, inside):
        """The statistics of per-sample scores."""
        s = cls()
        mu, mu_w, inside = (np.asarray(a, dtype=np.float64).reshape(-1) for a in (mu, mu_w, inside))
        defined = ~np.isnan(mu)
        s.undefined = int(np.sum(~defined))
        s.count = int(np.sum(defined))
        s.sum_mu = float(np.sum(mu[defined]))
        s.sum_mu_w = float(np.sum(mu_w[defined]))
        s.sum_inside = float(np.sum(inside[defined]))
        small, half = defined & (inside <= 0.25), defined & (inside <= 0.5)
        s.sum_mu_25, s.count_25 = float(np.sum(mu[small])), int(np.sum(small))
        s.sum_mu_50, s.count_50 = float(np.sum(mu[half])), int(np.sum(half))
        bins = np.minimum((inside[defined] * cls.BINS).astype(np.int64), cls.BINS - 1)
        s.bin_sums = np.bincount(bins, weights=mu[defined], minlength=cls.BINS)
        s.bin_counts = np.bincount(bins, minlength=cls.BINS)
        return s

    def merge(self, other):
        """These statistics and `other`'s together (a new object)."""
        out = LocalizationStatistics()
        for name in ("count", "undefined", "sum_mu", "sum_mu_w", "sum_inside", "sum_mu_25", "count_25", "sum_mu_50",
                     "count_50"):
            setattr(out, name, getattr(self, name) + getattr(other, name))
        out.bin_sums = self.bin_sums + other.bin_sums
        out.bin_counts = self.bin_counts + other.bin_counts
        return out

    @staticmethod
    def _mean(total, count):
        return total / count if count else float("nan")

    @property
    def mean_mu(self):
        """Mean μ."""
        return self._mean(self.sum_mu, self.count)

    @property
    def mean_mu_w(self):
        """Mean μ_w."""
        return self._mean(self.sum_mu_w, self.count)

    @property
    def mu_25(self):
        """Mean μ over samples whose inside covers at most 25 % of the image (μ_≤0.25)."""
        return self._mean(self.sum_mu_25, self.count_25)

    @property
    def mu_50(self):
        """Mean μ over samples whose inside covers at most half of the image (μ_≤0.5)."""
        return self._mean(self.sum_mu_50, self.count_50)

    @property
    def mu_by_size(self):
        """Mean μ in each of 100 equal bins of S_in/S_tot (NaN where a bin is empty)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.bin_counts > 0, self.bin_sums / np.maximum(self.bin_counts, 1), np.nan)

    @property
    def uniform_mu(self):
        """The uniform attribution's mean μ: the mean S_in/S_tot (its μ_w is 1)."""
        return self._mean(self.sum_inside, self.count)

    def __repr__(self):
        return ("LocalizationStatistics(%d samples, %d undefined: mean μ %.4g, μ_w %.4g, μ≤0.25 %.4g, μ≤0.5 %.4g; "
                "uniform μ %.4g)" % (self.count, self.undefined, self.mean_mu, self.mean_mu_w, self.mu_25, self.mu_50,
                                     self.uniform_mu))


class Localization:
    """Per-sample localization scores `mu`, `mu_w` and `inside` (S_in/S_tot), and their `statistics`."""

    def __init__(self, mu, mu_w, inside):
        self.mu, self.mu_w, self.inside = mu, mu_w, inside
        self.statistics = LocalizationStatistics.of(mu, mu_w, inside)

    def __getattr__(self, name):
        # mean_mu, mean_mu_w, mu_25, mu_50, mu_by_size, uniform_mu, undefined come from the statistics.
        if name == "statistics":
            raise AttributeError(name)
        return getattr(self.statistics, name)

    def __repr__(self):
        return repr(self.statistics).replace("LocalizationStatistics", "Localization", 1)


def _box_rows(boxes, n):
    """The (sample, top, left, bottom, right) rows of per-sample boxes: a list of N entries, each one box
    (top, left, bottom, right) or a k×4 array of boxes."""
    try:
        per_sample = [np.asarray(b, dtype=np.int64).reshape(-1, 4) for b in boxes]
    except (TypeError, ValueError):
        raise LRPArgumentError("boxes must hold, per sample, (top, left, bottom, right) boxes", 1) from None
    if len(per_sample) != n:
        raise LRPArgumentError("boxes for %d samples, the relevance has %d" % (len(per_sample), n), 1)
    lengths = np.array([len(b) for b in per_sample], dtype=np.int64)
    if np.any(lengths == 0):
        raise LRPArgumentError("sample %d has no box" % int(np.argmax(lengths == 0)), 1)
    rows = np.concatenate(per_sample, axis=0)
    samples = np.repeat(np.arange(n, dtype=np.int64), lengths)
    return np.ascontiguousarray(np.column_stack([samples, rows]), dtype=np.int64)


def localization(R, boxes):
    """Kohlbrenner et al.'s μ and μ_w of relevance R (N×H×W×C or N×H×W) against `boxes` (per sample one
    (top, left, bottom, right) box or a k×4 array of them; bottom/right exclusive; several are united)."""
    r = np.asarray(R)
    if r.dtype != np.float32:
        r = np.ascontiguousarray(r, dtype=np.float64)
    else:
        r = np.ascontiguousarray(r)
    if r.ndim not in (3, 4):
        raise LRPArgumentError("R must be N×H×W×C or N×H×W, got shape %s" % (r.shape,), 1)
    n = r.shape[0]
    rows = _box_rows(boxes, n)
    mu, mu_w, inside = np.empty(n), np.empty(n), np.empty(n)
    function = lib.lrp_localization_f32 if r.dtype == np.float32 else lib.lrp_localization
    check(function(r, r.ndim, _capi.shape_of(r), rows, rows.shape[0], mu, mu_w, inside, n))
    return Localization(mu, mu_w, inside)


class Occlusion:
    """The result of `occlusion`: per sample, `inside` = f_t(x) − f_t(x with the boxes' inside replaced) and
    `outside` = the same with the outside replaced, `targets` and `inside_fraction` (S_in/S_tot)."""

    def __init__(self, inside, outside, targets, inside_fraction):
        self.inside, self.outside = inside, outside
        self.targets, self.inside_fraction = targets, inside_fraction

    def __repr__(self):
        return "Occlusion(%d samples: mean Δf inside %.4g, outside %.4g)" % (self.inside.size, np.mean(self.inside),
                                                                          np.mean(self.outside))


def box_masks(boxes, height, width):
    """N×H×W masks of the union of each sample's boxes ((top, left, bottom, right), bottom/right exclusive)."""
    rows = _box_rows(boxes, len(boxes))
    if np.any(rows[:, 1:] < 0) or np.any(rows[:, 3] > height) or np.any(rows[:, 4] > width) or \
            np.any(rows[:, 1] >= rows[:, 3]) or np.any(rows[:, 2] >= rows[:, 4]):
        bad = int(np.argmax((rows[:, 1:] < 0).any(axis=1) | (rows[:, 3] > height) | (rows[:, 4] > width) |
                            (rows[:, 1] >= rows[:, 3]) | (rows[:, 2] >= rows[:, 4])))
        raise LRPArgumentError("box %s of sample %d is empty or outside the %d×%d image" %
                               (tuple(rows[bad, 1:].tolist()), int(rows[bad, 0]), height, width), 1)
    masks = np.zeros((len(boxes), height, width), dtype=bool)
    for sample, top, left, bottom, right in rows:
        masks[sample, top:bottom, left:right] = True
    return masks


def occlusion(nn, X, boxes, targets=None, fill="constant", value=0.0, seed=0, probabilities=False):
    """Object-vs-context occlusion (Kohlbrenner et al. 2020, section 3.1): the drop of the target score when the
    inside of each sample's boxes is replaced by a fill (as `flip` takes it; default the constant 0), and when
    the outside is. `targets` None: each sample's top class."""
    x = np.asarray(X, dtype=np.float64)
    if x.ndim != 4:
        raise LRPArgumentError("X must be N×H×W×C, got shape %s" % (x.shape,), 1)
    masks = box_masks(boxes, x.shape[1], x.shape[2])
    inside = flip(nn, x, masks, fill=fill, value=value, top=1, seed=seed, probabilities=probabilities)
    outside = flip(nn, x, ~masks, fill=fill, value=value, top=1, seed=seed, probabilities=probabilities)
    n = x.shape[0]
    chosen = inside.top_before[:, 0] if targets is None else np.asarray(_capi.integers(np.ravel(targets), "targets"))
    if chosen.size != n:
        raise LRPArgumentError("%d targets for %d samples" % (chosen.size, n), 1)
    if np.any(chosen < 0) or np.any(chosen >= inside.before.shape[1]):
        raise LRPArgumentError("targets must be classes 0 … %d" % (inside.before.shape[1] - 1), 1)
    index = np.arange(n)
    base = inside.before[index, chosen]
    return Occlusion(base - inside.after[index, chosen], base - outside.after[index, chosen], chosen.astype(np.int64),
                     masks.reshape(n, -1).mean(axis=1))
