"""The project's digit models, training on the digits, and the demo."""

import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest

from conftest import REPOSITORY, SHARED, shared

sys.path.insert(0, os.path.join(REPOSITORY, "examples", "python"))
digits = pytest.importorskip("digits")  # examples/python/digits.py (needs scikit-learn)
pytest.importorskip("sklearn")

from lrp import model_io  # noqa: E402
from lrp.modules import Linear, Rect, Sequential, SoftMax  # noqa: E402


@pytest.mark.parametrize("name,images", [("digits-mlp", False), ("digits-cnn-sumpool", True),
                                         ("digits-cnn-maxpool", True)])
def test_committed_models_reach_95_percent_on_held_out_digits(name, images):
    _, _, X_test, Y_test = digits.load(images=images)
    nn = model_io.read(os.path.join(REPOSITORY, "models", name + ".txt"))
    accuracy = (nn.forward(X_test).argmax(axis=1) == Y_test.argmax(axis=1)).mean()
    assert accuracy >= 0.95, "%s: %.3f" % (name, accuracy)


def test_short_training_on_digits_reaches_93_percent():
    X, Y, X_test, Y_test = digits.load()
    np.random.seed(1)
    nn = Sequential([Linear(64, 64), Rect(), Linear(64, 10), SoftMax()])
    nn.train(X, Y, batchsize=25, iters=3000, lrate=0.01, status=1000, silent=True, seed=3)
    accuracy = (nn.forward(X_test).argmax(axis=1) == Y_test.argmax(axis=1)).mean()
    assert accuracy >= 0.93, accuracy


def png_size(path):
    """(width, height) of a PNG after checking its signature, chunk CRCs and that its data decompresses."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, size = 8, None
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        assert struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])[0] == zlib.crc32(kind + body)
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        if kind == b"IDAT":
            width, height = size
            assert len(zlib.decompress(body)) == height * (1 + 3 * width)
        offset += 12 + length
    return size


def test_demo_writes_grids_and_relevance(tmp_path):
    arguments = ["--samples", "3", "--out", str(tmp_path)]
    if os.path.isdir(os.path.join(SHARED, "golden")):
        arguments += ["--toolbox", SHARED]
    result = subprocess.run([sys.executable, os.path.join(REPOSITORY, "examples", "python", "demo.py")] + arguments,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "demo finished in" in result.stdout
    names = ["digits-mlp", "digits-cnn-sumpool", "digits-cnn-maxpool"]
    if "--toolbox" in arguments:
        names.append("lenet5-mnist")
    for name in names:
        width, height = png_size(str(tmp_path / (name + ".png")))
        assert width > 300 and height > 50
        relevance = np.load(tmp_path / (name + "-relevance.npy"))
        assert relevance.shape[:2] == (3, 7) and np.isfinite(relevance).all()  # 7 methods: 5 LRP rules, PatternNet, PatternAttribution
        assert "%s " % name in result.stdout
