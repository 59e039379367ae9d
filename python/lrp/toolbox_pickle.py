"""The LRP Toolbox's pickled models (.nn): a restricted reader that never runs code from the file, and a
writer that produces the toolbox's own layout, so the reference toolbox can load what we write.

A toolbox pickle holds objects of the classes modules.<file>.<Class> with their attribute dictionaries
(W, B, stride, pool, lrp_var, ...) and numpy arrays. The reader allows exactly those classes and numpy's
array reconstruction; any other global (os.system, builtins.eval, ...) is refused before it is touched.
"""

import io
import pickle

import numpy as np

from .errors import LRPFormatError

#: (module, class) of every toolbox class, by class name. Older toolboxes kept all classes in `modules`.
TOOLBOX_CLASSES = {
    "Sequential": "modules.sequential", "Linear": "modules.linear", "Convolution": "modules.convolution",
    "SumPool": "modules.sumpool", "MaxPool": "modules.maxpool", "Flatten": "modules.flatten",
    "Rect": "modules.rect", "Tanh": "modules.tanh", "SoftMax": "modules.softmax", "Module": "modules.module",
}

_NUMPY_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
}


class PickledObject:
    """A toolbox object as read from a pickle: its class name and attributes, nothing more."""

    toolbox_class = None

    def __setstate__(self, state):
        if isinstance(state, tuple) and len(state) == 2:  # (dict, slots) form
            state = state[0] or {}
        if not isinstance(state, dict):
            raise LRPFormatError("a %s in the pickle has state of type %s" % (self.toolbox_class, type(state).__name__))
        self.__dict__.update(state)


_stand_ins = {name: type(name, (PickledObject,), {"toolbox_class": name}) for name in TOOLBOX_CLASSES}


class RestrictedUnpickler(pickle.Unpickler):
    """Resolves only the toolbox's classes (to inert stand-ins) and numpy's array reconstruction."""

    def find_class(self, module, name):
        if name in TOOLBOX_CLASSES and module in (TOOLBOX_CLASSES[name], "modules"):
            return _stand_ins[name]
        if (module, name) in _NUMPY_GLOBALS:
            return super().find_class(module, name)
        if (module, name) in (("copy_reg", "_reconstructor"), ("copyreg", "_reconstructor")):
            return _reconstructor
        if (module, name) in (("__builtin__", "object"), ("builtins", "object")):
            return object
        if (module, name) == ("_codecs", "encode"):
            return _latin1_encode
        raise LRPFormatError("the pickle refers to %s.%s, which a toolbox model never contains; refusing to load "
                             "it (only the toolbox's module classes and numpy arrays are allowed)" % (module, name))


def _reconstructor(cls, base, state):
    """copyreg._reconstructor for stand-ins only (Python 2 pickles of old-style-derived classes)."""
    if not (isinstance(cls, type) and issubclass(cls, PickledObject)) or base is not object:
        raise LRPFormatError("the pickle reconstructs %r from %r, which a toolbox model never does" % (cls, base))
    return cls.__new__(cls)


def _latin1_encode(text, encoding="latin1"):
    """_codecs.encode as Python 3 protocol-2 pickles use it for bytes (restricted to latin-1)."""
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise LRPFormatError("the pickle encodes with %r, which a toolbox model never does" % (encoding,))
    return text.encode("latin1")


def load(path):
    """The stand-in objects of a toolbox pickle (a Sequential stand-in with its modules)."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        result = RestrictedUnpickler(io.BytesIO(data), encoding="latin1").load()
    except LRPFormatError as error:
        raise LRPFormatError("'%s': %s" % (path, error.message)) from None
    except Exception as error:  # truncated or corrupt pickles raise many kinds of errors
        raise LRPFormatError("'%s' is not a readable toolbox model pickle (%s: %s)" %
                             (path, type(error).__name__, error)) from None
    return result


# -- writing ---------------------------------------------------------------------------------------------

class _Global:
    """Stands for a global the pickle names (module, name) without importing it."""

    def __init__(self, module, name):
        self.module, self.name = module, name


class _ToolboxPickler(pickle._Pickler):
    """Writes stand-ins for toolbox classes and numpy's reconstruction under the names the toolbox (and
    numpy 1.x) import, without needing those modules here."""

    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, (_Global, _Record)):
            memoized = self.memo.get(id(obj))
            if memoized is not None:
                self.write(self.get(memoized[0]))
                return
        if isinstance(obj, _Global):
            self.write(pickle.GLOBAL + ("%s\n%s\n" % (obj.module, obj.name)).encode("ascii"))
            self.memoize(obj)
            return
        if isinstance(obj, _Record):
            # cls.__new__(cls), then the attribute dict: what protocol 2 writes for a toolbox object.
            self.save(obj.global_name)
            self.write(pickle.EMPTY_TUPLE + pickle.NEWOBJ)
            self.memoize(obj)
            self.save(obj.state)
            self.write(pickle.BUILD)
            return
        super().save(obj, save_persistent_id)

    _numpy_globals = {name: _Global("numpy.core.multiarray", name) for name in ("_reconstruct", "scalar")}

    def save_global(self, obj, name=None):
        # numpy 2 names these numpy._core.multiarray; numpy 1.x (the toolbox's) knows numpy.core.multiarray.
        stand_in = self._numpy_globals.get(getattr(obj, "__name__", None))
        if stand_in is not None and "multiarray" in getattr(obj, "__module__", ""):
            return self.save(stand_in)
        return super().save_global(obj, name)


class _Record:
    """An object to pickle as the toolbox class `class_name` with attribute dict `state`."""

    _globals = {}

    def __init__(self, class_name, state):
        if class_name not in self._globals:
            self._globals[class_name] = _Global(TOOLBOX_CLASSES[class_name], class_name)
        self.global_name = self._globals[class_name]
        self.state = state


def dump(sequential_state, modules_state, path):
    """Writes a toolbox pickle: a Sequential (attribute dict `sequential_state` without its modules) whose
    modules are (class name, attribute dict) pairs."""
    records = [_Record(name, state) for name, state in modules_state]
    root = _Record("Sequential", dict(sequential_state, modules=records))
    buffer = io.BytesIO()
    _ToolboxPickler(buffer, protocol=2).dump(root)
    with open(path, "wb") as f:
        f.write(buffer.getvalue())


def array(value):
    """A float64 C-order copy of an array from a pickle (or an error naming what it is)."""
    if not isinstance(value, np.ndarray):
        raise LRPFormatError("expected a numpy array in the pickle, found %s" % type(value).__name__)
    return np.ascontiguousarray(value, dtype=np.float64)
