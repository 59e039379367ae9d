"""`lrp explain` on image files: its raw relevance equals the Python API's for the same preprocessed inputs,
written out independently here with Pillow and numpy, for every class choice and preprocessing option."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPOSITORY
from lrp import LRPError, model_io

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

from lrp.explain import main, parse_arguments, run  # noqa: E402

KERAS = os.path.join(REPOSITORY, "Tests", "fixtures", "keras", "residual_graph.h5")  # 12×12×3 → SoftMax of 5
DIGITS = os.path.join(REPOSITORY, "models", "digits-cnn-maxpool.txt")  # 8×8×1, no declared input


@pytest.fixture()
def pictures(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.RandomState(2)
    for i, size in enumerate([(30, 40), (12, 12), (50, 20)]):
        Image.fromarray((rng.rand(size[0], size[1], 3) * 255).astype(np.uint8)).save(folder / ("p%d.png" % i))
    return folder


def expected(model_path, files, size, prepare, rule=None, composite="epsilon_plus", classes=lambda s: s.argmax(1)[:, None]):
    """The input relevance through the Python API: images prepared by `prepare` (PIL image → H×W×C array), the
    final SoftMax passing relevance on, the chosen classes' logits as the initial relevance."""
    model = model_io.read(model_path)._model
    x = np.stack([prepare(Image.open(f)) for f in files])
    if rule:
        model.set_rule_spec(-1, rule)
    else:
        model.set_composite(composite)
    last = len(model) - 1
    model.set_rule_spec(last, "pass")
    model.forward(x)
    logits = model.trace(last, 0)
    chosen = classes(logits)
    r = np.zeros_like(logits)
    np.put_along_axis(r, chosen, np.take_along_axis(logits, chosen, 1), 1)
    return model.relevance(r).reshape(x.shape), chosen, logits


def written(out, names):
    return np.stack([np.load(os.path.join(out, n + ".relevance.npy")) for n in names])


@pytest.mark.parametrize("target, classes", [
    ("top", lambda s: s.argmax(1)[:, None]),
    ("3", lambda s: np.full((s.shape[0], 1), 3)),
    ("top3", lambda s: np.argsort(-s, 1, kind="stable")[:, :3])])
def test_relevance_equals_the_python_api(pictures, tmp_path, target, classes):
    out = str(tmp_path / "out")
    summary = run(parse_arguments([str(pictures), "--model", KERAS, "--class", target, "--out", out, "--batch", "2", "--grid"]))
    assert "3 image(s)" in summary
    files = sorted(str(pictures / f) for f in os.listdir(pictures))
    prepare = lambda im: np.asarray(im.convert("RGB").resize((12, 12), Image.BILINEAR), dtype=np.float64) / 255  # noqa: E731
    relevance, chosen, logits = expected(KERAS, files, 12, prepare, classes=classes)
    np.testing.assert_allclose(written(out, ["p0", "p1", "p2"]), relevance, rtol=1e-9, atol=1e-15)
    record = json.load(open(os.path.join(out, "explain.json")))
    assert [i["classes"] for i in record["images"]] == chosen.tolist()
    np.testing.assert_allclose([i["scores"] for i in record["images"]], np.take_along_axis(logits, chosen, 1), rtol=1e-12)
    assert record["composite"] == "epsilon_plus" and record["explained"] == "logit of the final SoftMax"
    assert record["preprocessing"]["resize"] == "stretch" and record["preprocessing"]["channel_order"] == "RGB"
    for name in ["p0.heatmap.png", "p0.overlay.png", "grid.png"]:
        assert Image.open(os.path.join(out, name)).size[0] >= 224


def test_crop_range_mean_std_and_bgr_are_applied_as_recorded(pictures, tmp_path):
    out = str(tmp_path / "out")
    files = [str(pictures / "p0.png"), str(pictures / "p2.png")]
    run(parse_arguments(files + ["--model", DIGITS, "--size", "8x8", "--channels", "1", "--resize", "crop",
                                 "--range=-1,1", "--mean", "0.1", "--std", "2", "--rule", "epsilon:0.01", "--out", out]))

    def prepare(im):
        grey = im.convert("L")
        scale = max(8 / grey.width, 8 / grey.height)
        w, h = max(8, round(grey.width * scale)), max(8, round(grey.height * scale))
        big = grey.resize((w, h), Image.BILINEAR)
        left, top = (w - 8) // 2, (h - 8) // 2
        pixels = np.asarray(big.crop((left, top, left + 8, top + 8)), dtype=np.float64)[..., None]
        return ((pixels / 255 * 2 - 1) - 0.1) / 2

    relevance, _, _ = expected(DIGITS, files, 8, prepare, rule="epsilon:0.01")
    np.testing.assert_allclose(written(out, ["p0", "p2"]), relevance, rtol=1e-9, atol=1e-15)
    record = json.load(open(os.path.join(out, "explain.json")))
    assert record["preprocessing"] == {"height": 8, "width": 8, "channels": 1, "resize": "crop", "filter": "bilinear (Pillow)",
                                       "range": [-1.0, 1.0], "mean": [0.1], "std": [2.0], "channel_order": "grey"}
    assert record["rule"] == "epsilon:0.01"
    # BGR: the channels reversed after the mean (given in RGB order)
    bgr = str(tmp_path / "bgr")
    run(parse_arguments([files[0], "--model", KERAS, "--mean", "0.1,0.2,0.3", "--bgr", "--rule", "epsilon:0.01", "--out", bgr]))
    prepare = lambda im: ((np.asarray(im.convert("RGB").resize((12, 12), Image.BILINEAR), dtype=np.float64) / 255  # noqa: E731
                           - [0.1, 0.2, 0.3]))[..., ::-1]
    relevance, _, _ = expected(KERAS, files[:1], 12, prepare, rule="epsilon:0.01")
    np.testing.assert_allclose(written(bgr, ["p0"]), relevance, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("arguments, fragment", [
    (["--class", "7"], "class index from 0 to 4"),
    (["--class", "topx"], "--class takes top"),
    (["--size", "12by12"], "--size takes HxW"),
    (["--mean", "1,2"], "mean needs 1 or 3"),
    (["--std", "0"], "std must be positive"),
    (["--range", "1,0"], "low < high"),
    (["--rule", "nonsense:1"], "nonsense"),
    (["--opacity", "2"], "opacity"),
])
def test_bad_options_name_what_is_wrong(pictures, tmp_path, arguments, fragment):
    with pytest.raises(LRPError, match=fragment):
        run(parse_arguments([str(pictures), "--model", KERAS, "--out", str(tmp_path / "o")] + arguments))


def test_missing_inputs_and_undeclared_sizes(tmp_path, pictures):
    with pytest.raises(LRPError, match="no such file or directory"):
        run(parse_arguments([str(tmp_path / "none.png"), "--model", KERAS]))
    (tmp_path / "empty").mkdir()
    with pytest.raises(LRPError, match="no image files"):
        run(parse_arguments([str(tmp_path / "empty"), "--model", KERAS]))
    with pytest.raises(LRPError, match="give --size"):
        run(parse_arguments([str(pictures), "--model", DIGITS, "--out", str(tmp_path / "o")]))
    (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(LRPError, match="cannot read the image .*broken.png"):
        run(parse_arguments([str(tmp_path / "broken.png"), "--model", KERAS, "--out", str(tmp_path / "o")]))
    assert main([str(tmp_path / "broken.png"), "--model", KERAS, "--out", str(tmp_path / "o")]) == 2


def test_the_command_line(pictures, tmp_path):
    out = tmp_path / "cli"
    result = subprocess.run([sys.executable, "-m", "lrp", "explain", str(pictures), "--model", KERAS, "--out", str(out)],
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.path.join(REPOSITORY, "python")})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("lrp explain: 3 image(s) in ")
    assert sorted(os.listdir(out)) == sorted(["explain.json"] + ["p%d.%s" % (i, k) for i in range(3)
                                                                  for k in ("heatmap.png", "overlay.png", "relevance.npy")])
    result = subprocess.run([sys.executable, "-m", "lrp"], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": os.path.join(REPOSITORY, "python")})
    assert result.returncode == 2 and "usage: lrp explain" in result.stderr


def test_a_flat_input_model_takes_the_images_flattened(pictures, tmp_path):
    mlp = os.path.join(REPOSITORY, "models", "digits-mlp.txt")
    out = str(tmp_path / "out")
    run(parse_arguments([str(pictures), "--model", mlp, "--size", "8x8", "--channels", "1", "--range=-1,1",
                         "--rule", "epsilon:0.01", "--out", out]))
    files = sorted(str(pictures / f) for f in os.listdir(pictures))
    grey = [np.asarray(Image.open(f).convert("L").resize((8, 8), Image.BILINEAR), dtype=np.float64) / 255 * 2 - 1
            for f in files]
    model = model_io.read(mlp)._model
    model.set_rule_spec(-1, "epsilon:0.01")
    model.set_rule_spec(len(model) - 1, "pass")
    model.forward(np.stack(grey).reshape(3, 64))
    logits = model.trace(len(model) - 1, 0)
    r = np.where(np.arange(10) == logits.argmax(1)[:, None], logits, 0)
    np.testing.assert_allclose(written(out, ["p0", "p1", "p2"]), model.relevance(r).reshape(3, 8, 8, 1), rtol=1e-9, atol=1e-15)
    with pytest.raises(LRPError):
        run(parse_arguments([str(pictures), "--model", mlp, "--size", "9x9", "--channels", "1", "--out", out]))


def test_the_final_softmax_is_found_where_there_is_one():
    assert model_io.read(DIGITS)._model.final_softmax() == 7  # … Linear 128→10, SoftMax
    assert model_io.read(KERAS)._model.final_softmax() == 13
    from lrp import Model
    model = Model.new()
    model.append("Linear 2 2", np.eye(2), np.zeros(2))
    assert model.final_softmax() is None
