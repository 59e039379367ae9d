"""Region perturbation against a slow implementation written from spec/evaluation.md: one image and one step
at a time through the model, in numpy."""

import math
import os

import numpy as np
import pytest

import lrp
from lrp import evaluate, model_io
from lrp.errors import LRPError

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(os.path.dirname(os.path.dirname(HERE)), "models", "digits-cnn-sumpool.txt")
#: models/README.md: mnist-clutter-cnn.txt classifies 77.1 % of the 2000 evaluation canvases.
ACCURACY_FLOOR = 0.77


@pytest.fixture(scope="module")
def net():
    return model_io.read(MODEL)


@pytest.fixture(scope="module")
def batch(net):
    rng = np.random.RandomState(5)
    x = rng.uniform(0, 1, size=(5, 8, 8, 1))
    y = net.forward(x)
    r = net.lrp(y * (y == y.max(axis=1, keepdims=True)), "epsilon", 0.01)
    return x, r


def logits(net, x):
    """The input of the final SoftMax: the network without its last layer."""
    y = x
    for module in net.modules[:-1]:
        y = module.forward(y)
    return y


def slow_curves(net, x, r, targets, k, steps, order, replacement, per_step, random_orders=None, probabilities=False):
    """spec/evaluation.md, literally: scores per region, the order, then each step on one image."""
    n, h, w, _ = x.shape
    rows, cols = math.ceil(h / k), math.ceil(w / k)
    pixel = r.sum(axis=-1) if r.ndim == 4 else r
    score = (lambda v: net.forward(v)) if probabilities else (lambda v: logits(net, v))
    curves = np.zeros((n, steps + 1))
    chosen = []
    for s in range(n):
        regions = [pixel[s, i * k:(i + 1) * k, j * k:(j + 1) * k].sum() for i in range(rows) for j in range(cols)]
        if order == "morf":
            sequence = sorted(range(len(regions)), key=lambda a: (-regions[a], a))
        elif order == "lerf":
            sequence = sorted(range(len(regions)), key=lambda a: (regions[a], a))
        else:
            sequence = list(random_orders[s])
        image = x[s].copy()
        first = score(image[None])[0]
        t = int(np.argmax(first)) if targets is None else targets[s]
        chosen.append(t)
        curves[s, 0] = first[t]
        for step in range(1, steps + 1):
            for index in sequence[(step - 1) * per_step:step * per_step]:
                i, j = divmod(index, cols)
                image[i * k:(i + 1) * k, j * k:(j + 1) * k, :] = replacement[s, i * k:(i + 1) * k, j * k:(j + 1) * k, :]
            curves[s, step] = score(image[None])[0][t]
    aopc = np.mean([np.mean(curves[s, 0] - curves[s]) for s in range(n)])
    return curves, aopc, chosen


def expected_replacement(x, fill, value):
    if fill == "constant":
        return np.full_like(x, value)
    if fill == "mean":
        return np.broadcast_to(x.mean(axis=(1, 2), keepdims=True), x.shape)
    if fill == "invert":
        return -x
    raise AssertionError(fill)


@pytest.mark.parametrize("order", ["morf", "lerf", "random"])
@pytest.mark.parametrize("fill,value", [("uniform", None), ("uniform", (-2.0, 3.0)), ("constant", 0.25), ("mean", None),
                                        ("invert", None)])
@pytest.mark.parametrize("k,steps,per_step", [(2, 16, 1), (3, 4, 2), (1, 20, 3)])
def test_curves_match_the_slow_loop(net, batch, order, fill, value, k, steps, per_step):
    x, r = batch
    res = evaluate.perturbation(net, x, r, region=k, steps=steps, order=order, fill=fill, value=value,
                                regions_per_step=per_step, seed=3, batch_size=7)
    if fill == "uniform":
        low, high = value if value is not None else (x.min(), x.max())
        assert res.replacement.min() >= low and res.replacement.max() <= high
        assert abs(res.replacement.mean() - (low + high) / 2) < 0.1 * (high - low)
        replacement = res.replacement
    else:
        replacement = expected_replacement(x, fill, value)
        # The mean is a sum in another order: equal to the last bits, not bit for bit.
        np.testing.assert_allclose(res.replacement, replacement, rtol=1e-15, atol=0)
    if order == "random":
        for row in res.order:
            assert len(set(row.tolist())) == row.size
    curves, aopc, chosen = slow_curves(net, x, r, None, k, steps, order, replacement, per_step, res.order)
    np.testing.assert_allclose(res.curves, curves, rtol=1e-12, atol=1e-12)
    assert res.aopc == pytest.approx(aopc, rel=1e-12, abs=1e-14)
    assert res.targets.tolist() == chosen
    assert res.curves.shape == (x.shape[0], steps + 1)


def test_targets_pixel_relevance_and_probabilities(net, batch):
    x, r = batch
    targets = [3, 1, 4, 1, 5]
    res = evaluate.perturbation(net, x, r.sum(axis=-1), targets=targets, region=2, steps=10, fill="constant", value=0,
                                probabilities=True)
    curves, aopc, _ = slow_curves(net, x, r, targets, 2, 10, "morf", np.zeros_like(x), 1, probabilities=True)
    np.testing.assert_allclose(res.curves, curves, rtol=1e-12, atol=1e-15)
    assert res.targets.tolist() == targets


def test_seeds_and_the_stored_pass(net, batch):
    x, r = batch
    y = net.forward(x[:2])
    a = evaluate.perturbation(net, x, r, region=2, steps=8, order="random", seed=1)
    b = evaluate.perturbation(net, x, r, region=2, steps=8, order="random", seed=1)
    c = evaluate.perturbation(net, x, r, region=2, steps=8, order="random", seed=2)
    np.testing.assert_array_equal(a.curves, b.curves)
    np.testing.assert_array_equal(a.order, b.order)
    assert not np.array_equal(a.order, c.order) and not np.array_equal(a.replacement, c.replacement)
    # The model's own stored pass (for relevance) is the one before.
    np.testing.assert_array_equal(net._model.forward_output(), y)


@pytest.mark.parametrize("kwargs,message", [
    (dict(region=9), "region side 9"),
    (dict(region=2, steps=17), "17 steps"),
    (dict(region=2, steps=6, regions_per_step=3), "6 steps of 3"),
    (dict(region=2, steps=4, order="best"), "unknown order"),
    (dict(region=2, steps=4, fill="noise"), "unknown fill"),
    (dict(region=2, steps=4, targets=[0, 1]), "2 targets for 5 samples"),
    (dict(region=2, steps=4, targets=[0, 1, 2, 3, 10]), "target 10 of sample 4"),
])
def test_errors_name_the_problem(net, batch, kwargs, message):
    x, r = batch
    with pytest.raises(LRPError, match=message):
        evaluate.perturbation(net, x, r, **kwargs)


def test_shapes_are_checked(net, batch):
    x, r = batch
    with pytest.raises(LRPError, match="N×H×W×C"):
        evaluate.perturbation(net, x.reshape(5, 64), r, region=2, steps=4)
    with pytest.raises(LRPError, match="r has 640 values"):
        evaluate.perturbation(net, x, np.zeros((5, 8, 8, 2)), region=2, steps=4)
    assert isinstance(lrp.evaluate.perturbation(net, x, r, region=4, steps=2), evaluate.Perturbation)


def test_flip_against_numpy(net, batch):
    x, r = batch
    mask = r.sum(axis=-1) > np.quantile(r.sum(axis=-1), 0.8, axis=(1, 2), keepdims=True)
    res = evaluate.flip(net, x, mask, top=3)
    expected = np.where(mask[..., None], -x, x)
    np.testing.assert_array_equal(res.X, expected)
    np.testing.assert_array_equal(res.before, logits(net, x))
    np.testing.assert_array_equal(res.after, logits(net, expected))
    np.testing.assert_array_equal(evaluate.flip(net, x, mask, probabilities=True).after, net.forward(expected))
    for s in range(x.shape[0]):
        assert res.top_after[s].tolist() == sorted(range(10), key=lambda c: (-res.after[s, c], c))[:3]
        assert res.top_before[s].tolist() == sorted(range(10), key=lambda c: (-res.before[s, c], c))[:3]
    # One H×W mask for every sample, and another fill.
    shared = np.zeros((8, 8), dtype=bool)
    shared[2:5, 1:7] = True
    res = evaluate.flip(net, x, shared, fill="constant", value=0.5, top=1)
    np.testing.assert_array_equal(res.X, np.where(shared[None, :, :, None], 0.5, x))
    # Nothing masked changes nothing.
    res = evaluate.flip(net, x, np.zeros((5, 8, 8)))
    np.testing.assert_array_equal(res.before, res.after)


def test_flip_errors(net, batch):
    x, _ = batch
    with pytest.raises(LRPError, match="mask of shape"):
        evaluate.flip(net, x, np.zeros((5, 7, 8)))
    with pytest.raises(LRPError, match="top is 11"):
        evaluate.flip(net, x, np.zeros((8, 8)), top=11)


def slow_localization(r, boxes):
    """spec/evaluation.md, pixel by pixel."""
    pixel = r.sum(axis=-1) if r.ndim == 4 else r
    out = []
    for s in range(pixel.shape[0]):
        h, w = pixel.shape[1:]
        inside = np.zeros((h, w), dtype=bool)
        for t, l, b, rr in np.asarray(boxes[s]).reshape(-1, 4):
            inside[t:b, l:rr] = True
        positive = np.maximum(pixel[s], 0)
        total = positive.sum()
        mu = positive[inside].sum() / total if total > 0 else np.nan
        out.append((mu, mu * inside.size / inside.sum(), inside.sum() / inside.size))
    return np.array(out)


def test_localization_against_the_slow_loop():
    rng = np.random.RandomState(2)
    r = rng.normal(size=(6, 12, 10, 3))
    r[4] = -np.abs(r[4])  # no positive relevance: NaN
    boxes = [(0, 0, 12, 10),                                 # the whole image: μ = 1, μ_w = 1
             (2, 3, 5, 9),
             np.array([[1, 1, 4, 4], [3, 3, 8, 6]]),          # overlapping boxes are united
             np.array([[0, 0, 2, 2], [10, 8, 12, 10], [0, 8, 3, 10]]),
             (3, 3, 6, 6),
             np.array([[5, 0, 6, 10], [0, 4, 12, 5]])]        # a cross
    res = evaluate.localization(r, boxes)
    want = slow_localization(r, boxes)
    np.testing.assert_allclose(res.mu, want[:, 0], rtol=1e-12)
    np.testing.assert_allclose(res.mu_w, want[:, 1], rtol=1e-12)
    np.testing.assert_allclose(res.inside, want[:, 2], rtol=1e-15)
    assert res.mu[0] == pytest.approx(1) and res.mu_w[0] == pytest.approx(1)
    assert np.isnan(res.mu[4]) and res.undefined == 1
    defined = ~np.isnan(want[:, 0])
    assert res.mean_mu == pytest.approx(np.mean(want[defined, 0]))
    assert res.mean_mu_w == pytest.approx(np.mean(want[defined, 1]))
    small = defined & (want[:, 2] <= 0.25)
    assert res.mu_25 == pytest.approx(np.mean(want[small, 0]))
    assert res.uniform_mu == pytest.approx(np.mean(want[defined, 2]))
    # Pixel relevance and float32 give the same; the statistics of two halves merge into those of the whole.
    np.testing.assert_allclose(evaluate.localization(r.sum(axis=-1), boxes).mu, res.mu, rtol=1e-12)
    np.testing.assert_allclose(evaluate.localization(r.astype(np.float32), boxes).mu, res.mu, rtol=1e-5)
    halves = (evaluate.localization(r[:3], boxes[:3]).statistics.merge(evaluate.localization(r[3:], boxes[3:]).statistics))
    assert halves.mean_mu == pytest.approx(res.mean_mu, rel=1e-14)
    np.testing.assert_array_equal(halves.bin_counts, res.statistics.bin_counts)


@pytest.mark.parametrize("boxes,message", [
    ([(0, 0, 13, 10)] * 2, "box 0 of sample 0"),
    ([(0, 0, 12, 10), (4, 4, 4, 6)], "box 0 of sample 1"),
    ([(0, 0, 12, 10)], "boxes for 1 samples"),
    ([(0, 0, 12, 10), np.zeros((0, 4))], "sample 1 has no box"),
])
def test_localization_errors(boxes, message):
    with pytest.raises(LRPError, match=message):
        evaluate.localization(np.ones((2, 12, 10)), boxes)


# -- neurons and channels ---------------------------------------------------------------------------------


@pytest.mark.parametrize("layer", [0, 1, 4, 6])
def test_channel_statistics_against_numpy(net, batch, layer):
    x, _ = batch
    y = net.forward(x)
    r = y * (y == y.max(axis=1, keepdims=True))
    net.lrp(r, "epsilon", 0.01)
    stats = net.neuron_statistics(layer)
    # R at the output of `layer` is the relevance at the input of the next one; the activation, the modules one by one.
    r_layer = net.lrp_layers(r, [layer + 1], "epsilon", 0.01)[0]
    a = x
    for module in net.modules[:layer + 1]:
        a = module.forward(a)
    channels = a.shape[-1]
    flat_r, flat_a = r_layer.reshape(x.shape[0], -1, channels), a.reshape(x.shape[0], -1, channels)
    np.testing.assert_allclose(stats.positive, np.maximum(flat_r, 0).sum(axis=1), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(stats.negative, np.minimum(flat_r, 0).sum(axis=1), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(stats.activation, flat_a.sum(axis=1), rtol=1e-12, atol=1e-15)
    assert sorted(stats.ranking("positive").tolist()) == list(range(channels))


@pytest.mark.parametrize("rule,param", [("epsilon", 0.01), ("alphabeta", 2.0)])
@pytest.mark.parametrize("layer", [1, 6])
def test_conditional_relevance_sums_to_the_whole(net, batch, rule, param, layer):
    x, _ = batch
    y = net.forward(x)
    r = y * (y == y.max(axis=1, keepdims=True))
    whole = net.lrp(r, rule, param)
    channels = net.neuron_statistics(layer, r, rule, param).positive.shape[1]
    parts = net.lrp_conditional(r, layer, list(range(channels)), rule, param)
    assert parts.shape == (channels,) + x.shape
    np.testing.assert_allclose(parts.sum(axis=0), whole, rtol=1e-10, atol=1e-13)
    # A set of channels is the sum of its members.
    pair = net.lrp_conditional(r, layer, [[0, 3]], rule, param)[0]
    np.testing.assert_allclose(pair, parts[0] + parts[3], rtol=1e-10, atol=1e-14)


def test_ablation(net, batch):
    x, _ = batch
    y = net.forward(x)
    np.testing.assert_array_equal(net.forward(x, ablate={}), y)
    ablated = net.forward(x, ablate={0: [2, 5], 4: 10})
    # The same as zeroing those filters' and units' weights and biases in a copy.
    other = model_io.read(MODEL)
    conv, dense = other.modules[0], other.modules[4]
    W, B = conv.W.copy(), conv.B.copy()
    W[..., [2, 5]] = 0
    B[..., [2, 5]] = 0
    conv.W, conv.B = W, B
    W, B = dense.W.copy(), dense.B.copy()
    W[:, 10] = 0
    B[..., 10] = 0
    dense.W, dense.B = W, B
    np.testing.assert_allclose(ablated, other.forward(x), rtol=1e-13, atol=1e-15)
    # The network is unchanged: its stored pass and its next forward pass are the ones before.
    np.testing.assert_array_equal(net.forward(x), y)
    with pytest.raises(LRPError, match="channel 16 is out of range"):
        net.forward(x, ablate={0: [16]})
    with pytest.raises(LRPError, match="layer"):
        net.forward(x, ablate={40: [0]})


def test_traces_are_the_layers_values(net, batch):
    x, _ = batch
    net.forward(x)
    model = net._model
    a = x
    for i, module in enumerate(net.modules):
        np.testing.assert_array_equal(model.trace(i, 0), a)
        a = module.forward(a)
        np.testing.assert_allclose(model.trace(i), a, rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(model.trace(len(net.modules) - 1, 0), logits(net, x), rtol=1e-15)
    with pytest.raises(LRPError, match="which must be 0"):
        model.trace(0, 2)


def test_occlusion_against_numpy(net, batch):
    x, _ = batch
    boxes = [(0, 0, 4, 4), (2, 2, 6, 7), np.array([[0, 0, 2, 8], [6, 0, 8, 8]]), (1, 1, 8, 8), (3, 0, 5, 8)]
    res = evaluate.occlusion(net, x, boxes)
    inside = np.zeros((5, 8, 8), dtype=bool)
    for s, b in enumerate(boxes):
        for t, l, bo, r in np.asarray(b).reshape(-1, 4):
            inside[s, t:bo, l:r] = True
    f = logits(net, x)
    t = np.argmax(f, axis=1)
    f_in = logits(net, np.where(inside[..., None], 0.0, x))
    f_out = logits(net, np.where(inside[..., None], x, 0.0))
    np.testing.assert_allclose(res.inside, f[np.arange(5), t] - f_in[np.arange(5), t], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res.outside, f[np.arange(5), t] - f_out[np.arange(5), t], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res.inside_fraction, inside.reshape(5, -1).mean(axis=1))
    with pytest.raises(LRPError, match="box \\(0, 0, 9, 4\\) of sample 0"):
        evaluate.occlusion(net, x, [(0, 0, 9, 4)] + boxes[1:])


def test_pictures(net, batch, tmp_path):
    from lrp import plots
    x, r = batch
    morf = evaluate.perturbation(net, x, r, region=2, steps=8, order="morf", fill="constant", value=0)
    lerf = evaluate.perturbation(net, x, r, region=2, steps=8, order="lerf", fill="constant", value=0)
    figure = plots.perturbation_curves({"MoRF": morf, "LeRF": lerf}, path=str(tmp_path / "curves.png"))
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert legend == ["MoRF (AOPC %.4g)" % morf.aopc, "LeRF (AOPC %.4g)" % lerf.aopc]
    loc = evaluate.localization(r, [(0, 0, 4, 4)] * 5)
    plots.localization_by_size({"ε": loc.statistics}, path=str(tmp_path / "size.png"))
    y = net.forward(x)
    net.lrp(y * (y == y.max(axis=1, keepdims=True)), "epsilon", 0.01)
    plots.neuron_charts(net.neuron_statistics(0), path=str(tmp_path / "neurons.png"))
    maps = net.lrp_conditional(y * (y == y.max(axis=1, keepdims=True)), 0, list(range(16)), "epsilon", 0.01)[:, 0]
    plots.heatmap_grid(maps, labels=["channel %d" % c for c in range(16)], path=str(tmp_path / "grid.png"))
    for name in ("curves", "size", "neurons", "grid"):
        data = (tmp_path / (name + ".png")).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000, name


def test_the_localization_benchmark_is_reproducible():
    """The generator remakes the evaluation canvases whose boxes models/ holds, and the committed classifier
    reaches the accuracy models/README.md gives on them."""
    import sys
    from conftest import REPOSITORY, shared
    shared(os.path.join("data", "mnist", "test_images.mat"))
    sys.path.insert(0, os.path.join(REPOSITORY, "examples", "python"))
    import cluttered_mnist
    _, (X, T, boxes) = cluttered_mnist.split(os.path.dirname(shared("data")))
    committed = np.loadtxt(os.path.join(REPOSITORY, "models", "mnist-clutter-boxes.txt"), dtype=np.int64)
    np.testing.assert_array_equal(committed, boxes)
    nn = model_io.read(os.path.join(REPOSITORY, "models", "mnist-clutter-cnn.txt"))
    accuracy = np.mean(np.argmax(nn.forward(X), axis=1) == np.argmax(T, axis=1))
    assert accuracy >= ACCURACY_FLOOR, accuracy
