"""The LRP Toolbox's pickled models (.nn): a restricted reader that never runs code from the file, and a
writer that produces the toolbox's own layout, so the reference toolbox can load what we write.

A toolbox pickle holds objects of the classes modules.<file>.<Class> with their attribute dictionaries
(W, B, stride, pool, lrp_var, ...) and numpy arrays, as numpy 1.x or 2.x pickles them with any protocol (2-5).
The reader allows exactly those classes and the globals numpy rebuilds arrays, dtypes and scalars with, each
replaced by a stand-in that checks its arguments (numeric dtypes, integer shapes, sizes that match the bytes);
any other global (os.system, builtins.eval, numpy.load, ...) is refused before it is touched.
"""

import io
import pickle
import re

import numpy as np

from .errors import LRPFormatError, LRPIOError

#: (module, class) of every toolbox class, by class name. Older toolboxes kept all classes in `modules`.
TOOLBOX_CLASSES = {
    "Sequential": "modules.sequential", "Linear": "modules.linear", "Convolution": "modules.convolution",
    "SumPool": "modules.sumpool", "MaxPool": "modules.maxpool", "Flatten": "modules.flatten",
    "Rect": "modules.rect", "Tanh": "modules.tanh", "SoftMax": "modules.softmax", "Module": "modules.module",
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


# -- numpy's reconstruction, re-implemented with checked arguments ------------------------------------------
#
# numpy pickles an array in one of two ways, under numpy.core.* (numpy 1.x) or numpy._core.* (numpy 2):
#   protocols 2-4 (and arrays that are not contiguous):  multiarray._reconstruct(numpy.ndarray, (0,), b'b')
#       followed by BUILD with (version, shape, dtype, is_fortran, raw bytes);
#   protocol 5 (contiguous arrays):  numeric._frombuffer(buffer, dtype, shape, order).
# A dtype is numpy.dtype(code, align, copy) followed by BUILD with (version, byte order, subarray, names,
# fields, elsize, alignment, flags); a numpy scalar is multiarray.scalar(dtype, raw bytes). None of numpy's
# functions is called with what the file says: the stand-ins below check every argument and build plain
# numeric arrays with np.frombuffer.

#: Kinds of dtypes a model may hold: bool, signed/unsigned integers, floats, complex (never objects).
_NUMERIC_KINDS = "biufc"
_DTYPE_CODE = re.compile(r"^[biufc][0-9]{1,2}$")


class _NDArrayType:
    """Stands for numpy.ndarray as _reconstruct's first argument; not callable."""

    def __repr__(self):
        return "numpy.ndarray"


_NDARRAY = _NDArrayType()


class _DType:
    """numpy.dtype(code, align, copy) as a pickle builds it: a numeric code, then its state (byte order)."""

    def __init__(self, code):
        self.dtype = np.dtype(code)

    def __setstate__(self, state):
        if not (isinstance(state, tuple) and len(state) in (8, 9) and state[0] in (3, 4)):
            raise LRPFormatError("the pickle gives a dtype the state %r, which is not a numeric dtype's" % (state,))
        order, subarray, names, fields = state[1:5]
        if order not in ("<", ">", "|", "=") or subarray is not None or names is not None or fields is not None:
            raise LRPFormatError("the pickle gives a dtype the state %r, which is not a numeric dtype's" % (state,))
        if order in ("<", ">"):
            self.dtype = self.dtype.newbyteorder(order)


def _dtype_constructor(code, align=False, copy=False):
    """numpy.dtype as a pickle calls it, for numeric codes ('f8', 'i4', 'b1', ...) only."""
    if isinstance(code, bytes):
        code = code.decode("latin1")
    if not isinstance(code, str) or not _DTYPE_CODE.match(code) or align not in (False, True, 0, 1) \
            or copy not in (False, True, 0, 1):
        raise LRPFormatError("the pickle makes numpy.dtype(%r), which is not a numeric dtype" % (code,))
    try:
        return _DType(code)
    except TypeError:
        raise LRPFormatError("the pickle makes numpy.dtype(%r), which is not a numeric dtype" % (code,)) from None


def _checked_dtype(value, what):
    """The numpy dtype of `value` (a dtype the pickle built), which must be numeric."""
    dtype = value.dtype if isinstance(value, _DType) else value
    if not isinstance(dtype, np.dtype) or dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None \
            or dtype.subdtype is not None:
        raise LRPFormatError("the pickle's %s has dtype %r; only numeric dtypes are allowed" % (what, dtype))
    return dtype


def _checked_shape(value, what):
    if not isinstance(value, tuple) or not all(type(n) is int and n >= 0 for n in value):
        raise LRPFormatError("the pickle's %s has shape %r, which is not a tuple of non-negative integers" %
                             (what, value))
    return value


def _raw_bytes(value, what):
    """The bytes of an array or scalar from a pickle (Python 2 strings arrive as latin-1 text)."""
    if isinstance(value, str):
        return value.encode("latin1")
    if isinstance(value, pickle.PickleBuffer):
        with value.raw() as view:
            return view.tobytes()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    raise LRPFormatError("the pickle's %s holds %s instead of raw bytes" % (what, type(value).__name__))


def _numeric_array(raw, dtype, shape, fortran, what):
    """An owned, writable array of `shape` from `raw`, after checking the sizes agree."""
    count = 1
    for n in shape:
        count *= n
    if count * dtype.itemsize != len(raw):
        raise LRPFormatError("the pickle's %s declares shape %s of %s (%d bytes) but holds %d bytes" %
                             (what, shape, dtype, count * dtype.itemsize, len(raw)))
    return np.frombuffer(raw, dtype=dtype, count=count).reshape(shape, order="F" if fortran else "C").copy(order="K")


class _PickledArray(np.ndarray):
    """What _reconstruct returns: an empty array whose state (from BUILD) is checked before numpy sees it."""

    def __setstate__(self, state):
        if isinstance(state, tuple) and len(state) == 5:
            state = state[1:]
        if not (isinstance(state, tuple) and len(state) == 4):
            raise LRPFormatError("the pickle gives an array the state of type %s, not numpy's" % type(state).__name__)
        shape, dtype, fortran, raw = state
        shape = _checked_shape(shape, "array")
        dtype = _checked_dtype(dtype, "array")
        if fortran not in (False, True, 0, 1):
            raise LRPFormatError("the pickle's array has the order flag %r" % (fortran,))
        raw = _raw_bytes(raw, "array")
        _numeric_array(raw, dtype, shape, fortran, "array")  # checks that the sizes agree
        np.ndarray.__setstate__(self, (1, shape, dtype, bool(fortran), raw))


def _reconstruct(subtype, shape, typecode):
    """numpy's multiarray._reconstruct(numpy.ndarray, (0,), b'b'): an empty array for BUILD to fill."""
    if subtype is not _NDARRAY or not isinstance(shape, tuple) or not isinstance(typecode, (bytes, str)):
        raise LRPFormatError("the pickle calls numpy's _reconstruct with %r, %r, %r; only (numpy.ndarray, shape, "
                             "typecode) rebuilds an array" % (subtype, shape, typecode))
    return _PickledArray(shape=(0,), dtype=np.uint8)


def _frombuffer(buffer, dtype, shape, order):
    """numpy's numeric._frombuffer (protocol 5): an array from raw bytes, numeric dtype, shape and 'C'/'F'."""
    if not isinstance(buffer, (bytes, bytearray, pickle.PickleBuffer)):
        raise LRPFormatError("the pickle calls numpy's _frombuffer on %s instead of a buffer" % type(buffer).__name__)
    if order not in ("C", "F"):
        raise LRPFormatError("the pickle calls numpy's _frombuffer with order %r (not 'C' or 'F')" % (order,))
    dtype = _checked_dtype(dtype, "array")
    shape = _checked_shape(shape, "array")
    return _numeric_array(_raw_bytes(buffer, "array"), dtype, shape, order == "F", "array")


def _scalar(dtype, raw=None):
    """numpy's multiarray.scalar(dtype, raw bytes): one numeric value."""
    dtype = _checked_dtype(dtype, "scalar")
    return _numeric_array(_raw_bytes(raw, "scalar"), dtype, (), False, "scalar")[()]


#: The globals numpy's pickles of arrays, dtypes and scalars name, with the checked stand-in for each.
NUMPY_GLOBALS = {}
for _core in ("numpy.core", "numpy._core"):
    NUMPY_GLOBALS[(_core + ".multiarray", "_reconstruct")] = _reconstruct
    NUMPY_GLOBALS[(_core + ".multiarray", "scalar")] = _scalar
    NUMPY_GLOBALS[(_core + ".numeric", "_frombuffer")] = _frombuffer
NUMPY_GLOBALS[("numpy", "ndarray")] = _NDARRAY
NUMPY_GLOBALS[("numpy", "dtype")] = _dtype_constructor


class _ObjectType:
    """Stands for builtins.object as copyreg._reconstructor's base argument; not callable."""


_OBJECT = _ObjectType()


class RestrictedUnpickler(pickle.Unpickler):
    """Resolves only the toolbox's classes (to inert stand-ins) and numpy's array, dtype and scalar
    reconstruction (to stand-ins that check their arguments); refuses every other global."""

    def find_class(self, module, name):
        if name in TOOLBOX_CLASSES and module in (TOOLBOX_CLASSES[name], "modules"):
            return _stand_ins[name]
        if (module, name) in NUMPY_GLOBALS:
            return NUMPY_GLOBALS[(module, name)]
        if (module, name) in (("copy_reg", "_reconstructor"), ("copyreg", "_reconstructor")):
            return _reconstructor
        if (module, name) in (("__builtin__", "object"), ("builtins", "object")):
            return _OBJECT
        if (module, name) == ("_codecs", "encode"):
            return _latin1_encode
        if (module, name) in (("__builtin__", "bytes"), ("builtins", "bytes")):
            return _empty_bytes
        if module == "numpy" or module.startswith("numpy."):
            raise LRPFormatError("the pickle refers to %s.%s, which is not one of the functions numpy rebuilds arrays, "
                                 "dtypes or scalars with; refusing to load it" % (module, name))
        raise LRPFormatError("the pickle refers to %s.%s, which is neither one of the toolbox's module classes nor "
                             "numpy's array reconstruction; refusing to load it" % (module, name))


def _reconstructor(cls, base, state):
    """copyreg._reconstructor for stand-ins only (Python 2 pickles of old-style-derived classes)."""
    if not (isinstance(cls, type) and issubclass(cls, PickledObject)) or base is not _OBJECT or state is not None:
        raise LRPFormatError("the pickle calls copyreg._reconstructor(%r, %r, %r); only toolbox classes derived from "
                             "object are allowed" % (cls, base, state))
    return cls.__new__(cls)


def _latin1_encode(text, encoding="latin1"):
    """_codecs.encode as Python 3 protocol-2 pickles use it for bytes (restricted to latin-1)."""
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise LRPFormatError("the pickle calls _codecs.encode with %r; only latin-1 text to bytes is allowed" %
                             (encoding,))
    return text.encode("latin1")


def _empty_bytes(*args):
    """bytes() as protocol-2 pickles write an empty bytes object (the raw data of an empty array)."""
    if args:
        raise LRPFormatError("the pickle calls bytes with arguments; only bytes() (empty) is allowed")
    return b""


def load(path):
    """The stand-in objects of a toolbox pickle (a Sequential stand-in with its modules). Only regular files are
    read: a FIFO or device would block or never end."""
    import os
    import stat
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise LRPIOError("cannot open '%s': %s" % (path, error.strerror)) from None
    if not stat.S_ISREG(mode):
        raise LRPIOError("cannot read '%s': not a regular file" % path)
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
