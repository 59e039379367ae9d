"""PatternNet and PatternAttribution against an independent slow implementation written from spec/patterns.md:
statistics as explicit sums over samples (for convolutions over explicit patches), patterns per neuron, the
backward passes in numpy with the forward's Rect gates, and ρ(S) by an explicit least-squares regression."""

import numpy as np
import pytest

import lrp
from lrp import Model
from lrp.errors import LRPError
from lrp.modules import Add, Flatten, Graph, Linear, Rect, Sequential

# ---------------------------------------------------------------------------------------------------------
# The slow reference


def patches(x, kh, kw, sh, sw, pad):
    """The receptive fields of a convolution as rows (n, oh, ow) of (kh, kw, c) values, zero padding included."""
    t, b, l, r = pad
    xp = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    n, h, w, _ = xp.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    rows = []
    for s in range(n):
        for i in range(oh):
            for j in range(ow):
                rows.append(xp[s, i * sh:i * sh + kh, j * sw:j * sw + kw, :].reshape(-1))
    return np.array(rows), (n, oh, ow)


def col2im(cols, shape, kh, kw, sh, sw, pad):
    """The transpose of `patches`: adds each row back into its receptive field."""
    t, b, l, r = pad
    n, h, w, c = shape
    out = np.zeros((n, h + t + b, w + l + r, c))
    oh, ow = (h + t + b - kh) // sh + 1, (w + l + r - kw) // sw + 1
    k = 0
    for s in range(n):
        for i in range(oh):
            for j in range(ow):
                out[s, i * sh:i * sh + kh, j * sw:j * sw + kw, :] += cols[k].reshape(kh, kw, c)
                k += 1
    return out[:, t:t + h, l:l + w, :]


def group_mask(k_rows, channels, neurons, groups):
    """connects[k, j]: patch value k (channel k mod channels) feeds neuron j."""
    mask = np.zeros((k_rows, neurons), dtype=bool)
    for k in range(k_rows):
        for j in range(neurons):
            mask[k, j] = (k % channels) // (channels // groups) == j // (neurons // groups)
    return mask


def slow_pattern(X, W2, b, kind, connects=None):
    """spec/patterns.md for one layer: X rows are samples, W2 is K×M. Sums over samples one at a time."""
    k, m = W2.shape
    A = np.zeros((k, m))
    for j in range(m):
        count, sum_x, sum_xy, sum_y = 0, np.zeros(k), np.zeros(k), 0.0
        for x in X:
            y = float(x @ W2[:, j])
            z = y + b[j]
            on = {"linear": True, "relu": z > 0, "relu.negative": z <= 0}[kind]
            sum_y += y
            if on:
                count += 1
                sum_x += x
                sum_xy += x * y
        divisor = count if count else 1
        cov = sum_xy / divisor - sum_x / divisor * (sum_y / len(X))
        d = W2[:, j] @ cov
        A[:, j] = cov / (d if d != 0 else 1)
    if connects is not None:
        A[~connects] = 0
    return A


def slow_rho(X, Y, Z, A_minus, A_plus, connects=None):
    """ρ per neuron: y regressed on [1, d] with d = x − a·y (a₊ where z > 0, a₋ elsewhere), by lstsq."""
    rho = []
    for j in range(Y.shape[1]):
        rows = np.arange(X.shape[1]) if connects is None else np.flatnonzero(connects[:, j])
        y = Y[:, j]
        a = np.where((Z[:, j] > 0)[:, None], A_plus[rows, j][None, :], A_minus[rows, j][None, :])
        D = X[:, rows] - a * y[:, None]
        design = np.hstack([np.ones((len(y), 1)), D])
        coefficients = np.linalg.lstsq(design, y, rcond=None)[0]
        residual = y - design @ coefficients
        r2 = 1 - residual @ residual / ((y - y.mean()) @ (y - y.mean()))
        rho.append(1 - np.sqrt(min(1, max(0, r2))))
    return np.array(rho)


# ---------------------------------------------------------------------------------------------------------
# Models


def conv_model(groups=1, seed=0):
    """A strided, padded convolution (optionally grouped) → Rect → MaxPool → Flatten → Linear."""
    rng = np.random.RandomState(seed)
    model = Model.new()
    w = rng.normal(size=(3, 3, 4, 6)) * 0.4
    if groups > 1:
        w[~group_mask(36, 4, 6, groups).reshape(3, 3, 4, 6)] = 0
    model.append("Convolution 3 3 4 6 2 2 pad=1,0,0,1" + (" groups=%d" % groups if groups > 1 else ""), w,
                 rng.normal(size=6) * 0.3)
    model.append("Rect")
    model.append("MaxPool 2 2 2 2")
    model.append("Flatten")
    model.append("Linear 24 3", rng.normal(size=(24, 3)) * 0.5, rng.normal(size=3) * 0.2)
    return model


CONV = dict(kh=3, kw=3, sh=2, sw=2, pad=(1, 0, 0, 1))


def conv_data(n=7, seed=1):
    return np.random.RandomState(seed).normal(size=(n, 9, 9, 4)) + 0.3


def layer_io(model, x):
    """(patch rows, output rows with bias) of both kernel layers of conv_model, from a numpy forward pass."""
    w, b = model.parameter(0, "W"), model.parameter(0, "B")
    P, (n, oh, ow) = patches(x, **CONV)
    Z1 = P @ w.reshape(-1, 6) + b
    h = np.maximum(Z1, 0).reshape(n, oh, ow, 6)
    pooled = h.reshape(n, oh // 2, 2, ow // 2, 2, 6).max(axis=(2, 4))
    flat = pooled.reshape(n, -1)
    Z2 = flat @ model.parameter(4, "W") + model.parameter(4, "B")
    return (P, Z1), (flat, Z2)


def test_statistics_and_patterns_of_a_linear_layer_match_the_slow_sums():
    rng = np.random.RandomState(3)
    model = Model.new()
    w, b = rng.normal(size=(5, 4)), rng.normal(size=4) * 0.5
    model.append("Linear 5 4", w, b)
    x = rng.normal(size=(40, 5)) + 0.2
    stats = model.pattern_statistics(x)
    assert stats.samples == 40
    for kind in ("linear", "relu", "relu.negative"):
        np.testing.assert_allclose(stats.patterns(kind)[0], slow_pattern(x, w, b, kind), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("groups", [1, 2])
def test_patterns_of_a_strided_padded_convolution_and_its_cnn_match_the_slow_sums(groups):
    model = conv_model(groups)
    x = conv_data()
    (P, Z1), (flat, Z2) = layer_io(model, x)
    np.testing.assert_allclose(model.forward(x), Z2, rtol=1e-12)
    stats = model.pattern_statistics(x)
    assert stats.samples == P.shape[0]
    connects = group_mask(36, 4, 6, groups) if groups > 1 else None
    w1, b1 = model.parameter(0, "W").reshape(36, 6), model.parameter(0, "B")
    w2, b2 = model.parameter(4, "W"), model.parameter(4, "B")
    for kind in ("linear", "relu"):
        conv, dense = stats.patterns(kind)
        assert conv.shape == (3, 3, 4, 6) and dense.shape == (24, 3)
        np.testing.assert_allclose(conv.reshape(36, 6), slow_pattern(P, w1, b1, kind, connects), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dense, slow_pattern(flat, w2, b2, kind), rtol=1e-10, atol=1e-12)


def test_statistics_of_two_halves_merged_equal_those_of_the_whole():
    model = conv_model()
    x = conv_data(n=10)
    whole = model.pattern_statistics(x)
    halves = model.pattern_statistics(x[:4]).merge(model.pattern_statistics(x[4:]))
    assert halves.samples == whole.samples
    for kind in ("linear", "relu", "relu.negative"):
        for a, b in zip(halves.patterns(kind), whole.patterns(kind)):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_statistics_saved_and_read_back_merge_to_the_same_patterns(tmp_path):
    model = conv_model()
    x = conv_data(n=10)
    part = model.pattern_statistics(x[:4])
    part.save(tmp_path / "part.npz")
    merged = lrp.patterns.PatternStatistics.load(tmp_path / "part.npz", model).merge(model.pattern_statistics(x[4:]))
    for a, b in zip(merged.patterns("relu"), model.pattern_statistics(x).patterns("relu")):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_fit_patterns_streams_batches_and_equals_one_pass():
    model = conv_model()
    x = conv_data(n=10)
    fitted = model.fit_patterns(iter([x[:3], (x[3:8], None), x[8:]]), pattern_type="relu", progress=False)
    expected = model.pattern_statistics(x).patterns("relu")
    for a, b in zip(fitted, expected):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    by_array = model.fit_patterns(x, batch_size=3, progress=False)
    for a, b in zip(by_array, expected):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    for a, b in zip(model.patterns, expected):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def slow_backward(model, x, r, patterns, attribution):
    """The gradient pass of conv_model with W replaced by A (PatternNet, the conv's input signal projected per
    sample to max |·| = 1 as iNNvestigate does) or by A ⊙ W (PatternAttribution)."""
    w1, w2 = model.parameter(0, "W"), model.parameter(4, "W")
    a1, a2 = patterns
    m1, m2 = (a1 * w1, a2 * w2) if attribution else (a1, a2)
    (P, Z1), (flat, Z2) = layer_io(model, x)
    n = x.shape[0]
    g = r @ m2.T  # Linear
    g = g.reshape(n, 2, 2, 6)  # Flatten
    h = np.maximum(Z1, 0).reshape(n, 4, 4, 6)
    back = np.zeros_like(h)  # MaxPool: to each window's maximum
    for s in range(n):
        for i in range(2):
            for j in range(2):
                for c in range(6):
                    window = h[s, 2 * i:2 * i + 2, 2 * j:2 * j + 2, c]
                    p, q = np.unravel_index(np.argmax(window), (2, 2))
                    back[s, 2 * i + p, 2 * j + q, c] += g[s, i, j, c]
    back = back * (h > 0)  # Rect, gated by the forward pass
    result = col2im(back.reshape(-1, 6) @ m1.reshape(36, 6).T, x.shape, **CONV)
    if not attribution:
        result = result / np.abs(result).reshape(n, -1).max(axis=1).reshape(n, 1, 1, 1)
    return result


@pytest.mark.parametrize("rule", ["pattern_attribution", "pattern_net"])
def test_pattern_attribution_and_pattern_net_match_a_numpy_backward_pass(rule):
    model = conv_model()
    x = conv_data(n=5, seed=4)
    model.fit_patterns(conv_data(n=20, seed=5), progress=False)
    y = model.forward(x)
    r = np.zeros_like(y)
    r[np.arange(5), y.argmax(axis=1)] = y.max(axis=1)
    got = model.relevance(r, rule=rule)
    expected = slow_backward(model, x, r, model.patterns, attribution=rule == "pattern_attribution")
    np.testing.assert_allclose(got, expected, rtol=1e-11, atol=1e-13)


def test_pattern_rules_run_per_layer_and_in_float32():
    model = conv_model()
    model.fit_patterns(conv_data(n=20, seed=5), progress=False)
    x = conv_data(n=3, seed=6)
    y = model.forward(x)
    whole = model.relevance(y, rule="pattern_attribution")
    for layer in range(len(model)):
        model.set_rule_spec(layer, "pattern_attribution")
    np.testing.assert_array_equal(model.relevance(y), whole)
    single = model.astype(np.float32)
    single.forward(x.astype(np.float32))
    np.testing.assert_allclose(single.relevance(y.astype(np.float32), rule="pattern_attribution"), whole, rtol=2e-4, atol=1e-5)


def test_saved_and_reloaded_patterns_give_identical_results(tmp_path):
    model = conv_model()
    model.fit_patterns(conv_data(n=20, seed=5), progress=False)
    x = conv_data(n=3, seed=6)
    y = model.forward(x)
    expected = {rule: model.relevance(y, rule=rule) for rule in ("pattern_net", "pattern_attribution")}
    model.save_patterns(tmp_path / "patterns.npz")
    with np.load(tmp_path / "patterns.npz") as archive:  # iNNvestigate's layout: arr_0, arr_1 in kernel shapes
        assert archive.files == ["arr_0", "arr_1"] and archive["arr_0"].shape == (3, 3, 4, 6)
    model.write(str(tmp_path / "model.npz"))
    for source in ("patterns.npz", "model.npz"):
        other = conv_model()
        other.load_patterns(tmp_path / source)
        other.forward(x)
        for rule, value in expected.items():
            np.testing.assert_array_equal(other.relevance(y, rule=rule), value)
    reread = Model.read(str(tmp_path / "model.npz"))
    reread.forward(x)
    np.testing.assert_array_equal(reread.relevance(y, rule="pattern_attribution"), expected["pattern_attribution"])


def test_patterns_of_a_graph_model_match_the_slow_sums():
    rng = np.random.RandomState(8)
    a, b = Linear(4, 3), Linear(4, 3)
    net = Graph([("a", a, "input"), ("b", b, "input"), ("sum", Add(), ["a", "b"]), ("act", Rect(), "sum"),
                 ("out", Linear(3, 2), "act")])
    x = rng.normal(size=(30, 4))
    stats = net.pattern_statistics(x)
    wa, ba = a.W, a.B
    hidden = np.maximum(x @ a.W + a.B + x @ b.W + b.B, 0)
    out = net.modules[4]
    for kind in ("linear", "relu"):
        pa, pb, po = stats.patterns(kind)
        np.testing.assert_allclose(pa, slow_pattern(x, wa, ba, kind), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(pb, slow_pattern(x, b.W, b.B, kind), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(po, slow_pattern(hidden, out.W, out.B, kind), rtol=1e-10, atol=1e-12)


def test_quality_of_the_five_estimators_matches_explicit_least_squares():
    model = conv_model(groups=2)
    fit, held = conv_data(n=30, seed=9), conv_data(n=25, seed=10)
    model.fit_patterns(fit, progress=False)
    stats = model._model.pattern_statistics_fitted if hasattr(model, "_model") else model.pattern_statistics_fitted
    (P, Z1), (flat, Z2) = layer_io(model, held)
    w1, b1 = model.parameter(0, "W").reshape(36, 6), model.parameter(0, "B")
    w2, b2 = model.parameter(4, "W"), model.parameter(4, "B")
    connects = group_mask(36, 4, 6, 2)
    layers = [(P, P @ w1, Z1, w1, connects), (flat, flat @ w2, Z2, w2, None)]
    lin, pos, neg = stats.patterns("linear"), stats.patterns("relu"), stats.patterns("relu.negative")
    for estimator in ("filter", "linear", "relu"):
        got = model.pattern_quality(held, estimator)
        for i, (X, Y, Z, W, c) in enumerate(layers):
            if estimator == "filter":
                A = W / (W * W).sum(axis=0)
                minus = plus = A
            elif estimator == "linear":
                minus = plus = lin[i].reshape(W.shape)
            else:
                minus, plus = neg[i].reshape(W.shape), pos[i].reshape(W.shape)
            np.testing.assert_allclose(got[i], slow_rho(X, Y, Z, minus, plus, c), rtol=1e-7, atol=1e-8)
    identity = model.pattern_quality(held, "identity")
    assert all(np.all(v == 1) for v in identity)
    random = model.pattern_quality(held, "random", seed=3)
    assert [v.shape for v in random] == [(6,), (3,)]
    np.testing.assert_array_equal(random[0], model.pattern_quality(held, "random", seed=3)[0])
    sampled = model.pattern_quality(held, "relu", neurons=2)
    assert [int(np.sum(~np.isnan(v))) for v in sampled] == [2, 2]


def test_the_linear_sanity_case_of_the_paper():
    """Seed 003, section 2: a_s = (1, 0), a_d = (1, 1), w = (1, −1). S_a recovers a_s, ρ(S_a) ≈ 1 and
    PatternAttribution gives w ⊙ a_s·y, while the gradient gives w and S_w's direction is w/2."""
    rng = np.random.RandomState(11)
    n = 20000
    y = rng.uniform(-1, 1, size=n)
    eps = rng.normal(0.5, 0.7, size=n)
    x = np.outer(y, [1.0, 0.0]) + np.outer(eps, [1.0, 1.0])
    model = Model.new()
    model.append("Linear 2 1", np.array([[1.0], [-1.0]]), np.zeros(1))
    np.testing.assert_allclose(model.forward(x)[:, 0], y, atol=1e-12)
    (a,) = model.fit_patterns(x[:10000], pattern_type="linear", progress=False)
    np.testing.assert_allclose(a[:, 0], [1.0, 0.0], atol=0.02)
    rho = model.pattern_quality(x[10000:], "linear")[0][0]
    assert rho > 0.97
    filter_rho, random_rho = model.pattern_quality(x[10000:], "filter")[0][0], model.pattern_quality(x[10000:], "random")[0][0]
    assert filter_rho < rho - 0.3 and random_rho < rho - 0.3  # S_w keeps distractor that correlates with y
    probe = x[:5]
    out = model.forward(probe)
    attribution = model.relevance(out, rule="pattern_attribution")
    np.testing.assert_allclose(attribution, np.outer(y[:5], [1.0, -1.0]) * a[:, 0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(attribution[:, 1], 0, atol=0.02)
    gradient = model.relevance(np.ones_like(out), rule="gradient")
    np.testing.assert_allclose(gradient, np.tile([1.0, -1.0], (5, 1)))


def test_toolbox_network_api():
    rng = np.random.RandomState(12)
    net = Sequential([Linear(6, 5), Rect(), Linear(5, 3)])
    x = rng.normal(size=(50, 6))
    patterns = net.fit_patterns(x, progress=False)
    assert [p.shape for p in patterns] == [(6, 5), (5, 3)]
    y = net.forward(x[:4])
    R = net.lrp(y, "pattern_attribution")
    assert R.shape == (4, 6)
    q = net.pattern_quality(x, "relu")
    assert len(q) == 2


# ---------------------------------------------------------------------------------------------------------
# Errors: each names what is wrong


def test_bad_input_is_an_error_naming_it(tmp_path):
    model = conv_model()
    x = conv_data()
    y = model.forward(x)
    with pytest.raises(LRPError, match="pattern"):
        model.relevance(y, rule="pattern_attribution")  # no patterns set yet
    with pytest.raises(LRPError, match="batch_size"):
        model.fit_patterns(x, batch_size=0, progress=False)
    with pytest.raises(LRPError, match="empty"):
        model.fit_patterns(x[:0], progress=False)
    with pytest.raises(LRPError, match="empty"):
        model.fit_patterns(iter([]), progress=False)
    with pytest.raises(LRPError, match="pattern type"):
        model.fit_patterns(x, pattern_type="sigmoid", progress=False)
    with pytest.raises(LRPError, match="channels|expects"):
        model.pattern_statistics(np.zeros((2, 9, 9, 3)))
    with pytest.raises(LRPError, match="estimator"):
        model.pattern_quality(x, "gradient")
    with pytest.raises(LRPError, match="statistics"):
        conv_model().pattern_quality(x, "relu")
    patterns = model.fit_patterns(x, progress=False)
    with pytest.raises(LRPError, match="2 kernel layers"):
        model.set_patterns(patterns[:1])
    with pytest.raises(LRPError, match="shape"):
        model.set_patterns([patterns[0], patterns[1].T])
    np.savez(tmp_path / "three.npz", *patterns, patterns[0])
    with pytest.raises(LRPError, match="3 patterns given; the model has 2"):
        model.load_patterns(tmp_path / "three.npz")
    np.savez(tmp_path / "named.npz", conv=patterns[0])
    with pytest.raises(LRPError, match="iNNvestigate's layout"):
        model.load_patterns(tmp_path / "named.npz")
    bad = [patterns[0], np.full(patterns[1].shape, np.nan)]
    with pytest.raises(LRPError, match="not finite"):
        model.set_patterns(bad)
    for a, b in zip(model.patterns, patterns):  # nothing changed by the failures
        np.testing.assert_array_equal(a, b)
    other = Model.new()
    other.append("Rect")
    with pytest.raises(LRPError, match="no Linear or Convolution"):
        other.pattern_statistics(x)
