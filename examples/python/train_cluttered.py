"""Trains models/mnist-clutter-cnn.txt, the localization benchmark's classifier, with liblrp's own training (the
toolbox's Sequential.train) on the 8000 training canvases of cluttered_mnist.py; the last 1000 of them are
train()'s validation data. Writes the model and the evaluation canvases' boxes (models/mnist-clutter-boxes.txt:
one row (top, left, bottom, right) per evaluation canvas, in order) and prints the accuracy on the 2000
evaluation canvases.

    python3 examples/python/train_cluttered.py [SHARED_DIR]
"""

import os
import sys
import time

import numpy as np

import _paths  # noqa: F401  (python/toolbox on the path)
import cluttered_mnist

sys.path.insert(0, os.path.join(_paths.REPOSITORY, "python"))
from lrp import model_io  # noqa: E402
from lrp.modules import Convolution, Flatten, Linear, Rect, Sequential, SoftMax, SumPool  # noqa: E402


def architecture():
    """64×64×1 → three convolution/Rect/sum-pool stages → 10 classes."""
    return Sequential([Convolution(filtersize=(5, 5, 1, 16), stride=(1, 1)), Rect(), SumPool(pool=(2, 2), stride=(2, 2)),
                       Convolution(filtersize=(5, 5, 16, 32), stride=(1, 1)), Rect(), SumPool(pool=(2, 2), stride=(2, 2)),
                       Convolution(filtersize=(4, 4, 32, 64), stride=(1, 1)), Rect(), SumPool(pool=(2, 2), stride=(2, 2)),
                       Flatten(), Linear(1600, 10), SoftMax()])


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else _paths.SHARED
    (X, Y, _), (Xe, Ye, boxes) = cluttered_mnist.split(shared)
    np.random.seed(1)
    nn = architecture()
    start = time.time()
    nn.train(X[:7000], Y[:7000], X[7000:], Y[7000:], batchsize=25, iters=20000, lrate=0.01, lrate_decay="sublinear",
             status=1000, seed=5)
    accuracy = np.mean(np.argmax(nn.forward(Xe), axis=1) == np.argmax(Ye, axis=1))
    print("trained in %.0f s; accuracy on the 2000 evaluation canvases: %.1f %%" % (time.time() - start, 100 * accuracy))
    models = os.path.join(_paths.REPOSITORY, "models")
    model_io.write(nn, os.path.join(models, "mnist-clutter-cnn.txt"))
    np.savetxt(os.path.join(models, "mnist-clutter-boxes.txt"), boxes, fmt="%d",
               header="top left bottom right: the boxes of the 2000 evaluation canvases of cluttered_mnist.py")


if __name__ == "__main__":
    main()
