"""PatternNet and PatternAttribution (Kindermans et al., ICLR 2018; spec/patterns.md): learned signal
directions per neuron of every kernel layer (Linear, Convolution), fitted in one streaming pass, with
iNNvestigate 1.0.8's numerics.

    stats = model.pattern_statistics(batch)      # sums over one batch (the Swift core does the work)
    stats.merge(other)                           # exact: statistics are sums
    patterns = stats.patterns("relu")            # one array per kernel layer, in its kernel's shape
    model.fit_patterns(X_or_batches)             # all of it, with a progress bar on terminals
    model.relevance(R, "pattern_attribution")    # and "pattern_net", everywhere a rule is taken

Patterns travel in liblrp's model archive (Model.write(..., "npz")) and in iNNvestigate's layout,
`np.savez(path, *patterns)` (save_patterns / load_patterns)."""

import ctypes
import os
import sys
from ctypes import byref, c_int32, c_void_p

import numpy as np

from ._capi import check, doubles, integer, lib, path, shape_of, text, INT32
from .errors import LRPArgumentError, LRPShapeError

#: The pattern types (iNNvestigate's): "relu" (= "relu.positive"), "relu.negative", "linear".
PATTERN_TYPES = ("relu", "relu.positive", "relu.negative", "linear")
#: The signal estimators pattern_quality scores.
ESTIMATORS = ("identity", "filter", "linear", "relu", "random")


class PatternStatistics:
    """The sums patterns are computed from, for every kernel layer of one model: merge the statistics of
    disjoint data with `merge` (exactly), save them to merge across processes or machines, and compute the
    patterns with `patterns`."""

    def __init__(self, handle, model):
        self._handle = c_void_p(handle)
        self._model = model

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle is not None and handle.value:
            lib.lrp_pattern_statistics_free(handle)
            self._handle = None

    @property
    def samples(self):
        """The samples seen by the first kernel layer (images × its output positions)."""
        return int(lib.lrp_pattern_statistics_samples(self._handle))

    def merge(self, other):
        """Adds the sums of `other` (statistics of other data for the same model); returns self."""
        if not isinstance(other, PatternStatistics):
            raise LRPArgumentError("merge takes PatternStatistics, got %s" % type(other).__name__, 1)
        check(lib.lrp_pattern_statistics_merge(self._handle, other._handle))
        return self

    def patterns(self, pattern_type="relu"):
        """The patterns of `pattern_type`, one array per kernel layer in model order, each in its kernel's shape."""
        model = self._model
        result = []
        for k, layer in enumerate(model.kernel_layers()):
            shape = kernel_shape(model, layer)
            out = np.empty(shape)
            check(lib.lrp_pattern_statistics_pattern(self._handle, model._handle, text(pattern_type), k, out, out.size))
            result.append(out.astype(model.dtype, copy=False))
        return result

    def save(self, file):
        """Writes the statistics to `file` (an npz; replaced atomically)."""
        check(lib.lrp_pattern_statistics_write(self._handle, path(file)))

    @classmethod
    def load(cls, file, model):
        """Statistics written by `save`, for `model` (checked when patterns are computed)."""
        handle = c_void_p()
        check(lib.lrp_pattern_statistics_read(path(file), byref(handle)))
        return cls(handle.value, model)


def kernel_shape(model, layer):
    """The kernel shape of kernel layer `layer` (a layer index) from its description: Linear m n → (m, n),
    Convolution hf wf df nf … → (hf, wf, df, nf). Read from the header, so W's storage is not exposed."""
    words = model.describe(layer).split()
    if words[0] == "Linear":
        return (int(words[1]), int(words[2]))
    return tuple(int(w) for w in words[1:5])


def kernel_layers(model):
    """The indices of the model's kernel layers (Linear, Convolution), in order."""
    count = c_int32(0)
    check(lib.lrp_model_kernel_layers(model._handle, None, 0, byref(count)))
    out = (ctypes.c_int32 * max(1, count.value))()
    check(lib.lrp_model_kernel_layers(model._handle, ctypes.cast(out, c_void_p), max(1, count.value), byref(count)))
    return [int(out[i]) for i in range(count.value)]


def pattern_statistics(model, batch):
    """The pattern statistics of one batch (one forward pass in the core)."""
    x, single = model._reals(batch)
    handle = c_void_p()
    function = lib.lrp_pattern_statistics_compute_f32 if single else lib.lrp_pattern_statistics_compute
    check(function(model._handle, x, x.ndim, shape_of(x), byref(handle)))
    return PatternStatistics(handle.value, model)


def _batches(data, batch_size):
    """The batches of an array (in slices of batch_size) or of an iterable of batches ((x, y) pairs give x)."""
    if isinstance(data, np.ndarray) or hasattr(data, "__array__") and not hasattr(data, "__next__"):
        data = np.asarray(data)
        if data.ndim < 1 or data.shape[0] == 0:
            raise LRPArgumentError("the data set is empty", 1)
        return (data[i:i + batch_size] for i in range(0, data.shape[0], batch_size)), -(-data.shape[0] // batch_size)
    try:
        iterator = iter(data)
    except TypeError:
        raise LRPArgumentError("data must be an array or an iterable of batches, got %s" % type(data).__name__, 1) from None
    total = len(data) if hasattr(data, "__len__") else None
    return ((item[0] if isinstance(item, tuple) else item) for item in iterator), total


def fit_patterns(model, data, pattern_type="relu", batch_size=256, progress=None):
    """Fits the patterns of `pattern_type` on `data` — an array (split into batches of `batch_size`) or an
    iterable of batches, so that a data set larger than memory streams — sets them as the model's patterns and
    returns them (one array per kernel layer). The statistics stay on the model (`pattern_statistics_fitted`)
    for pattern_quality. A progress bar shows on terminals (progress=None) or when progress is True."""
    batch_size = integer(batch_size, "batch_size", INT32)
    if batch_size < 1:
        raise LRPArgumentError("batch_size is %d; it must be ≥ 1" % batch_size, 1)
    if str(pattern_type).lower() not in PATTERN_TYPES:
        raise LRPArgumentError("unknown pattern type %r (known: %s)" % (pattern_type, ", ".join(PATTERN_TYPES)), 1)
    batches, total = _batches(data, batch_size)
    show = sys.stderr.isatty() if progress is None else bool(progress)
    if show:
        try:
            from tqdm import tqdm
        except ImportError:  # the bar is a convenience: scripts/install-deps.sh installs tqdm
            tqdm = None
        if tqdm is not None:
            batches = tqdm(batches, total=total, desc="fitting patterns", unit="batch", file=sys.stderr)
    statistics = None
    for batch in batches:
        part = pattern_statistics(model, batch)
        statistics = part if statistics is None else statistics.merge(part)
    if statistics is None:
        raise LRPArgumentError("the data set is empty: no batch to fit patterns on", 1)
    check(lib.lrp_model_set_patterns(model._handle, statistics._handle, text(pattern_type)))
    model.pattern_statistics_fitted = statistics
    return patterns(model)


def patterns(model):
    """The model's patterns, one per kernel layer (None where a layer has none)."""
    result = []
    for k, layer in enumerate(kernel_layers(model)):
        shape = kernel_shape(model, layer)
        out = np.empty(shape)
        present = c_int32(0)
        check(lib.lrp_model_pattern(model._handle, k, out, out.size, byref(present)))
        result.append(out.astype(model.dtype, copy=False) if present.value else None)
    return result


def set_patterns(model, values):
    """Sets the model's patterns: one array (or None, clearing) per kernel layer in model order, each in its
    kernel's shape. Nothing changes unless every one fits."""
    layers = kernel_layers(model)
    values = list(values)
    if len(values) != len(layers):
        raise LRPShapeError("%d patterns given; the model has %d kernel layers (Linear, Convolution)"
                            % (len(values), len(layers)), 4)
    checked = []
    for k, (layer, value) in enumerate(zip(layers, values)):
        if value is None:
            checked.append(None)
            continue
        value = doubles(value)
        shape = kernel_shape(model, layer)
        if value.shape != tuple(shape):
            raise LRPShapeError("pattern %d is %s; kernel layer %d (layer %d, %s) has a kernel of shape %s"
                                % (k, value.shape, k, layer, model.describe(layer), tuple(shape)), 4)
        checked.append(value)
    old = patterns(model)
    try:
        for k, value in enumerate(checked):
            _set_one(model, k, value)
    except Exception:
        for k, value in enumerate(old):
            _set_one(model, k, value)
        raise


def _set_one(model, k, value):
    if value is None:
        check(lib.lrp_model_set_pattern(model._handle, k, None, 0))
    else:
        value = doubles(value)
        check(lib.lrp_model_set_pattern(model._handle, k, value.ctypes.data_as(c_void_p), value.size))


def save_patterns(model, file):
    """Writes the model's patterns in iNNvestigate's layout: np.savez(file, *patterns), one array per kernel
    layer in model order, each in its kernel's shape (Dense in×out, Conv2D kh×kw×Cin×Cout)."""
    values = patterns(model)
    missing = [k for k, v in enumerate(values) if v is None]
    if missing:
        from .errors import LRPStateError
        raise LRPStateError("kernel layers %s have no pattern: fit or load patterns first" % missing, 5)
    np.savez(file, *values)


def load_patterns(model, file):
    """Reads patterns from iNNvestigate's layout (an npz of arr_0 … arr_{L−1}, or a list of arrays given
    directly) or from a liblrp model archive holding patterns, and sets them; the count and every shape must
    fit the model's kernel layers. Returns them."""
    if isinstance(file, (list, tuple)):
        values = list(file)
    else:
        with np.load(file, allow_pickle=False) as archive:
            names = list(archive.files)
            if "architecture.json" in names:
                from .model import Model
                values = patterns(Model.read(file))
            else:
                keys = ["arr_%d" % i for i in range(len(names))]
                if sorted(names) != sorted(keys):
                    raise LRPArgumentError("%s holds %s: not iNNvestigate's layout (arr_0 … arr_%d, as np.savez(path, "
                                           "*patterns) writes it) nor a liblrp model archive" % (file, names, len(names) - 1), 1)
                values = [archive[key] for key in keys]
    if any(v is None for v in values):
        raise LRPArgumentError("%s has kernel layers without a pattern" % (file,), 1)
    set_patterns(model, values)
    return patterns(model)


def pattern_quality(model, x, estimator, statistics=None, seed=0, neurons=None):
    """ρ(S) per kernel layer for a signal estimator on held-out data x (seed 003, section 4): a list with one
    array per kernel layer of ρ per neuron (NaN for neurons not scored or constant on x). estimator: "identity"
    (S_x), "filter" (S_w), "linear" (S_a), "relu" (S_a+−) or "random"; the pattern estimators use `statistics`
    (default: those of the model's last fit_patterns). neurons: score at most that many per layer (seeded)."""
    if str(estimator).lower() not in ESTIMATORS and str(estimator) not in ("S_x", "S_w", "S_a", "S_a+-"):
        raise LRPArgumentError("unknown signal estimator %r (known: %s)" % (estimator, ", ".join(ESTIMATORS)), 1)
    if statistics is None:
        statistics = getattr(model, "pattern_statistics_fitted", None)
    seed = integer(seed, "seed", (0, (1 << 64) - 1))
    count = 0 if neurons is None else integer(neurons, "neurons", INT32)
    if neurons is not None and count < 1:
        raise LRPArgumentError("neurons is %d; score at least 1 per layer (or None for all)" % count, 1)
    x = doubles(x)
    sizes = [kernel_shape(model, layer)[-1] for layer in kernel_layers(model)]
    rho = np.empty(sum(sizes))
    check(lib.lrp_pattern_quality(model._handle, x, x.ndim, shape_of(x), text(estimator),
                                  None if statistics is None else statistics._handle, seed, count, rho, rho.size))
    return np.split(rho, np.cumsum(sizes)[:-1])
