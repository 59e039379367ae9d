"""The reference LRP Toolbox's own scripts (its python/ folder), run unchanged on our drop-in modules
(PYTHONPATH=python/toolbox) in a folder laid out as they expect, on small stand-in data; their printed
output is compared with the reference toolbox's where it is deterministic.

The scripts are not part of this repository. Point LRP_TOOLBOX_PYTHON at a folder holding them (the
toolbox's python/ folder, e.g. extracted with git show into /tmp), or put them at ../shared/toolbox/python;
otherwise the tests are skipped. Stand-ins: data/MNIST/test_*.npy are the first 300 MNIST test images and
labels, train_*.npy test images 1000-2999 (only the training scripts' first status lines are awaited);
models/MNIST/LeNet-5.nn is the shared LeNet-5, long-rect.nn and long-tanh.nn both the shared 784-300-100-10
Rect MLP, pickled by the reference's model_io.write when its modules are beside the scripts (else by ours).
The reference itself runs with numpy.float and numpy.Inf restored (numpy 2 removed them) and needs
matplotlib and scikit-image; without them only our side runs.
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPOSITORY, shared

ENV = "LRP_TOOLBOX_PYTHON"
SCRIPTS = ["mini.py", "lrp_demo.py", "lrp_cnn_demo.py", "lrp_timing.py", "lrp_timing_cnn.py", "training_test.py",
           "cnn_training_test.py"]
#: Scripts that need matplotlib (they import pyplot to show the heatmaps).
PYPLOT = {"lrp_demo.py", "lrp_cnn_demo.py", "lrp_timing.py", "lrp_timing_cnn.py"}
#: Time limits (seconds) for our run and the reference's; the training scripts are stopped there.
LIMITS = {"training_test.py": (150, 60), "cnn_training_test.py": (100, 45), "lrp_timing.py": (300, 30),
          "lrp_timing_cnn.py": (300, 30)}
#: Files the scripts write into ../ that are kept per script (later scripts overwrite them).
OUTPUTS = ("heatmap.npy", "Rbatch.npy", "hm_py.png", "heatmap.png")
TRAINING = {"training_test.py", "cnn_training_test.py"}
#: Lines whose numbers are times (masked before comparing); in the training scripts every number is random.
VOLATILE = re.compile(r"^\s+(old|new|aware):|^Computation of \d+ heatmaps")
NUMBER = re.compile(r"-?\d+(\.\d+)?(e[-+]?\d+)?")
NONFINITE = re.compile(r"\b-?(nan|inf)\b")
NEW_BEST = "    New loss-optimal parameter set encountered"


def toolbox_folder():
    folder = os.environ.get(ENV) or os.path.join(os.path.dirname(REPOSITORY), "shared", "toolbox", "python")
    missing = [s for s in SCRIPTS if not os.path.exists(os.path.join(folder, s))]
    if missing:
        pytest.skip("the LRP Toolbox's python/ scripts are not available (%s missing in %s): set %s to the folder "
                    "holding lrp_demo.py, mini.py, ... (or put them at ../shared/toolbox/python)" %
                    (", ".join(missing), folder, ENV))
    return folder


def has(module):
    return importlib.util.find_spec(module) is not None


def reference_available(folder):
    return (os.path.exists(os.path.join(folder, "model_io.py")) and os.path.isdir(os.path.join(folder, "modules"))
            and has("matplotlib") and has("skimage") and has("scipy"))


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    """root/{data,models}/MNIST with the stand-ins; root/ours/python holds only the scripts (so that our modules
    are imported), root/reference/python the whole toolbox folder; both see ../data and ../models."""
    folder = toolbox_folder()
    root = tmp_path_factory.mktemp("toolbox")
    data, models = root / "data" / "MNIST", root / "models" / "MNIST"
    data.mkdir(parents=True)
    models.mkdir(parents=True)
    sys.path.insert(0, os.path.join(REPOSITORY, "python"))
    from lrp import data_io
    images = data_io.read_array(shared("data/mnist/test_images.mat"), key="data").astype(np.float64)
    labels = data_io.read_array(shared("data/mnist/test_labels.npy"))
    np.save(data / "test_images.npy", images[:300])
    np.save(data / "test_labels.npy", labels[:300])
    np.save(data / "train_images.npy", images[1000:3000])
    np.save(data / "train_labels.npy", labels[1000:3000])
    shutil.copy(shared("models/LeNet-5.nn"), models / "LeNet-5.nn")
    mlp = shared("models/mlp-rect.txt")
    writer = ("import model_io\nnn = model_io.read(%r)\nfor name in ('long-rect.nn', 'long-tanh.nn'):\n"
              "    model_io.write(nn, %r + '/' + name)\n" % (mlp, str(models)))
    reference_writer = os.path.exists(os.path.join(folder, "model_io.py"))
    out = subprocess.run([sys.executable, "-c", writer], capture_output=True, text=True,
                         cwd=folder if reference_writer else str(root),
                         env=dict(os.environ, PYTHONPATH=folder if reference_writer else
                                  os.path.join(REPOSITORY, "python", "toolbox")))
    assert out.returncode == 0, out.stderr
    for side in ("ours", "reference"):
        (root / side).mkdir()
        os.symlink("../data", str(root / side / "data"))
        os.symlink("../models", str(root / side / "models"))
    (root / "ours" / "python").mkdir()
    for script in SCRIPTS:
        shutil.copy(os.path.join(folder, script), str(root / "ours" / "python" / script))
    shutil.copytree(folder, str(root / "reference" / "python"))
    shim = root / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text("import numpy\nnumpy.float = float\nnumpy.Inf = numpy.inf\n")
    return {"root": root, "folder": folder, "reference": reference_available(folder), "results": {}}


def run(layout, side, script):
    """(finished, stdout lines, stderr) of one script run in root/<side>/python, stopped at its time limit."""
    key = (side, script)
    if key in layout["results"]:
        return layout["results"][key]
    ours = side == "ours"
    limit = LIMITS.get(script, (300, 300))[0 if ours else 1]
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1",
               PYTHONPATH=os.path.join(REPOSITORY, "python", "toolbox") if ours else str(layout["root"] / "shim"))
    cwd = str(layout["root"] / side / "python")
    try:
        out = subprocess.run([sys.executable, script], cwd=cwd, env=env, capture_output=True, timeout=limit)
        result = (True, out.returncode, out.stdout, out.stderr)
    except subprocess.TimeoutExpired as stopped:
        result = (False, None, stopped.stdout or b"", stopped.stderr or b"")
    finished, code, stdout, stderr = result
    stdout, stderr = stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")
    if finished:
        assert code == 0, "%s (%s) failed:\n%s" % (script, side, stderr[-3000:])
    kept = layout["root"] / side / ("outputs-" + script)
    kept.mkdir()
    for name in OUTPUTS:
        if (layout["root"] / side / name).exists():
            shutil.move(str(layout["root"] / side / name), str(kept / name))
    layout["results"][key] = (finished, stdout.splitlines(), stderr)
    return layout["results"][key]


def normalized(script, lines):
    if script in TRAINING:
        # Random initialization and batches: every number, a diverged loss (nan, inf) and whether a status found a
        # new best loss differ from run to run.
        return [NONFINITE.sub("#", NUMBER.sub("#", line)) for line in lines if not line.startswith(NEW_BEST)]
    return [NUMBER.sub("#", line) if VOLATILE.search(line) else line for line in lines]


def needs_pyplot(script):
    if script in PYPLOT and not has("matplotlib"):
        pytest.skip("%s imports matplotlib.pyplot, which is not installed" % script)


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_runs_unchanged_on_our_modules(layout, script):
    needs_pyplot(script)
    finished, lines, stderr = run(layout, "ours", script)
    root = layout["root"] / "ours" / ("outputs-" + script)
    if script == "mini.py":
        assert lines == ["loading pickled model from ../models/MNIST/long-rect.nn",
                         "loading np-formatted data from ../data/MNIST/test_images.npy",
                         "saving image to  ../hm_py.png"]
        assert (root / "hm_py.png").read_bytes()[:4] == b"\x89PNG"
    elif script in ("lrp_demo.py", "lrp_cnn_demo.py"):
        model, drop = (("long-tanh.nn", "removing softmax output mapping") if script == "lrp_demo.py" else
                       ("LeNet-5.nn", "output layer is not softmax. nothing to do"))
        assert lines[:5] == ["loading pickled model from ../models/MNIST/" + model, drop,
                             "loading np-formatted data from ../data/MNIST/test_images.npy",
                             "loading np-formatted data from ../data/MNIST/test_labels.npy",
                             lines[4]]
        assert re.match(r"model test accuracy is: 0\.9\d\d\d$", lines[4]), lines[4]
        assert lines.count("saving image to  ../heatmap.png") == 10
        assert lines.count("writing data in npy-format to ../heatmap.npy") == 10
        assert lines[-2] == "writing data in npy-format to ../Rbatch.npy"
        assert re.match(r"Computation of 256 heatmaps using numpy in \d+\.\d\d\ds$", lines[-1])
        assert np.load(root / "Rbatch.npy").shape[0] == 256
    elif script in ("lrp_timing.py", "lrp_timing_cnn.py"):
        assert finished  # every assert_allclose between the '_slow' and the fast rules passed
        for batch in (1, 16, 64):
            assert any(line.startswith("Measuring Speed Gain for batch of %d " % batch) for line in lines)
        assert lines.count("." * 10) == 3
    elif script == "training_test.py":
        text = "\n".join(lines)
        for iterations in (250, 500, 750, 1000):
            assert "Accuracy after %d iterations on training data:" % iterations in text
        assert re.search(r"^model train accuracy is: \d\.\d{4}$", text, re.M)
        assert "writing model as plain text to ../xor_net_small_1000.txt" in lines
        assert "loading np-formatted data from ../data/MNIST/train_images.npy" in lines
        assert re.search(r"^batch# 100, lrate 0\.005, l1-loss ", text, re.M)  # the MNIST part is under way
        assert (layout["root"] / "ours" / "xor_net_small_1000.txt").exists()
    elif script == "cnn_training_test.py":
        text = "\n".join(lines)
        assert lines[:4] == ["loading np-formatted data from ../data/MNIST/%s.npy" % name for name in
                             ("train_images", "train_labels", "test_images", "test_labels")]
        # The loss is printed with {:.4}: this LeNet-5 diverges for about half of the random initializations, in the
        # reference as in ours (e.g. numpy seed 12: nan there, 3.8e+112 here), and then prints nan or 1e+73.
        loss = r"(nan|inf|\d+(\.\d+)?(e[-+]\d+)?)"
        assert re.search(r"^batch# 25, lrate 0\.001, l1-loss " + loss + "$", text, re.M)
        assert re.search(r"^Accuracy after 250 iterations on validation set: [\d.]+% \(l1-loss: " + loss + r"\)$", text, re.M)


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_prints_what_the_reference_prints(layout, script):
    needs_pyplot(script)
    if not layout["reference"]:
        pytest.skip("the reference toolbox cannot run here (needs its model_io.py and modules/ beside the scripts, "
                    "matplotlib, scikit-image and scipy)")
    ours_finished, ours, _ = run(layout, "ours", script)
    ref_finished, reference, _ = run(layout, "reference", script)
    ours, reference = normalized(script, ours), normalized(script, reference)
    if ours_finished and ref_finished:
        assert ours == reference
    else:
        # Stopped at a time limit: the lines both printed agree (the last one may be cut off).
        common = min(len(ours), len(reference)) - 1
        assert common >= 3, (ours[:5], reference[:5])
        assert ours[:common] == reference[:common]
    if script in ("lrp_demo.py", "lrp_cnn_demo.py"):
        root = layout["root"]
        for name in ("heatmap.npy", "Rbatch.npy"):
            a = np.load(root / "ours" / ("outputs-" + script) / name)
            b = np.load(root / "reference" / ("outputs-" + script) / name)
            assert a.shape == b.shape
            assert np.abs(a - b).max() <= 1e-9 * np.abs(b).max(), name
