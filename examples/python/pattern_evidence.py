"""PatternNet and PatternAttribution, measured as the paper measures them (Kindermans et al. 2018, figures 4
and 5; issue 13):

  1. ρ(S) per kernel layer for the estimators identity (S_x), filter (S_w), linear (S_a), relu (S_a+−) and
     random, mean over each layer's neurons (NaN-free), the patterns fitted on one half of the data and ρ
     measured on the other;
  2. the MoRF region-perturbation AOPC of PatternAttribution against gradient, gradient × input, guided
     backprop, LRP-α1β0 and the epsilon_plus composite (uniform noise), with the curves as a picture.

Models: LeNet-5 on MNIST (../shared; patterns fitted on test images 0–4999, ρ on 5000–9999, AOPC on 500 of
those, 4×4 regions, 32 steps), the project's cluttered-MNIST CNN (models/mnist-clutter-cnn.txt; fitted on its
6000 training canvases, ρ on the 2000 evaluation canvases, AOPC on 300 of them, 8×8 regions, 32 steps) and
the digits CNN (models/digits-cnn-sumpool.txt; scikit-learn's 8×8 digits, fitted on the training split, ρ and
AOPC on the test split, 2×2 regions, 16 steps).

    python3 examples/python/pattern_evidence.py [SHARED_DIR] [OUT]      (make patterns)
"""

import os
import sys
import time

import numpy as np

import _paths  # noqa: F401
import cluttered_mnist
import digits

sys.path.insert(0, os.path.join(_paths.REPOSITORY, "python"))
from lrp import data_io, evaluate, model_io, plots  # noqa: E402

ESTIMATORS = [("S_x", "identity"), ("S_w", "filter"), ("S_a", "linear"), ("S_a+−", "relu"), ("random", "random")]
METHODS = [("PatternAttribution", "pattern_attribution"), ("gradient", "gradient"),
           ("gradient × input", "gradient_x_input"), ("guided backprop", "guided_backprop"),
           ("LRP-α1β0", "alphabeta:1"), ("epsilon_plus", "composite")]


def quality_table(nn, fit, held):
    """Markdown: one row per kernel layer, one column per estimator (mean ρ over the layer's neurons)."""
    nn.fit_patterns(fit, pattern_type="relu", progress=False)
    columns = [nn.pattern_quality(held, estimator, seed=1) for _, estimator in ESTIMATORS]
    layers = nn._model.kernel_layers()
    lines = ["| layer | " + " | ".join(name for name, _ in ESTIMATORS) + " |", "|---" * (len(ESTIMATORS) + 1) + "|"]
    for i, layer in enumerate(layers):
        lines.append("| %d %s | %s |" % (layer, nn._model.describe(layer).split()[0],
                                         " | ".join("%.3f" % np.nanmean(c[i]) for c in columns)))
    return "\n".join(lines)


def aopc_table(nn, X, region, steps, picture, title):
    """Markdown: the MoRF AOPC (mean ± standard error) per method; the curves go to `picture`."""
    Y = nn.forward(X)
    targets = Y.argmax(axis=1)
    R0 = np.zeros_like(Y)
    R0[np.arange(len(Y)), targets] = Y[np.arange(len(Y)), targets]
    rows, curves = [], {}
    for name, how in METHODS:
        nn.forward(X)
        if how == "composite":
            nn.set_composite("epsilon_plus")
            R = nn.lrp(R0)
            nn.set_lrp_parameters("simple")
        else:
            R = nn.lrp(R0, how)
        result = evaluate.perturbation(nn, X, R, targets=targets, region=region, steps=steps, order="morf", seed=0)
        curves[name] = result
        rows.append("| %s | %.3f ± %.3f |" % (name, result.aopc, result.aopc_per_sample.std() / np.sqrt(len(X))))
    plots.perturbation_curves(curves, picture, title=title)
    return "| method | AOPC (MoRF) |\n|---|---|\n" + "\n".join(rows)


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else _paths.SHARED
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(_paths.REPOSITORY, "out", "patterns")
    os.makedirs(out, exist_ok=True)
    started = time.time()
    sections = []

    lenet = model_io.read(os.path.join(shared, "models", "LeNet-5.txt"))
    images = data_io.read(os.path.join(shared, "data", "mnist", "test_images.mat")) / 127.5 - 1.0
    X = np.pad(images.reshape(-1, 28, 28, 1), ((0, 0), (2, 2), (2, 2), (0, 0)), constant_values=-1.0)
    sections.append(("LeNet-5 on MNIST", quality_table(lenet, X[:5000], X[5000:]),
                     aopc_table(lenet, X[5000:5500], 4, 32, os.path.join(out, "lenet5-morf.png"), "LeNet-5, MoRF")))
    print("LeNet-5 done (%.0f s)" % (time.time() - started), flush=True)

    clutter = model_io.read(os.path.join(_paths.REPOSITORY, "models", "mnist-clutter-cnn.txt"))
    (Xt, _, _), (Xe, _, _) = cluttered_mnist.split(shared)
    sections.append(("cluttered MNIST CNN (models/mnist-clutter-cnn.txt)", quality_table(clutter, Xt, Xe),
                     aopc_table(clutter, Xe[:300], 8, 32, os.path.join(out, "clutter-morf.png"), "cluttered MNIST, MoRF")))
    print("cluttered MNIST done (%.0f s)" % (time.time() - started), flush=True)

    small = model_io.read(os.path.join(_paths.REPOSITORY, "models", "digits-cnn-sumpool.txt"))
    X_train, _, X_test, _ = digits.load(images=True)
    sections.append(("digits CNN (models/digits-cnn-sumpool.txt)", quality_table(small, X_train, X_test),
                     aopc_table(small, X_test, 2, 16, os.path.join(out, "digits-morf.png"), "digits CNN, MoRF")))

    text = "\n\n".join("### %s\n\nρ(S), mean over each layer's neurons\n\n%s\n\n%s" % s for s in sections) + "\n"
    with open(os.path.join(out, "patterns.md"), "w") as f:
        f.write(text)
    print(text)
    print("tables and pictures in %s (%.0f s)" % (out, time.time() - started))


if __name__ == "__main__":
    main()
