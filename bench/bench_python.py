"""The Python path's overhead over the C path: LeNet-5 at batch 256 on MNIST, forward + LRP-epsilon.

Both paths run in this process, interleaved so they see the same machine state: the C path calls
lrp_forward and lrp_relevance directly on preallocated buffers (what a C program does); the Python path is
the toolbox API (nn.forward, then nn.lrp on the masked output), allocations included."""

import ctypes
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))
from lrp import _capi, data_io, model_io  # noqa: E402

shared = sys.argv[1] if len(sys.argv) > 1 else "../shared"
repetitions = int(sys.argv[2]) if len(sys.argv) > 2 else 31
pixels = data_io.read(os.path.join(shared, "data/mnist/test_images.mat"))[:256] / 127.5 - 1
X = np.ascontiguousarray(np.pad(pixels.reshape(256, 28, 28, 1), ((0, 0), (2, 2), (2, 2), (0, 0)), "constant",
                                constant_values=-1.))
nn = model_io.read(os.path.join(shared, "models/LeNet-5.txt"))

# The C path: raw calls with buffers allocated once.
handle, lib = nn._model._handle, _capi.lib
shape = np.array(X.shape, dtype=np.int64)
y = np.empty(2560)
rank, y_shape = ctypes.c_int32(), np.zeros(8, dtype=np.int64)
rx = np.empty(X.size)
r = np.empty(2560)


def c_path():
    lib.lrp_forward(handle, X, 4, shape, y, y.size, ctypes.byref(rank), y_shape)
    Y = y.reshape(256, 10)
    np.multiply(Y, Y == Y.max(axis=1, keepdims=True), out=r.reshape(256, 10))
    lib.lrp_relevance(handle, r, r.size, b"epsilon", 1.0, rx, rx.size)


def python_path():
    Y = nn.forward(X)
    nn.lrp(Y * (Y == Y.max(axis=1, keepdims=True)), "epsilon", 1.)


c_path(), python_path()
c_times, py_times = [], []
for _ in range(repetitions):
    for function, times in ((c_path, c_times), (python_path, py_times)):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
c_ms, py_ms = (1e3 * sorted(t)[len(t) // 2] for t in (c_times, py_times))
print("\nPython overhead, LeNet-5 batch 256, forward + LRP-epsilon (medians of %d interleaved runs):" % repetitions)
print("  C path (lrp_forward + lrp_relevance)   %7.2f ms" % c_ms)
print("  Python toolbox API (nn.forward, nn.lrp) %7.2f ms  (%+.1f%%; target: at most +10%%)" %
      (py_ms, 100 * (py_ms / c_ms - 1)))
