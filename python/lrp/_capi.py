"""The C interface of liblrp, declared once: finding and loading the library, every function's signature,
and the translation of a failed status into an exception. Nothing here computes; it only marshals.

The library is looked for, in this order:
  1. the path in the environment variable LRP_LIBRARY;
  2. liblrp.so in this package's folder (where `pip install` puts it);
  3. the release build of the repository this package sits in (<repository>/.build/release/liblrp.so).
"""

import ctypes
import numbers
import os
from ctypes import POINTER, c_char_p, c_double, c_int32, c_int64, c_void_p

import numpy as np

from .errors import BY_STATUS, LRPArgumentError, LRPError

#: The major version of the C interface this package is written against (LRP_VERSION_MAJOR).
ABI_MAJOR = 1
#: The smallest minor version that has every function declared below.
ABI_MINOR = 10

_HERE = os.path.dirname(os.path.abspath(__file__))


def candidate_paths():
    """The places searched for liblrp.so, in order."""
    places = []
    if os.environ.get("LRP_LIBRARY"):
        places.append(os.environ["LRP_LIBRARY"])
    places.append(os.path.join(_HERE, "liblrp.so"))
    places.append(os.path.join(os.path.dirname(os.path.dirname(_HERE)), ".build", "release", "liblrp.so"))
    return places


def _load():
    tried = []
    for path in candidate_paths():
        if not os.path.exists(path):
            tried.append("%s (not found)" % path)
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as error:
            tried.append("%s (%s)" % (path, error))
    raise ImportError("liblrp.so not found. Tried:\n  " + "\n  ".join(tried) +
                      "\nBuild it with `swift build -c release` in the repository, install the package with "
                      "`pip install ./python`, or point LRP_LIBRARY at it.")


lib, library_path = _load()

lib.lrp_version.restype = c_char_p
lib.lrp_version.argtypes = []
version = lib.lrp_version().decode()
_major, _minor = (int(part) for part in version.split(".")[:2])
if _major != ABI_MAJOR or _minor < ABI_MINOR:
    raise ImportError("%s is version %s; this package needs %d.%d or a later %d.x" %
                      (library_path, version, ABI_MAJOR, ABI_MINOR, ABI_MAJOR))

class TrainingEvent(ctypes.Structure):
    """lrp_training_event."""
    _fields_ = [("kind", c_int32), ("iteration", c_int64), ("iterations", c_int64), ("loss", c_double),
                ("accuracy", c_double), ("learning_rate", c_double), ("elapsed_seconds", c_double),
                ("remaining_seconds", c_double), ("message", c_char_p)]


TRAINING_CALLBACK = ctypes.CFUNCTYPE(c_int32, POINTER(TrainingEvent), c_void_p)
BATCH_TRANSFORM = ctypes.CFUNCTYPE(c_int32, POINTER(c_double), c_int32, POINTER(c_int64), c_void_p)


class TrainingOptions(ctypes.Structure):
    """lrp_training_options (fill with lrp_training_options_init)."""
    _fields_ = [("size", c_int64), ("batch_size", c_int64), ("iterations", c_int64), ("learning_rate", c_double),
                ("learning_rate_decay", c_char_p), ("initial_factor", c_double), ("status", c_int64),
                ("convergence", c_int64), ("seed", ctypes.c_uint64), ("silent", c_int32),
                ("callback", TRAINING_CALLBACK), ("callback_context", c_void_p),
                ("transform", BATCH_TRANSFORM), ("transform_context", c_void_p)]


class TrainingResult(ctypes.Structure):
    """lrp_training_result."""
    _fields_ = [("best_iteration", c_int64), ("best_loss", c_double), ("best_accuracy", c_double),
                ("iterations_run", c_int64)]


class PerturbationOptions(ctypes.Structure):
    """lrp_perturbation_options (fill with lrp_perturbation_options_init)."""
    _fields_ = [("size", c_int64), ("region", c_int64), ("steps", c_int64), ("regions_per_step", c_int64),
                ("order", c_char_p), ("fill", c_char_p), ("value", c_double), ("low", c_double), ("high", c_double),
                ("seed", ctypes.c_uint64), ("probabilities", c_int32), ("batch_size", c_int64)]


_doubles = np.ctypeslib.ndpointer(dtype=np.float64, flags="C_CONTIGUOUS")
_floats = np.ctypeslib.ndpointer(dtype=np.float32, flags="C_CONTIGUOUS")
_int64s = np.ctypeslib.ndpointer(dtype=np.int64, flags="C_CONTIGUOUS")
_handle = c_void_p
_status = c_int32

_SIGNATURES = {
    "lrp_last_error": (c_char_p, []),
    "lrp_model_read": (_status, [c_char_p, c_char_p, POINTER(c_void_p)]),
    "lrp_model_write": (_status, [_handle, c_char_p, c_char_p]),
    "lrp_model_free": (None, [_handle]),
    "lrp_model_layer_count": (c_int32, [_handle]),
    "lrp_model_layer_describe": (_status, [_handle, c_int32, c_char_p, c_int64]),
    "lrp_model_output_shape": (_status, [_handle, c_int32, _int64s, POINTER(c_int32), _int64s]),
    "lrp_model_precision": (_status, [_handle, POINTER(c_int32)]),
    "lrp_model_set_precision": (_status, [_handle, c_int32]),
    "lrp_model_read_as": (_status, [c_char_p, c_char_p, c_int32, POINTER(c_void_p)]),
    "lrp_forward": (_status, [_handle, _doubles, c_int32, _int64s, _doubles, c_int64, POINTER(c_int32), _int64s]),
    "lrp_forward_f32": (_status, [_handle, _floats, c_int32, _int64s, _floats, c_int64, POINTER(c_int32), _int64s]),
    "lrp_relevance_f32": (_status, [_handle, _floats, c_int64, c_char_p, c_double, _floats, c_int64]),
    "lrp_relevance_at_f32": (_status, [_handle, _floats, c_int64, c_char_p, c_double, c_int32, POINTER(c_int32), c_int32,
                                       POINTER(c_void_p), POINTER(c_int64), c_void_p, c_int64]),
    "lrp_relevance_targets_f32": (_status, [_handle, _floats, c_int32, c_int64, c_char_p, c_double, _floats, c_int64]),
    "lrp_layer_parameter_f32": (_status, [_handle, c_int32, c_char_p, POINTER(POINTER(ctypes.c_float)), POINTER(c_int32),
                                          _int64s]),
    "lrp_layer_forward_f32": (_status, [_handle, c_int32, _floats, c_int32, _int64s, _floats, c_int64, POINTER(c_int32),
                                        _int64s]),
    "lrp_layer_relevance_f32": (_status, [_handle, c_int32, _floats, c_int64, c_char_p, c_double, _floats, c_int64]),
    "lrp_relevance": (_status, [_handle, _doubles, c_int64, c_char_p, c_double, _doubles, c_int64]),
    "lrp_set_rule": (_status, [_handle, c_int32, c_char_p, c_double]),
    "lrp_get_rule": (_status, [_handle, c_int32, c_char_p, c_int64, POINTER(c_double)]),
    "lrp_model_new": (_status, [POINTER(c_void_p)]),
    "lrp_model_append": (_status, [_handle, c_char_p, c_void_p, c_int64, c_void_p, c_int64]),
    "lrp_model_copy": (_status, [_handle, POINTER(c_void_p)]),
    "lrp_model_add_node": (_status, [_handle, c_char_p, c_char_p, POINTER(c_int32), c_int32, c_void_p, c_int64, c_void_p,
                                     c_int64]),
    "lrp_model_layer_name": (_status, [_handle, c_int32, c_char_p, c_int64]),
    "lrp_model_layer_inputs": (_status, [_handle, c_int32, POINTER(c_int32), c_int32, POINTER(c_int32)]),
    "lrp_model_output_layer": (c_int32, [_handle]),
    "lrp_model_input_shape": (_status, [_handle, POINTER(c_int32), _int64s]),
    "lrp_model_import": (_status, [c_char_p, c_char_p, c_char_p, c_char_p, POINTER(c_void_p)]),
    "lrp_caffe_convert_weights": (_status, [c_char_p, c_char_p, c_char_p]),
    "lrp_caffe_layers": (_status, [c_char_p, _handle, c_char_p, c_int64, POINTER(c_int64)]),
    "lrp_caffe_input_shape": (_status, [c_char_p, POINTER(c_int32), _int64s]),
    "lrp_set_rule_spec": (_status, [_handle, c_int32, c_char_p]),
    "lrp_get_rule_spec": (_status, [_handle, c_int32, c_char_p, c_int64]),
    "lrp_set_rule_bounds": (_status, [_handle, c_int32, _doubles, _doubles, c_int64, c_double]),
    "lrp_set_composite": (_status, [_handle, c_char_p, c_char_p]),
    "lrp_write_composite": (_status, [_handle, c_char_p]),
    "lrp_relevance_at": (_status, [_handle, _doubles, c_int64, c_char_p, c_double, c_int32, POINTER(c_int32), c_int32,
                                   POINTER(c_void_p), POINTER(c_int64), c_void_p, c_int64]),
    "lrp_relevance_targets": (_status, [_handle, _doubles, c_int32, c_int64, c_char_p, c_double, _doubles, c_int64]),
    "lrp_layer_parameter": (_status, [_handle, c_int32, c_char_p, POINTER(POINTER(c_double)), POINTER(c_int32), _int64s]),
    "lrp_layer_set_parameter": (_status, [_handle, c_int32, c_char_p, _doubles, c_int64]),
    "lrp_layer_forward": (_status, [_handle, c_int32, _doubles, c_int32, _int64s, _doubles, c_int64, POINTER(c_int32), _int64s]),
    "lrp_layer_relevance": (_status, [_handle, c_int32, _doubles, c_int64, c_char_p, c_double, _doubles, c_int64]),
    "lrp_layer_output_shape": (_status, [_handle, c_int32, c_int32, _int64s, POINTER(c_int32), _int64s]),
    "lrp_layer_trace_shape": (_status, [_handle, c_int32, c_int32, POINTER(c_int32), _int64s]),
    "lrp_layer_trace": (_status, [_handle, c_int32, c_int32, _doubles, c_int64]),
    "lrp_layer_trace_f32": (_status, [_handle, c_int32, c_int32, _floats, c_int64]),
    "lrp_backward": (_status, [_handle, _doubles, c_int64, _doubles, c_int64]),
    "lrp_layer_backward": (_status, [_handle, c_int32, _doubles, c_int64, _doubles, c_int64]),
    "lrp_update": (_status, [_handle, c_int32, c_double]),
    "lrp_model_clean": (_status, [_handle]),
    "lrp_training_options_init": (None, [POINTER(TrainingOptions)]),
    "lrp_train": (_status, [_handle, _doubles, c_int32, _int64s, _doubles, c_int32, _int64s, c_void_p, c_int32, c_void_p,
                            c_void_p, c_int32, c_void_p, POINTER(TrainingOptions), POINTER(TrainingResult)]),
    "lrp_evaluate": (_status, [_handle, _doubles, c_int32, _int64s, _doubles, c_int32, _int64s, POINTER(c_double),
                               POINTER(c_double)]),
    "lrp_perturbation_options_init": (None, [POINTER(PerturbationOptions)]),
    "lrp_perturbation": (_status, [_handle, _doubles, c_int32, _int64s, _doubles, c_int64, c_void_p,
                                   POINTER(PerturbationOptions), _doubles, c_int64, c_void_p, c_int64, c_void_p, c_int64,
                                   c_void_p, c_int64, c_void_p, c_int64]),
    "lrp_flip": (_status, [_handle, _doubles, c_int32, _int64s, c_void_p, c_int64, POINTER(PerturbationOptions), c_int32,
                           _doubles, _doubles, c_int64, c_void_p, c_void_p, c_int64, c_void_p, c_int64]),
    "lrp_localization": (_status, [_doubles, c_int32, _int64s, _int64s, c_int64, _doubles, _doubles, _doubles, c_int64]),
    "lrp_localization_f32": (_status, [_floats, c_int32, _int64s, _int64s, c_int64, _doubles, _doubles, _doubles, c_int64]),
    "lrp_channel_statistics": (_status, [_handle, _doubles, c_int64, c_char_p, c_double, c_int32, c_void_p, c_void_p,
                                         c_void_p, c_int64]),
    "lrp_relevance_conditional": (_status, [_handle, _doubles, c_int64, c_char_p, c_double, c_int32, c_void_p, c_void_p,
                                            c_int32, _doubles, c_int64]),
    "lrp_forward_ablated": (_status, [_handle, _doubles, c_int32, _int64s, c_void_p, c_void_p, c_void_p, c_int32, _doubles,
                                      c_int64, POINTER(c_int32), _int64s]),
    "lrp_pattern_statistics_compute": (_status, [_handle, _doubles, c_int32, _int64s, POINTER(c_void_p)]),
    "lrp_pattern_statistics_compute_f32": (_status, [_handle, _floats, c_int32, _int64s, POINTER(c_void_p)]),
    "lrp_pattern_statistics_merge": (_status, [_handle, _handle]),
    "lrp_pattern_statistics_samples": (c_int64, [_handle]),
    "lrp_pattern_statistics_write": (_status, [_handle, c_char_p]),
    "lrp_pattern_statistics_read": (_status, [c_char_p, POINTER(c_void_p)]),
    "lrp_pattern_statistics_free": (None, [_handle]),
    "lrp_model_set_patterns": (_status, [_handle, _handle, c_char_p]),
    "lrp_pattern_statistics_pattern": (_status, [_handle, _handle, c_char_p, c_int32, _doubles, c_int64]),
    "lrp_model_kernel_layers": (_status, [_handle, c_void_p, c_int32, POINTER(c_int32)]),
    "lrp_model_pattern": (_status, [_handle, c_int32, _doubles, c_int64, POINTER(c_int32)]),
    "lrp_model_set_pattern": (_status, [_handle, c_int32, c_void_p, c_int64]),
    "lrp_pattern_quality": (_status, [_handle, _doubles, c_int32, _int64s, c_char_p, _handle, ctypes.c_uint64, c_int32,
                                      _doubles, c_int64]),
    "lrp_array_read": (_status, [c_char_p, c_char_p, c_char_p, POINTER(c_void_p)]),
    "lrp_array_write": (_status, [c_char_p, c_char_p, _doubles, c_int32, _int64s]),
    "lrp_array_keys": (_status, [c_char_p, c_char_p, c_char_p, c_int64, POINTER(c_int64)]),
    "lrp_layer_kinds": (_status, [c_char_p, c_int64, POINTER(c_int64)]),
    "lrp_array_free": (None, [_handle]),
    "lrp_array_rank": (c_int32, [_handle]),
    "lrp_array_shape": (POINTER(c_int64), [_handle]),
    "lrp_array_count": (c_int64, [_handle]),
    "lrp_array_data": (POINTER(c_double), [_handle]),
    "lrp_render_heatmap": (_status, [_doubles, c_int64, c_int64, c_void_p, c_int32, c_double, c_char_p, c_int32, _doubles, c_int64]),
    "lrp_render_digit": (_status, [_doubles, c_int64, c_int64, c_int32, c_char_p, _doubles, c_int64]),
    "lrp_render_text": (_status, [c_char_p, c_int32, c_void_p, c_int64, POINTER(c_int64), POINTER(c_int64)]),
    "lrp_image_write": (_status, [c_char_p, _doubles, c_int64, c_int64, c_void_p]),
    "lrp_render_relevance": (_status, [_doubles, c_int64, c_int64, c_int32, c_char_p, _doubles, c_int64, POINTER(c_double)]),
    "lrp_render_image": (_status, [_doubles, c_int64, c_int64, c_int32, c_double, c_double, c_int32, _doubles, c_int64]),
    "lrp_render_overlay": (_status, [_doubles, _doubles, c_int64, c_int64, c_double, _doubles, c_int64]),
    "lrp_render_colorbar": (_status, [c_char_p, c_double, c_double, c_int64, c_int32, c_void_p, c_int64, POINTER(c_int64),
                                      POINTER(c_int64)]),
}

for _name, (_restype, _argtypes) in _SIGNATURES.items():
    _function = getattr(lib, _name)
    _function.restype = _restype
    _function.argtypes = _argtypes

MAX_RANK = 8

_probe = TrainingOptions()
lib.lrp_training_options_init(byref_options := ctypes.byref(_probe))
if _probe.size != ctypes.sizeof(TrainingOptions):
    raise ImportError("lrp_training_options is %d bytes in %s but %d here" % (_probe.size, library_path,
                                                                              ctypes.sizeof(TrainingOptions)))
_probe_options = PerturbationOptions()
lib.lrp_perturbation_options_init(ctypes.byref(_probe_options))
if _probe_options.size != ctypes.sizeof(PerturbationOptions):
    raise ImportError("lrp_perturbation_options is %d bytes in %s but %d here" % (_probe_options.size, library_path,
                                                                                 ctypes.sizeof(PerturbationOptions)))
del _probe, byref_options, _probe_options


def check(status):
    """Raises the exception for a failed status, with the library's message for this thread."""
    if status != 0:
        message = lib.lrp_last_error().decode("utf-8", "replace")
        raise BY_STATUS.get(status, LRPError)(message, status)


#: The ranges of the C integer types that arguments are passed as.
INT32 = (-(1 << 31), (1 << 31) - 1)
INT64 = (-(1 << 63), (1 << 63) - 1)


def integer(value, name, bounds=INT32):
    """`value` as a Python int for a C integer argument (or struct field, or array element) whose range is
    `bounds` (INT32 for int32_t, INT64 for int64_t, or any (low, high)); `name` names the argument in the
    error. Accepts Python and numpy integers; refuses everything else — floats (no silent truncation), bools
    (True is not a layer index or a size), strings — and values outside the range (ctypes would silently
    keep their low bits, so -(2**40) would become layer 0) with an LRPArgumentError naming the argument and
    the value. Every integer the package hands to liblrp goes through here."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        raise LRPArgumentError("%s must be an integer, got %r (%s)" % (name, value, type(value).__name__), 1)
    number = int(value)
    low, high = bounds
    if not low <= number <= high:
        raise LRPArgumentError("%s = %d is out of range: it must lie in [%d, %d]" % (name, number, low, high), 1)
    return number


def integers(values, name, bounds=INT32):
    """A list of Python ints, each checked by `integer` (errors name `name[i]`)."""
    try:
        items = list(values)
    except TypeError:
        raise LRPArgumentError("%s must be a sequence of integers, got %r" % (name, values), 1) from None
    return [integer(v, "%s[%d]" % (name, i), bounds) for i, v in enumerate(items)]


def dims(values, name):
    """A shape given by the caller (a sequence of integers) as the int64 vector a shape argument takes."""
    return np.asarray(integers(values, name, INT64), dtype=np.int64).reshape(-1)


def text(value):
    """A str (or None) as the bytes a C string argument takes."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    return os.fsencode(value) if isinstance(value, os.PathLike) else str(value).encode("utf-8")


def path(value):
    """A file path (str, bytes or os.PathLike) as bytes."""
    return os.fsencode(value)


def doubles(array):
    """A C-contiguous float64 copy-or-view of array (what every double* argument takes)."""
    return np.ascontiguousarray(array, dtype=np.float64)


#: The precisions of the C interface (LRP_FLOAT64, LRP_FLOAT32) by numpy dtype, and back.
PRECISION = {np.dtype(np.float64): 0, np.dtype(np.float32): 1}
DTYPE = {0: np.dtype(np.float64), 1: np.dtype(np.float32)}


def precision(dtype):
    """LRP_FLOAT64 or LRP_FLOAT32 for a numpy dtype (np.float64, np.float32, 'float32', ...)."""
    try:
        return PRECISION[np.dtype(dtype)]
    except (TypeError, KeyError):
        raise LRPArgumentError("dtype must be float64 or float32, got %r" % (dtype,)) from None


def shape_of(array):
    """The shape of an array as the int64 vector a shape argument takes."""
    return np.asarray(array.shape, dtype=np.int64)


def new_shape():
    """A rank and a shape buffer of LRP_MAX_RANK entries for a function to fill."""
    return c_int32(0), np.zeros(MAX_RANK, dtype=np.int64)


def read_shape(rank, buffer):
    """The tuple a function wrote into (rank, buffer)."""
    return tuple(int(d) for d in buffer[:rank.value])


def sized_text(function, *args):
    """The text a function of the (args…, buf, capacity, needed) form writes: asked for its size, then written."""
    needed = c_int64(0)
    check(function(*args, None, 0, ctypes.byref(needed)))
    buffer = ctypes.create_string_buffer(max(needed.value, 1))
    check(function(*args, buffer, len(buffer), ctypes.byref(needed)))
    return buffer.value.decode("utf-8")


def layer_kinds():
    """The kinds of node liblrp's header lines describe, as (name, form, flags) in the library's order; flags is
    a set holding "toolbox" for the toolbox's eight layers and "merge" for nodes reading several inputs."""
    kinds = []
    for line in sized_text(lib.lrp_layer_kinds).split("\n"):
        name, form, flags = line.split("\t")
        kinds.append((name, form, set(flags.split(",")) - {""}))
    return kinds
