"""Reading and writing data arrays, as the LRP Toolbox's data_io: read(path, fmt=None) and
write(data, path, fmt=None) for 'txt', 'npy', 'npz' and 'mat' (MATLAB v5). The file formats are handled
by liblrp, so C programs read and write the same files. read and write print the toolbox's log lines
("loading np-formatted data from <path>", "writing data in npy-format to <path>", ...)."""

import os
from ctypes import byref, c_void_p

import numpy as np

from ._capi import check, doubles, lib, shape_of, sized_text, text
from .errors import LRPArgumentError, LRPIOError

_FORMATS = ("txt", "npy", "npz", "mat")

#: The toolbox's log line for reading and for writing each format.
_READ_LOG = {"npy": "loading np-formatted data from", "npz": "loading np-formatted data from",
             "mat": "loading matlab formatted data from", "txt": "loading plain text data from"}
_WRITE_LOG = {"npy": "writing data in npy-format to", "npz": "writing data in npy-format to",
              "mat": "writing data in mat-format to", "txt": "writing data as plain text to"}


def _format(path, fmt):
    kind = (fmt if fmt is not None else os.path.splitext(os.fspath(path))[1].replace(".", "")).lower()
    kind = "npy" if kind == "" else kind
    if kind not in _FORMATS:
        raise LRPArgumentError("data_io: unknown data format '%s' (known: %s)" % (kind, ", ".join(_FORMATS)))
    return kind


def read_array(path, fmt=None, key=None):
    """One array from a file (`key`: the member of an npz or mat file; mat default 'data')."""
    handle = c_void_p()
    check(lib.lrp_array_read(os.fsencode(path), text(fmt), text(key), byref(handle)))
    try:
        rank = lib.lrp_array_rank(handle)
        shape = tuple(lib.lrp_array_shape(handle)[i] for i in range(rank))
        count = lib.lrp_array_count(handle)
        values = np.ctypeslib.as_array(lib.lrp_array_data(handle), shape=(max(count, 1),))[:count]
        return values.reshape(shape).copy()
    finally:
        lib.lrp_array_free(handle)


def keys(path, fmt=None):
    """The names of the arrays in an npz or mat file ([] for npy and txt)."""
    value = sized_text(lib.lrp_array_keys, os.fsencode(path), text(fmt))
    return value.split("\n") if value else []


def read(path, fmt=None):
    """Reads data: the array of a txt, npy or mat file (mat: the variable 'data'); for npz the array when
    there is one, else a dict of all arrays by key."""
    if not os.path.exists(path):
        raise LRPIOError("data_io.read: no such file or directory: %s" % os.fspath(path))
    kind = _format(path, fmt)
    print(_READ_LOG[kind], path)
    if kind == "npz":
        names = keys(path, "npz")
        if len(names) != 1:
            return {name: read_array(path, "npz", name) for name in names}
    return read_array(path, kind)


def write(data, path, fmt=None):
    """Writes an array: txt (rank ≤ 2), npy, npz (one member, 'arr_0') or mat (variable 'data')."""
    kind = _format(path, fmt)
    print(_WRITE_LOG[kind], path)
    values = doubles(data)
    check(lib.lrp_array_write(os.fsencode(path), text(kind), values, values.ndim, shape_of(values)))
