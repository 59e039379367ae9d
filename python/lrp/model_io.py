"""Reading and writing models, as the LRP Toolbox's model_io: read(path, fmt=None) and
write(model, path, fmt=None) for the plain-text format ('txt') and the toolbox's pickles ('nn', 'pickle',
'pickled', '')."""

import os

from . import toolbox_pickle
from .errors import LRPArgumentError, LRPFormatError, LRPIOError
from .model import Model
from .modules import BY_NAME, Convolution, Linear, MaxPool, Sequential, SumPool

_PICKLE = ("nn", "pickle", "pickled", "")


def _format(path, fmt):
    return (fmt if fmt is not None else os.path.splitext(os.fspath(path))[1].replace(".", "")).lower()


def read(path, fmt=None):
    """Reads a model: 'txt' (both forms of the toolbox's text format) or a toolbox pickle ('nn')."""
    if not os.path.exists(path):
        raise LRPIOError("model_io.read: no such file or directory: %s" % os.fspath(path))
    kind = _format(path, fmt)
    if kind == "txt":
        return Sequential._from_model(Model.read(path, "txt"), BY_NAME)
    if kind in _PICKLE:
        return _from_pickle(toolbox_pickle.load(path), path)
    raise LRPArgumentError("model_io.read: unknown model format '%s' (known: txt, nn, pickle, pickled)" % kind)


def write(model, path, fmt=None):
    """Writes a model: 'txt' or the toolbox's pickle layout ('nn'), after cleaning it as the toolbox does."""
    if not isinstance(model, Sequential):
        raise LRPArgumentError("model_io.write: the model must be a modules.Sequential, got %s" % type(model).__name__)
    model.clean()
    kind = _format(path, fmt)
    if kind == "txt":
        model._model.write(path, "txt")
    elif kind in _PICKLE:
        toolbox_pickle.dump({"lrp_var": model.lrp_var, "lrp_param": model.lrp_param},
                            [_pickle_state(m) for m in model.modules], path)
    else:
        raise LRPArgumentError("model_io.write: unknown model format '%s' (known: txt, nn, pickle, pickled)" % kind)


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


def _layer_from_state(name, state):
    """The header line and parameters of a toolbox module's attribute dict."""
    if name == "Linear":
        w, b = toolbox_pickle.array(state["W"]), toolbox_pickle.array(state["B"])
        return "Linear %d %d" % w.shape, (w, b)
    if name == "Convolution":
        w, b = toolbox_pickle.array(state["W"]), toolbox_pickle.array(state["B"])
        s = tuple(int(v) for v in state["stride"])
        return "Convolution %d %d %d %d %d %d" % (tuple(w.shape) + s), (w, b)
    if name in ("SumPool", "MaxPool"):
        p, s = (tuple(int(v) for v in state[k]) for k in ("pool", "stride"))
        return "%s %d %d %d %d" % ((name,) + p + s), ()
    return name, ()

