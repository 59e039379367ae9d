"""scikit-learn's handwritten digits (8×8, 1797 images) as the project's models use them: pixels 0–16 scaled
to [-1, 1], one-hot labels, and a fixed split — the first 1297 of a seeded permutation for training, the
other 500 held out."""

import numpy as np

TEST_SIZE = 500
SEED = 20261122


def load(images=False):
    """(X_train, Y_train, X_test, Y_test); X is N×64, or N×8×8×1 with images=True."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    X = digits.data / 8.0 - 1.0
    Y = np.eye(10)[digits.target]
    order = np.random.RandomState(SEED).permutation(len(X))
    train, test = order[:-TEST_SIZE], order[-TEST_SIZE:]
    if images:
        X = X.reshape(-1, 8, 8, 1)
    return X[train], Y[train], X[test], Y[test]
