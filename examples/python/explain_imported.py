"""Explains a model trained in Keras or Caffe: reads it with model_io, classifies a few inputs and writes one
grid of heatmaps (rows: samples with true and predicted class; columns: input, then one rule each).

    python explain_imported.py [MODEL] [--weights W | --architecture JSON] [--inputs NPZ] [--scale S]
                               [--samples N] [--out FILE]

Defaults: the BVLC LeNet trained by Caffe (../shared/models/caffe) on its ten MNIST samples (pixels / 256).
For a Keras model: explain_imported.py model.h5 --inputs io.npz (arrays `x` and, if present, `labels`).
"""

import argparse
import time

import numpy as np

import _paths  # noqa: F401
import model_io
import render

CAFFE = _paths.SHARED + "/models/caffe/"
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("model", nargs="?", default=CAFFE + "ahmdtaha_lenet_deploy.prototxt")
parser.add_argument("--weights", help="Caffe weights (.caffemodel, .npz, caffe-tensorflow .npy)")
parser.add_argument("--architecture", help="Keras architecture JSON for a weights-only .h5")
parser.add_argument("--inputs", default=CAFFE + "ahmdtaha_lenet_samples.npz")
parser.add_argument("--scale", type=float, default=None, help="multiply inputs by this (default 1/256 for the Caffe LeNet)")
parser.add_argument("--samples", type=int, default=6)
parser.add_argument("--out", default="explain_imported.png")
args = parser.parse_args()
if args.model.endswith(".prototxt") and args.weights is None:
    args.weights = CAFFE + "ahmdtaha_lenet.caffemodel"
if args.scale is None:
    args.scale = 1 / 256. if args.inputs.endswith("ahmdtaha_lenet_samples.npz") else 1.

start = time.time()
kw = {"weights": args.weights} if args.weights else ({"architecture": args.architecture} if args.architecture else {})
nn = model_io.read(args.model, **kw)
print("%s: %d layers (%s), input %s" % (args.model, len(nn.modules), type(nn).__name__, nn.input_shape))

data = np.load(args.inputs)
X = data["x"][:args.samples].astype(np.float64) * args.scale
X = X.reshape((len(X),) + tuple(nn.input_shape or X.shape[1:]))
labels = data["labels"][:args.samples] if "labels" in data.files else None
Y = nn.forward(X)
predicted = Y.argmax(axis=1)
print("predicted class:", predicted, "" if labels is None else "(true: %s)" % np.asarray(labels).ravel())
R_init = Y * (Y == Y.max(axis=1, keepdims=True))

rules = [("epsilon 0.01", ("epsilon", 0.01)), ("alpha 1", ("alphabeta", 1.)), ("alpha 2", ("alphabeta", 2.)),
         ("flat+alpha 2", None)]
columns = [["input"] + [name for name, _ in rules]][0]
rows, row_labels = [], []
heatmaps = {}
for name, rule in rules:
    if rule is None:  # a per-layer mix: flat on the first layer, alpha=2 elsewhere
        nn.set_lrp_parameters("alphabeta", 2.)
        nn.modules[0].set_lrp_parameters("flat")
        heatmaps[name] = nn.lrp(R_init)
    else:
        heatmaps[name] = nn.lrp(R_init, *rule)
for i in range(len(X)):
    image = X[i]
    gray = image.mean(axis=-1) if image.ndim == 3 else image
    row = [render.digit_to_rgb(gray, scaling=3)]
    for name, _ in rules:
        R = heatmaps[name][i]
        row.append(render.hm_to_rgb(R.sum(axis=-1) if R.ndim == 3 else R, scaling=3))
    rows.append(row)
    row_labels.append(("%s/%d" % (labels[i], predicted[i])) if labels is not None else str(predicted[i]))
render.save_image([render.grid(rows, column_labels=columns, row_labels=row_labels)], args.out)
print("wrote %s (%.2f s)" % (args.out, time.time() - start))
