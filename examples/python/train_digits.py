"""Trains the project's models on scikit-learn's handwritten digits with liblrp's own training (the
toolbox's Sequential.train) and writes them in the toolbox's text format.

    python examples/python/train_digits.py [--out models] [--iterations 20000]

Data: digits.py (8×8 images, pixels scaled to [-1, 1], seeded split: 1297 for training, 500 held out).
Of the training part, the last 200 serve as validation data for train(); the held-out 500 are never seen
until the final accuracy.
"""

import argparse
import os
import time

import numpy as np

import _paths  # noqa: F401
import digits
import model_io
from modules import Convolution, Flatten, Linear, MaxPool, Rect, Sequential, SoftMax, SumPool

MODELS = {
    "digits-mlp": (False, lambda: [Linear(64, 128), Rect(), Linear(128, 64), Rect(), Linear(64, 10), SoftMax()]),
    "digits-cnn-sumpool": (True, lambda: [Convolution(filtersize=(3, 3, 1, 16), stride=(1, 1)), Rect(),
                                          SumPool(pool=(2, 2), stride=(2, 2)), Flatten(), Linear(144, 64), Rect(),
                                          Linear(64, 10), SoftMax()]),
    "digits-cnn-maxpool": (True, lambda: [Convolution(filtersize=(3, 3, 1, 16), stride=(1, 1)), Rect(),
                                          MaxPool(pool=(2, 2), stride=(2, 2)),
                                          Convolution(filtersize=(2, 2, 16, 32), stride=(1, 1)), Rect(), Flatten(),
                                          Linear(128, 10), SoftMax()]),
}


def accuracy(nn, X, Y):
    return float((nn.forward(X).argmax(axis=1) == Y.argmax(axis=1)).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(_paths.REPOSITORY, "models"))
    parser.add_argument("--iterations", type=int, default=20000)
    args = parser.parse_args()
    for name, (images, layers) in MODELS.items():
        X, Y, X_test, Y_test = digits.load(images=images)
        np.random.seed(1)  # the initial weights
        nn = Sequential(layers())
        start = time.time()
        nn.train(X[:-200], Y[:-200], Xval=X[-200:], Yval=Y[-200:], batchsize=25, iters=args.iterations, lrate=0.01,
                 lrate_decay='sublinear', status=1000, silent=True, seed=5)
        path = os.path.join(args.out, name + ".txt")
        model_io.write(nn, path)
        print("%-19s held-out accuracy %.1f%% (500 digits), training data %.1f%%, %.1f s -> %s" %
              (name, 100 * accuracy(nn, X_test, Y_test), 100 * accuracy(nn, X, Y), time.time() - start, path))


if __name__ == "__main__":
    main()
