"""The Python examples run headless and write their PNG files."""

import os
import subprocess
import sys

import pytest

from conftest import REPOSITORY, shared

EXAMPLES = os.path.join(REPOSITORY, "examples", "python")


@pytest.mark.parametrize("script,arguments,outputs", [
    ("mini.py", [], ["mini.png"]),
    ("lrp_demo.py", ["--samples", "2"], ["lrp_demo_output/lrp_demo_epsilon_1.png", "lrp_demo_output/lrp_demo_flat.png"]),
    ("lrp_cnn_demo.py", ["--samples", "2"], ["lrp_cnn_demo_output/lrp_cnn_demo_alphabeta_2.png",
                                            "lrp_cnn_demo_output/lrp_cnn_demo_flat_then_alphabeta_2.png"]),
    ("explain_imported.py", ["--samples", "3"], ["explain_imported.png"]),
    ("explain_imported.py", [os.path.join(REPOSITORY, "Tests/fixtures/keras/residual_graph.h5"), "--inputs",
                             os.path.join(REPOSITORY, "Tests/fixtures/keras/residual_graph.io.npz"), "--out", "keras.png"],
     ["keras.png"]),
])
def test_example(tmp_path, script, arguments, outputs):
    shared("models/LeNet-5.txt")  # the defaults read ../shared
    result = subprocess.run([sys.executable, os.path.join(EXAMPLES, script)] + arguments, cwd=str(tmp_path),
                            capture_output=True, text=True,
                            env=dict(os.environ, MPLBACKEND="Agg", DISPLAY="", PYTHONWARNINGS="default"))
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, "the example warns:\n" + result.stderr
    assert "predicted class" in result.stdout
    for output in outputs:
        data = (tmp_path / output).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", output
