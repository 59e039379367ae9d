"""liblrp's demo: explain classifier decisions on handwritten digits with several LRP rules.

For each of the project's models (models/digits-*.txt, trained on scikit-learn's digits) it explains a
handful of held-out digits with simple LRP, epsilon, alpha-beta (alpha 1 and 2), a mix (flat on a
convolutional first layer — w^2 on a dense one, where flat would give every input the same share — and
alpha 2 elsewhere) and PatternNet and PatternAttribution (relu patterns fitted on the training digits), and writes a comparison grid PNG (rows: samples with their true and predicted
class; columns: the input and one heatmap per rule) plus the raw relevance as .npy. With --toolbox DIR (a
folder with the LRP Toolbox's models/LeNet-5.txt and data/mnist/) it does the same for LeNet-5 on MNIST.

    python examples/python/demo.py [--samples 6] [--out out/demo] [--toolbox ../shared]
"""

import argparse
import os
import time

import numpy as np

import _paths  # noqa: F401
import data_io
import digits
import model_io
import render
from modules import Convolution

RULES = [("simple", "simple", None), ("epsilon 0.01", "epsilon", 0.01), ("alpha 1", "alphabeta", 1.),
         ("alpha 2", "alphabeta", 2.), (None, None, None),  # a per-layer mix, see explain()
         ("PatternNet", "pattern_net", None), ("Pattern Attribution", "pattern_attribution", None)]


#: The colour map of the heatmaps: symmetric around zero (blue negative, white zero, red positive).
CMAP = "bwr"


def with_legend(picture):
    """The grid with its colour bar below: every heatmap is scaled to its own largest |R|, so the bar runs from
    −1 (−max|R|) to 1 (+max|R|)."""
    bar = render.colorbar(-1, 1, length=min(300, picture.shape[1]), cmap=CMAP, scale=2)
    caption = render.text_to_rgb("relevance / max|R| of each heatmap", 2)
    rows = max(bar.shape[1], caption.shape[1])
    legend = np.ones((bar.shape[0] + caption.shape[0] + 8, picture.shape[1], 3))
    x = max(0, (picture.shape[1] - rows) // 2)
    legend[4:4 + bar.shape[0], x:x + bar.shape[1]] = bar
    legend[6 + bar.shape[0]:6 + bar.shape[0] + caption.shape[0], x:x + caption.shape[1]] = caption[:, :picture.shape[1] - x]
    return np.vstack([picture, legend])


def explain(nn, X, labels, name, out, scaling, image_shape, fit, outline_sigma=None):
    """Explains each sample's predicted class with every rule; writes the grid and the relevance. X is the
    model's input batch; `image_shape` the (height, width) to draw each sample as; `fit` the data the patterns
    of PatternNet and PatternAttribution are fitted on (held apart from X)."""
    first = 'flat' if isinstance(nn.modules[0], Convolution) else 'ww'
    mix_label = "%s + alpha 2" % ("flat" if first == 'flat' else "w^2")
    nn.fit_patterns(fit, pattern_type="relu", progress=False)
    Ypred = nn.forward(X)
    predicted = Ypred.argmax(axis=1)
    R_init = Ypred * (np.arange(Ypred.shape[1])[None, :] == predicted[:, None])
    relevance = []
    for _, rule, param in RULES:
        if rule is None:  # per-layer presets: flat or w^2 on the first layer, alpha 2 on the others
            nn.set_lrp_parameters('alphabeta', 2.)
            nn.modules[0].set_lrp_parameters(first)
            relevance.append(nn.lrp(R_init))
            nn.set_lrp_parameters('simple')
        else:
            relevance.append(nn.lrp(R_init, rule, param))
    relevance = np.stack(relevance, axis=1)  # samples × rules × input shape

    def image(values):
        return np.reshape(values, image_shape)

    rows = []
    for i in range(len(X)):
        row = [render.image_to_rgb(image(X[i]), low=-1, high=1, scaling=scaling)]
        for k in range(len(RULES)):
            heat = render.relevance_to_rgb(image(relevance[i, k]), scaling=scaling, cmap=CMAP)
            if outline_sigma:  # the digit's Canny outline, as the toolbox draws it, on the symmetric map
                outline = render.hm_to_rgb(image(relevance[i, k]), X=image(X[i]), scaling=scaling, sigma=outline_sigma,
                                           cmap="jet")
                heat[np.all(outline == 0, axis=-1)] = 0
            row.append(heat)
        rows.append(row)
    picture = render.grid(rows, column_labels=["input"] + [label or mix_label for label, _, _ in RULES],
                          row_labels=["true %d pred %d" % (labels[i], predicted[i]) for i in range(len(X))])
    picture = with_legend(picture)
    png = os.path.join(out, name + ".png")
    npy = os.path.join(out, name + "-relevance.npy")
    render.save_image([picture], png)
    np.save(npy, relevance)
    correct = int((predicted == labels).sum())
    print("%-20s %d/%d samples correct -> %s, %s (relevance %s: samples x rules x input)" %
          (name, correct, len(X), png, npy, "x".join(str(d) for d in relevance.shape)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=6, help="held-out digits per model (default 6)")
    parser.add_argument("--out", default="out/demo", help="where the images and arrays go (default out/demo)")
    parser.add_argument("--models", default=os.path.join(_paths.REPOSITORY, "models"))
    parser.add_argument("--toolbox", metavar="DIR", help="also explain LeNet-5 on MNIST from the LRP Toolbox's files in DIR")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    start = time.time()

    for name, images in [("digits-mlp", False), ("digits-cnn-sumpool", True), ("digits-cnn-maxpool", True)]:
        X_train, _, X_test, Y_test = digits.load(images=images)
        labels = Y_test.argmax(axis=1)
        # The first held-out digit of each class 0, 1, 2, ...
        picks = [int(np.flatnonzero(labels == c)[0]) for c in range(10)][:args.samples]
        nn = model_io.read(os.path.join(args.models, name + ".txt"))
        explain(nn, X_test[picks], labels[picks], name, args.out, scaling=12, image_shape=(8, 8), fit=X_train)

    if args.toolbox:
        nn = model_io.read(os.path.join(args.toolbox, "models", "LeNet-5.txt"))
        images = data_io.read(os.path.join(args.toolbox, "data", "mnist", "test_images.mat"))
        labels = data_io.read(os.path.join(args.toolbox, "data", "mnist", "test_labels.npy"))[:args.samples, 0].astype(int)
        X = np.pad((images / 127.5 - 1).reshape(-1, 28, 28, 1), ((0, 0), (2, 2), (2, 2), (0, 0)), "constant",
                   constant_values=-1.)
        # Patterns from the second half of the test set; the explained digits are the first.
        explain(nn, X[:args.samples], labels, "lenet5-mnist", args.out, scaling=3, image_shape=(32, 32),
                fit=X[5000:], outline_sigma=2)

    print("demo finished in %.1f s; images and relevance arrays are in %s" % (time.time() - start, args.out))


if __name__ == "__main__":
    main()
