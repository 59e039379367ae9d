"""Reading and writing models, as the LRP Toolbox's model_io: read(path, fmt=None) and
write(model, path, fmt=None) for the plain-text format ('txt') and the toolbox's pickles ('nn', 'pickle',
'pickled', ''); beyond the toolbox, liblrp's model archive ('npz': every layer and graphs), Keras HDF5 files
('h5', with `architecture=` for weights-only files) and Caffe nets ('prototxt' with `weights=`).
For the toolbox's formats read and write print the toolbox's log lines ("loading pickled model from <path>",
"writing model as plain text to <path>", ...)."""

import ctypes
import os

import numpy as np

from . import _capi, toolbox_pickle
from .errors import LRPArgumentError, LRPFormatError, LRPIOError
from .model import Model
from .modules import BY_NAME, Convolution, Graph, Linear, MaxPool, Network, Sequential, SumPool

_PICKLE = ("nn", "pickle", "pickled", "")
_KERAS = ("h5", "hdf5", "keras", "json")
_CAFFE = ("prototxt", "caffe", "caffemodel")


def _format(path, fmt):
    return (fmt if fmt is not None else os.path.splitext(os.fspath(path))[1].replace(".", "")).lower()


def _network(model):
    """The modules view of a liblrp model: a Sequential for chains, a Graph otherwise."""
    net = (Sequential if model.is_chain() else Graph)._from_model(model, BY_NAME)
    net._load_presets()
    return net


def read(path, fmt=None, architecture=None, weights=None, batchnorm="merge", dtype=None):
    """Reads a model.

    - 'txt' (both forms of the toolbox's text format), a toolbox pickle ('nn', 'pickle', 'pickled'), or
      liblrp's model archive ('npz');
    - Keras: read('model.h5') for a full model, read('weights.h5', architecture='model.json') for
      save_weights files with the architecture from model.to_json();
    - Caffe: read('deploy.prototxt', weights='net.caffemodel') — weights may also be liblrp's npz of Caffe
      blobs or the .npy of caffe-tensorflow.

    BatchNorm layers are merged into a directly preceding Linear/Convolution unless batchnorm='keep'.
    dtype: np.float32 gives a model that computes in float32 (see Network.astype); None or np.float64 the
    default float64, which keeps the toolbox's exact numbers.
    Returns a modules.Sequential when the layers form a chain, else a modules.Graph."""
    if dtype is not None:
        _capi.precision(dtype)  # an unknown dtype fails before anything is read
    net = _read(path, fmt, architecture, weights, batchnorm, dtype)
    if dtype is not None and net.dtype != np.dtype(dtype):
        net._model.set_precision(dtype)
    return net


def _read(path, fmt, architecture, weights, batchnorm, dtype):
    """`read` without the final conversion (liblrp's own formats are read in `dtype` directly)."""
    if not os.path.exists(path):
        raise LRPIOError("model_io.read: no such file or directory: %s" % os.fspath(path))
    if batchnorm not in ("merge", "keep"):
        raise LRPArgumentError("model_io.read: batchnorm must be 'merge' or 'keep', got %r" % (batchnorm,))
    if architecture is not None and weights is not None:
        raise LRPArgumentError("model_io.read: give architecture= (Keras weights) or weights= (Caffe), not both")
    kind = _format(path, fmt)
    companion = architecture if architecture is not None else weights
    if kind in _PICKLE:
        print('loading pickled model from', path)
        return _from_pickle(toolbox_pickle.load(path), path)
    if kind == "txt" or (kind == "npz" and companion is None):
        if kind == "txt":
            print('loading plain text model from', path)
        return _network(Model.read(path, kind, dtype))
    if kind in _KERAS + _CAFFE or companion is not None:
        if kind in _CAFFE and companion is None:
            raise LRPArgumentError("model_io.read: a Caffe net needs its weights: read('%s', weights=...)" % os.fspath(path))
        if kind in ("h5", "hdf5", "keras") and weights is not None:
            raise LRPArgumentError("model_io.read: a Keras weights file takes architecture=, not weights=")
        fmt_name = "keras" if kind in _KERAS else ("caffe" if kind in _CAFFE else None)
        options = "batchnorm=keep" if batchnorm == "keep" else None
        return _network(Model.import_(path, companion, fmt_name, options))
    raise LRPArgumentError("model_io.read: unknown model format '%s' (known: txt, nn, pickle, pickled, npz, h5, "
                           "prototxt)" % kind)


def caffe_layers(prototxt, network):
    """The layers of a Caffe prototxt as Caffe numbers them (TEST phase, with the Split layers Caffe inserts),
    as (name, type, layer) with `layer` the index in `network` (read from that prototxt) of the layer whose
    output is the Caffe layer's top: -1 for the input, -2 for none. The key to Caffe layer indices such as the
    demonstrator's lastlayerindex."""
    text = _capi.sized_text(_capi.lib.lrp_caffe_layers, os.fsencode(prototxt), network._model._handle)
    rows = [line.split("\t") for line in text.split("\n") if line]
    return [(name, kind, int(layer)) for name, kind, layer in rows]


def caffe_input_shape(prototxt):
    """The input shape a Caffe prototxt declares, batch first (N, C, H, W) as Caffe writes it."""
    rank, shape = _capi.new_shape()
    _capi.check(_capi.lib.lrp_caffe_input_shape(os.fsencode(prototxt), ctypes.byref(rank), shape))
    return _capi.read_shape(rank, shape)


def write(model, path, fmt=None):
    """Writes a model, after cleaning it as the toolbox does: 'txt' or the toolbox's pickle layout ('nn') for
    Sequentials of the toolbox's layers, liblrp's model archive ('npz') for every network."""
    if not isinstance(model, Network):
        raise LRPArgumentError("model_io.write: the model must be a modules.Sequential or Graph, got %s" %
                               type(model).__name__)
    model.clean()
    kind = _format(path, fmt)
    if kind in ("txt", "npz"):
        if kind == "npz":
            model._store_presets()
        else:
            print('writing model as plain text to', path)
        model._model.write(path, kind)
    elif kind in _PICKLE:
        if not isinstance(model, Sequential):
            raise LRPArgumentError("model_io.write: the toolbox's pickles hold Sequentials only; write 'npz'")
        from .modules import TOOLBOX
        for i, m in enumerate(model.modules):
            if not isinstance(m, TOOLBOX) or m._options():
                raise LRPArgumentError("model_io.write: module %d (%s) is not one of the toolbox's layers, which the "
                                       "toolbox's pickles hold; write 'npz'" % (i, m._header()))
        print('writing model pickled to', path)
        toolbox_pickle.dump({"lrp_var": model.lrp_var, "lrp_param": model.lrp_param},
                            [_pickle_state(m) for m in model.modules], path)
    else:
        raise LRPArgumentError("model_io.write: unknown model format '%s' (known: txt, nn, pickle, pickled, npz)" % kind)


def _pickle_state(module):
    """(toolbox class name, attribute dict) of a module, with the toolbox's attribute names."""
    state = {"lrp_var": module.lrp_var, "lrp_param": module.lrp_param, "X": None, "Y": None}
    name = type(module).__name__
    if isinstance(module, Linear):
        state.update(m=module.m, n=module.n, W=module.W.copy(), B=module.B.copy(), dW=None, dB=None)
    elif isinstance(module, Convolution):
        state.update(fh=module.fh, fw=module.fw, fd=module.fd, n=module.n, stride=tuple(module.stride),
                     W=module.W.copy(), B=module.B.copy(), DY=None)
    elif isinstance(module, (SumPool, MaxPool)):
        state.update(pool=tuple(module.pool), stride=tuple(module.stride))
    elif name == "Flatten":
        state.update(inputshape=[])
    return name, state


def _from_pickle(root, path):
    """A Sequential from the stand-ins of a toolbox pickle."""
    where = "'%s'" % os.fspath(path)
    if getattr(root, "toolbox_class", None) != "Sequential" or not isinstance(getattr(root, "modules", None), list):
        raise LRPFormatError("%s does not hold a modules.Sequential with a list of modules" % where)
    model = Model.new()
    presets = []
    for i, item in enumerate(root.modules):
        name = getattr(item, "toolbox_class", None)
        if name not in BY_NAME:
            raise LRPFormatError("%s: module %d is a %s, not a toolbox layer" % (where, i, name or type(item).__name__))
        try:
            header, parameters = _layer_from_state(name, item.__dict__)
            model.append(header, *parameters)
        except (KeyError, TypeError, ValueError) as error:
            raise LRPFormatError("%s: module %d (%s) is malformed: %s" % (where, i, name, error)) from None
        presets.append((item.__dict__.get("lrp_var"), item.__dict__.get("lrp_param", 1.0)))
    net = Sequential._from_model(model, BY_NAME)
    for module, (var, param) in zip(net.modules, presets):
        module.lrp_var, module.lrp_param = var, param
    net.lrp_var = getattr(root, "lrp_var", None)
    net.lrp_param = getattr(root, "lrp_param", 1.0)
    return net


def _sizes(state, key):
    """The two sizes of a toolbox module's `key` (stride, pool): integers, or floats that are whole numbers;
    anything else (2.7, '2', booleans) is malformed rather than rounded."""
    values = tuple(state[key])
    sizes = []
    for v in values:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)) \
                or not float(v).is_integer():
            raise ValueError("%s must hold whole numbers, got %r" % (key, values))
        sizes.append(int(v))
    if len(sizes) != 2:
        raise ValueError("%s must hold two sizes, got %r" % (key, values))
    return tuple(sizes)


def _layer_from_state(name, state):
    """The header line and parameters of a toolbox module's attribute dict."""
    if name == "Linear":
        w, b = toolbox_pickle.array(state["W"]), toolbox_pickle.array(state["B"])
        return "Linear %d %d" % w.shape, (w, b)
    if name == "Convolution":
        w, b = toolbox_pickle.array(state["W"]), toolbox_pickle.array(state["B"])
        s = _sizes(state, "stride")
        return "Convolution %d %d %d %d %d %d" % (tuple(w.shape) + s), (w, b)
    if name in ("SumPool", "MaxPool"):
        p, s = _sizes(state, "pool"), _sizes(state, "stride")
        return "%s %d %d %d %d" % ((name,) + p + s), ()
    return name, ()

