"""Writes the seed corpus of every fuzz target into FOLDER/<target>/ from the repository's own files and small
arrays made here (numpy, scipy), so no corpus files need to be committed.

    python3 Fuzz/seeds.py FOLDER        (run from the repository root; make fuzz does)
"""

import json
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, "python")

FIXTURES = "Tests/fixtures"


def put(folder, target, name, data):
    """Writes one seed (bytes or str)."""
    os.makedirs(os.path.join(folder, target), exist_ok=True)
    with open(os.path.join(folder, target, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def copy(folder, target, path):
    os.makedirs(os.path.join(folder, target), exist_ok=True)
    shutil.copy(path, os.path.join(folder, target, os.path.basename(path)))


def arrays():
    """Small arrays of several dtypes, orders and ranks."""
    return [np.arange(6, dtype=np.float64).reshape(2, 3), np.array([1.5, -2.0], dtype=np.float32),
            np.arange(8, dtype=np.int16).reshape(2, 2, 2), np.asfortranarray(np.eye(3)), np.array(3.0),
            np.zeros((0, 4)), np.array([True, False]), np.arange(4, dtype=">i4")]


def main(folder):
    import io
    import scipy.io
    from lrp import model_io

    for name in ("xor.txt", "digits-mlp.txt", "digits-cnn-sumpool.txt", "digits-cnn-maxpool.txt"):
        copy(folder, "txt-model", os.path.join("models", name))
    put(folder, "txt-model", "old-form.txt", "Linear 2 2\n1 2\n3 4\n0 0\nRect\n")
    os.makedirs(os.path.join(folder, "archive"), exist_ok=True)
    for name in ("xor.txt", "digits-cnn-maxpool.txt"):
        model_io.write(model_io.read(os.path.join("models", name)), os.path.join(folder, "archive", name + ".npz"))
    graph = model_io.read(os.path.join(FIXTURES, "keras/residual_graph.h5"))
    model_io.write(graph, os.path.join(folder, "archive", "residual_graph.npz"))
    # A model archive holding patterns, and pattern statistics, of the small CNN the string targets use.
    small = model_io.read(os.path.join("models", "digits-cnn-sumpool.txt"))
    x = np.random.RandomState(0).uniform(0, 1, size=(20, 8, 8, 1))
    small.fit_patterns(x, progress=False)
    model_io.write(small, os.path.join(folder, "archive", "with-patterns.npz"))
    os.makedirs(os.path.join(folder, "pattern-statistics"), exist_ok=True)
    small.pattern_statistics(x).save(os.path.join(folder, "pattern-statistics", "digits.npz"))

    for i, a in enumerate(arrays()):
        buffer = io.BytesIO()
        np.save(buffer, a)
        put(folder, "npy", "a%d.npy" % i, buffer.getvalue())
        buffer = io.BytesIO()
        (np.savez_compressed if i % 2 else np.savez)(buffer, a, second=np.ones(2))
        put(folder, "npz", "a%d.npz" % i, buffer.getvalue())
        if a.dtype != bool and a.ndim >= 1:
            buffer = io.BytesIO()
            scipy.io.savemat(buffer, {"data": a, "other": np.ones((2, 2))}, do_compression=bool(i % 2))
            put(folder, "mat", "a%d.mat" % i, buffer.getvalue())
        if a.ndim in (1, 2) and a.dtype != bool:
            buffer = io.BytesIO()
            np.savetxt(buffer, a)
            put(folder, "txt-array", "a%d.txt" % i, buffer.getvalue())

    composite = {"format": "liblrp-composite", "version": 1, "segments": [
        {"first": 0, "last": 1, "rule": "zb:low=-1,high=1"}, {"first": 2, "last": 4, "rule": "gamma:gamma=0.25,epsilon=1e-06"},
        {"first": 5, "last": 7, "rule": "epsilon:0.1"}]}
    put(folder, "composite", "c.json", json.dumps(composite))
    put(folder, "composite", "flat.json", json.dumps({"format": "liblrp-composite", "version": 1,
                                                      "segments": [{"first": 0, "last": 0, "rule": "flat"}]}))
    put(folder, "composite", "vislrpdesigner.json", json.dumps({"name": "m", "date": "d", "time": "t", "configuration": [
        {"id": 0, "method": ["gamma"], "x0": 1, "x1": 3, "theta0": 0, "theta1": 1, "gamma0": 0, "gamma1": 1, "gamma1p": 0.3,
         "gamma1n": 0, "gamma2": 0, "eps": 0, "alpha": 1, "beta": 0},
        {"id": 1, "method": ["z_beta"], "x0": 1, "x1": 1, "low": [-1, -2], "high": 1},
        {"id": 2, "method": ["customized"], "x0": 3, "x1": 8, "rule": "epsilon:0.1"}]}))
    specs = ["epsilon:0.01", "alphabeta:alpha=2,beta=1", "gamma:0.25", "zb:low=[-2.1 -2.0],high=[2.2 2.4]", "zplus",
             "flat:epsilon=1e-6", "ww", "norm", "pass", "gradient_x_input", "guided_backprop",
             "unified:alpha=2,beta=1,theta0=0,theta1=1,gamma0=0,gamma1=0,gamma1p=1,gamma1n=0,gamma2=0,epsilon=0",
             "unified:gamma", "epsilon_gamma_box|low=-1,high=1", "lrp_cmp|alpha=2,flat_layers=1"]
    for i, spec in enumerate(specs):
        put(folder, "rule-spec", "s%d" % i, spec)
    layers = ["Convolution 2 2 2 4 1 1 pad=same\nRect\nMaxPool 2 2 2 2 round=up", "Linear 32 2\nTanh\nSoftMax",
              "AvgPool 2 2 1 1 divisor=inside\nFlatten", "BatchNorm 2\nSigmoid\nPad 1 1 0 2\nGlobalAvgPool",
              "Reshape 8 4\nLRN 3 0.0001 0.75 1", "Convolution 3 3 2 2 2 2 groups=2 pad=1,0,1,0\nSumPool 2 2 1 1"]
    for i, text in enumerate(layers):
        put(folder, "layer", "l%d" % i, text)
    copy(folder, "keras-json", os.path.join(FIXTURES, "keras/grouped_sequential.json"))
    for path in ("keras/residual_graph.h5", "hdf5/plain.h5", "hdf5/soft_link_loop.h5"):
        copy(folder, "h5", os.path.join(FIXTURES, path))
    for name in ("branchy_deploy.prototxt", "v1net_deploy.prototxt"):
        copy(folder, "prototxt", os.path.join(FIXTURES, "caffe", name))
    copy(folder, "caffemodel", os.path.join(FIXTURES, "caffe/branchy.caffemodel"))
    for name in ("branchy_deploy.prototxt", "v1net_deploy.prototxt"):
        copy(folder, "caffe-layers", os.path.join(FIXTURES, "caffe", name))
    copy(folder, "binaryproto", os.path.join(FIXTURES, "caffe/mean.binaryproto"))
    weights = {"conv": {"weights": np.ones((3, 3, 2, 3), np.float32), "biases": np.zeros(3, np.float32)},
               "ip1": {"weights": np.ones((27, 5), np.float32), "biases": np.zeros(5, np.float32)},
               "ip2": {"weights": np.ones((5, 2)), "biases": np.zeros(2)}}
    buffer = io.BytesIO()
    np.save(buffer, weights, allow_pickle=True)
    put(folder, "caffe-npy", "w.npy", buffer.getvalue())


if __name__ == "__main__":
    main(sys.argv[1])
