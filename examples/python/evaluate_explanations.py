"""Which explanation is right? The localization benchmark of issue 12, in the spirit of Kohlbrenner et al.'s
Table 1, and the AOPC of region perturbation, for the methods of liblrp:

  1. cluttered MNIST (cluttered_mnist.py; the classifier models/mnist-clutter-cnn.txt, trained by
     train_cluttered.py): on the 2000 evaluation canvases mean μ_w, μ≤0.25, μ≤0.5 and μ of the true class's
     explanation against its box, and, on the first 500, the AOPC of MoRF and LeRF region perturbation (8×8
     regions, 32 steps, uniform noise);
  2. LeNet-5 on MNIST (../shared): the same AOPC on the first 500 test digits (4×4 regions, 32 steps).

Writes the tables (markdown) and the pictures (curves, μ against box size) to OUT (default out/evaluate).

    python3 examples/python/evaluate_explanations.py [SHARED_DIR] [OUT]      (make evaluate)
"""

import os
import sys
import time

import numpy as np

import _paths  # noqa: F401
import cluttered_mnist

sys.path.insert(0, os.path.join(_paths.REPOSITORY, "python"))
from lrp import data_io, evaluate, model_io, plots  # noqa: E402

#: (name, how the relevance is set up): a rule for every layer, a composite, or a baseline.
METHODS = [
    ("LRP_z", ("rule", "simple", None)),
    ("LRP_ε (0.01)", ("rule", "epsilon", 0.01)),
    ("LRP_α1β0", ("rule", "alphabeta", 1.0)),
    ("LRP_α2β1", ("rule", "alphabeta", 2.0)),
    ("LRP_CMP α1", ("cmp", 1, None)),
    ("LRP_CMP α1 + flat", ("cmp", 1, "flat")),
    ("LRP_CMP α1 + zB", ("cmp", 1, "zb")),
    ("LRP_CMP α2", ("cmp", 2, None)),
    ("LRP_CMP α2 + flat", ("cmp", 2, "flat")),
    ("LRP_CMP α2 + zB", ("cmp", 2, "zb")),
    ("guided backprop", ("rule", "guided_backprop", None)),
    ("gradient × input", ("rule", "gradient_x_input", None)),
    ("gradient", ("rule", "gradient", None)),
    ("uniform", ("uniform",)),
    ("random", ("random",)),
]


def relevance(nn, X, Y, targets, how, seed=0):
    """The explanation of the target classes of X by method `how` (N×H×W×C)."""
    if how[0] == "uniform":
        return np.ones_like(X)
    if how[0] == "random":
        return np.random.RandomState(seed).uniform(-1, 1, size=X.shape)
    Rout = np.zeros_like(Y)
    Rout[np.arange(len(Y)), targets] = Y[np.arange(len(Y)), targets]
    if how[0] == "rule":
        return nn.lrp(Rout, how[1], how[2])
    _, alpha, first = how
    nn.set_composite("lrp_cmp", alpha=alpha, flat_layers=1 if first == "flat" else 0, epsilon=0.01)
    if first == "zb":
        nn.modules[0].set_lrp_parameters("zb:low=-1,high=1")
    return nn.lrp(Rout)


def table(rows, columns):
    lines = ["| method | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, values in rows:
        lines.append("| %s | %s |" % (name, " | ".join("%.3f" % v for v in values)))
    return "\n".join(lines)


def perturbation_aopc(nn, X, R, targets, region, steps, seed=0):
    morf = evaluate.perturbation(nn, X, R, targets=targets, region=region, steps=steps, order="morf", seed=seed)
    lerf = evaluate.perturbation(nn, X, R, targets=targets, region=region, steps=steps, order="lerf", seed=seed)
    return morf, lerf


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else _paths.SHARED
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(_paths.REPOSITORY, "out", "evaluate")
    os.makedirs(out, exist_ok=True)
    started = time.time()

    # 1. Cluttered MNIST: localization on all 2000 evaluation canvases, AOPC on the first 500.
    _, (X, T, boxes) = cluttered_mnist.split(shared)
    committed = np.loadtxt(os.path.join(_paths.REPOSITORY, "models", "mnist-clutter-boxes.txt"), dtype=np.int64)
    assert np.array_equal(committed, boxes), "the evaluation canvases differ from those the model was made with"
    nn = model_io.read(os.path.join(_paths.REPOSITORY, "models", "mnist-clutter-cnn.txt"))
    Y = nn.forward(X)
    targets = np.argmax(T, axis=1)
    accuracy = np.mean(np.argmax(Y, axis=1) == targets)
    rows, curves, sizes = [], {}, {}
    for name, how in METHODS:
        nn.forward(X)
        R = relevance(nn, X, Y, targets, how)
        loc = evaluate.localization(R, boxes)
        nn.forward(X[:500])
        morf, lerf = perturbation_aopc(nn, X[:500], R[:500], targets[:500], region=8, steps=32)
        rows.append((name, [loc.mean_mu_w, loc.mu_25, loc.mu_50, loc.mean_mu, morf.aopc, lerf.aopc]))
        if name in ("LRP_ε (0.01)", "LRP_α1β0", "LRP_CMP α2 + flat", "gradient", "random"):
            curves[name + " MoRF"] = morf
            sizes[name] = loc.statistics
        print("%-20s done (%.0f s)" % (name, time.time() - started), flush=True)
    first = table(rows, ["mean μ_w", "μ≤0.25", "μ≤0.5", "mean μ", "AOPC MoRF", "AOPC LeRF"])
    header = ("Cluttered MNIST, models/mnist-clutter-cnn.txt (accuracy %.1f %% on the 2000 evaluation canvases); "
              "localization of the true class's explanation on all 2000, AOPC on the first 500 (8×8 regions, 32 steps, "
              "uniform noise)" % (100 * accuracy))
    plots.perturbation_curves(curves, os.path.join(out, "clutter-morf.png"), title="Cluttered MNIST, MoRF")
    plots.localization_by_size(sizes, os.path.join(out, "clutter-mu-by-size.png"))

    # 2. LeNet-5 on MNIST: AOPC on the first 500 test digits.
    lenet = model_io.read(os.path.join(shared, "models", "LeNet-5.txt"))
    images = data_io.read(os.path.join(shared, "data", "mnist", "test_images.mat"))[:500] / 127.5 - 1.0
    labels = data_io.read(os.path.join(shared, "data", "mnist", "test_labels.npy"))[:500].astype(np.int64).ravel()
    Xl = np.pad(images.reshape(-1, 28, 28, 1), ((0, 0), (2, 2), (2, 2), (0, 0)), constant_values=-1.0)
    Yl = lenet.forward(Xl)
    lrows, lcurves = [], {}
    for name, how in METHODS:
        lenet.forward(Xl)
        R = relevance(lenet, Xl, Yl, labels, how)
        morf, lerf = perturbation_aopc(lenet, Xl, R, labels, region=4, steps=32)
        lrows.append((name, [morf.aopc, lerf.aopc, morf.aopc - lerf.aopc]))
        if name in ("LRP_ε (0.01)", "LRP_α1β0", "LRP_CMP α2 + flat", "gradient", "random"):
            lcurves[name + " MoRF"] = morf
    second = table(lrows, ["AOPC MoRF", "AOPC LeRF", "ABPC"])
    plots.perturbation_curves(lcurves, os.path.join(out, "lenet5-morf.png"), title="LeNet-5 on MNIST, MoRF")
    text = "%s\n\n%s\n\nLeNet-5 on MNIST, the first 500 test digits (4×4 regions, 32 steps, uniform noise)\n\n%s\n" % (
        header, first, second)
    with open(os.path.join(out, "tables.md"), "w") as f:
        f.write(text)
    print("\n" + text)
    print("tables and pictures in %s (%.0f s)" % (out, time.time() - started))


if __name__ == "__main__":
    main()
