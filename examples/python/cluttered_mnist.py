"""Cluttered MNIST with ground-truth boxes, the localization benchmark's data (issue 12; Kohlbrenner et al. 2020
measure localization on images whose objects have boxes): each 64×64 canvas holds one MNIST test digit, scaled to
16–60 pixels and placed at random, and 3 clutter fragments — 10×10 crops of other digits — outside its box.
The box is the digit's tight bounding box (pixels above 10 % of the maximum). Pixels are scaled to [−1, 1] as
x/127.5 − 1; the label is the digit's class.

Deterministic: the same seed and MNIST files give the same canvases. The first 8000 MNIST test images make the
training canvases, the last 2000 the evaluation canvases (`split`)."""

import numpy as np
from scipy import ndimage

SIZE = 64
SCALES = (16, 60)
FRAGMENTS = 3
FRAGMENT = 10
SEED = 20261202
TRAIN = 8000


def canvases(images, labels, seed=SEED):
    """(X N×64×64×1 in [−1, 1], Y one-hot N×10, boxes N×4 as (top, left, bottom, right)) for MNIST images (N×784,
    0–255) and labels (N)."""
    rng = np.random.RandomState(seed)
    n = len(images)
    digits = images.reshape(n, 28, 28).astype(np.float64)
    X = np.zeros((n, SIZE, SIZE))
    boxes = np.zeros((n, 4), dtype=np.int64)
    for i in range(n):
        side = rng.randint(SCALES[0], SCALES[1] + 1)
        digit = np.clip(ndimage.zoom(digits[i], side / 28.0, order=1), 0, 255)
        h, w = digit.shape
        top, left = rng.randint(0, SIZE - h + 1), rng.randint(0, SIZE - w + 1)
        X[i, top:top + h, left:left + w] = digit
        rows, cols = np.nonzero(digit > 0.1 * digit.max())
        box = (top + rows.min(), left + cols.min(), top + rows.max() + 1, left + cols.max() + 1)
        boxes[i] = box
        placed = 0
        for _ in range(40):
            if placed == FRAGMENTS:
                break
            other = digits[rng.randint(n)]
            r0, c0 = rng.randint(4, 28 - FRAGMENT - 3), rng.randint(4, 28 - FRAGMENT - 3)
            piece = other[r0:r0 + FRAGMENT, c0:c0 + FRAGMENT]
            t, l = rng.randint(0, SIZE - FRAGMENT + 1), rng.randint(0, SIZE - FRAGMENT + 1)
            if t < box[2] and t + FRAGMENT > box[0] and l < box[3] and l + FRAGMENT > box[1]:
                continue  # clutter stays outside the object's box
            X[i, t:t + FRAGMENT, l:l + FRAGMENT] = np.maximum(X[i, t:t + FRAGMENT, l:l + FRAGMENT], piece)
            placed += 1
    Y = np.eye(10)[np.asarray(labels, dtype=np.int64).ravel()]
    return (X / 127.5 - 1.0)[..., None], Y, boxes


def split(shared):
    """(training canvases, evaluation canvases), each (X, Y, boxes), from ../shared/data/mnist."""
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "python"))
    from lrp import data_io
    images = data_io.read(os.path.join(shared, "data", "mnist", "test_images.mat"))
    labels = data_io.read(os.path.join(shared, "data", "mnist", "test_labels.npy"))
    X, Y, boxes = canvases(images, labels)
    return (X[:TRAIN], Y[:TRAIN], boxes[:TRAIN]), (X[TRAIN:], Y[TRAIN:], boxes[TRAIN:])
