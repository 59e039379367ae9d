"""Shared test material: ../shared beside the repository. Without it, tests that need it are skipped with a
message, except under CI=true, where they fail."""

import json
import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.join(os.path.dirname(REPOSITORY), "shared")
sys.path.insert(0, os.path.join(REPOSITORY, "python"))

CI = os.environ.get("CI") == "true"


def shared(relative):
    """The path of a file in ../shared; skips (or, under CI, fails) when it is missing."""
    path = os.path.join(SHARED, relative)
    if not os.path.exists(path):
        if CI:
            pytest.fail("missing shared file %s (CI=true)" % path)
        pytest.skip("../shared is missing (%s): golden tests are skipped" % path)
    return path


def relative_error(a, b):
    """golden/README.md's measure: max |a - b| / max(1e-12, max |b|)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.size == b.size, "sizes differ: %s vs %s" % (a.shape, b.shape)
    return float(np.abs(a.reshape(-1) - b.reshape(-1)).max() / max(1e-12, np.abs(b).max()))


#: (case, model file in ../shared) of golden/*.npz.
CASES = [("xor", "models/xor_net_small.txt"), ("lenet5", "models/LeNet-5.txt"), ("mlp", "models/mlp-rect.txt"),
         ("cnn", "golden/cnn.txt")]


def manifest():
    with open(shared("golden/MANIFEST.json")) as f:
        return json.load(f)
