"""The toolbox's explicit rule names ('simple_slow', 'slow', 'epsilon_slow', 'alphabeta_slow', 'alpha_slow') run as
the rules they equal: the goldens' numbers, exactly the fast rules' results, and an explicit per-connection
computation of the formulas."""

import numpy as np
import pytest

import lrp
from conftest import CASES, manifest, relative_error, shared
from lrp import model_io
from lrp.modules import Linear, Rect, Sequential, SumPool
from lrp.rules import SLOW_FORMS

TOLERANCE = 1e-9

#: golden rule name -> the toolbox's explicit names for it
EXPLICIT = {"simple": ["simple_slow", "slow", "SIMPLE_SLOW"], "epsilon": ["epsilon_slow"],
            "alphabeta": ["alphabeta_slow", "alpha_slow"]}


@pytest.mark.parametrize("case,model_path", CASES)
def test_slow_names_give_the_goldens(case, model_path):
    golden = np.load(shared("golden/%s.npz" % case))
    nn = model_io.read(shared(model_path))
    nn.forward(golden["X"])
    checked = 0
    for key, per_layer in sorted(manifest()[case]["rules_per_layer"].items()):
        rule, param = per_layer[0]
        if rule not in EXPLICIT or any(entry != per_layer[0] for entry in per_layer):
            continue
        fast = nn.lrp(golden["R_init"], rule, param)
        for name in EXPLICIT[rule]:
            R = nn.lrp(golden["R_init"], name, param)
            assert relative_error(R, golden[key]) <= TOLERANCE, (key, name)
            assert np.array_equal(R, fast), (key, name)
            # As presets, and module by module.
            nn.set_lrp_parameters(name, param)
            assert np.array_equal(nn.lrp(golden["R_init"]), fast), (key, name)
            R = golden["R_init"]
            for module in nn.modules[::-1]:
                R = module.lrp(R, name, param)
            assert relative_error(R, golden[key]) <= TOLERANCE, (key, name)
            checked += 1
    assert checked >= 4


def explicit_linear(x, w, b, r, rule, param=None):
    """One Linear layer's relevance written connection by connection (z_ij = x_i w_ij), as the toolbox's
    explicit forms state the rules."""
    z = x[:, :, None] * w[None, :, :]
    if rule in ("simple", "epsilon"):
        eps = 1e-16 if rule == "simple" else param
        zs = z.sum(axis=1) + b
        zs = zs + eps * np.where(zs >= 0, 1.0, -1.0)
        return (z / zs[:, None, :] * r[:, None, :]).sum(axis=2)
    alpha, beta = param, 1 - param
    zp, zn = np.where(z > 0, z, 0), np.where(z < 0, z, 0)
    out = 0
    if alpha:
        out = out + alpha * (zp / (zp.sum(axis=1) + np.maximum(b, 0))[:, None, :] * r[:, None, :]).sum(axis=2)
    if beta:
        out = out + beta * (zn / (zn.sum(axis=1) + np.minimum(b, 0))[:, None, :] * r[:, None, :]).sum(axis=2)
    return out


def explicit_sumpool(x, r, rule, param):
    """SumPool 2×2 stride 2 relevance, window by window, for alphabeta's explicit form."""
    alpha, beta = param, 1 - param
    out = np.zeros_like(x)
    for i in range(r.shape[1]):
        for j in range(r.shape[2]):
            win = x[:, 2 * i:2 * i + 2, 2 * j:2 * j + 2, :]
            zp, zn = np.where(win > 0, win, 0), np.where(win < 0, win, 0)
            part = 0
            if alpha:
                part = part + alpha * zp / (zp.sum(axis=(1, 2), keepdims=True) + 1e-16)
            if beta:
                part = part + beta * zn / (zn.sum(axis=(1, 2), keepdims=True) - 1e-16)
            out[:, 2 * i:2 * i + 2, 2 * j:2 * j + 2, :] += part * r[:, i:i + 1, j:j + 1, :]
    return out


@pytest.mark.parametrize("name,rule,param", [("simple_slow", "simple", None), ("slow", "simple", None),
                                             ("epsilon_slow", "epsilon", 0.1), ("alphabeta_slow", "alphabeta", 2.0),
                                             ("alpha_slow", "alphabeta", 1.0), ("alphabeta_slow", "alphabeta", 0.0)])
def test_slow_names_equal_the_explicit_formulas(name, rule, param):
    rng = np.random.RandomState(3)
    w1, b1 = rng.normal(size=(6, 5)), rng.normal(size=5) * 0.1
    w2, b2 = rng.normal(size=(5, 4)), rng.normal(size=4) * 0.1
    x = rng.uniform(-1, 1, size=(3, 6))
    nn = Sequential([Linear(6, 5), Rect(), Linear(5, 4)])
    nn.modules[0].W, nn.modules[0].B, nn.modules[2].W, nn.modules[2].B = w1, b1, w2, b2
    y = nn.forward(x)
    h = np.maximum(0, x @ w1 + b1)
    r = y * (y == y.max(axis=1, keepdims=True))
    if rule == "alphabeta" and param == 1.0:
        r = np.abs(r)
    expected = explicit_linear(x, w1, b1, explicit_linear(h, w2, b2, r, rule, param), rule, param)
    got = nn.lrp(r, name, param)
    assert np.all(np.isfinite(expected))
    assert relative_error(got, expected) <= 1e-12
    assert np.array_equal(got, nn.lrp(r, rule, param))
    if rule == "alphabeta":
        pool = SumPool(pool=(2, 2), stride=(2, 2))
        xs = rng.uniform(-1, 1, size=(2, 4, 4, 3))
        rs = rng.uniform(-1, 1, size=pool.forward(xs).shape)
        assert relative_error(pool.lrp(rs, name, param), explicit_sumpool(xs, rs, rule, param)) <= 1e-12


def test_slow_names_are_one_table():
    assert SLOW_FORMS == {"slow": "simple", "simple_slow": "simple", "epsilon_slow": "epsilon",
                          "alphabeta_slow": "alphabeta", "alpha_slow": "alphabeta"}
    nn = Sequential([Linear(2, 2)])
    nn.forward(np.ones((1, 2)))
    with pytest.raises(lrp.LRPError):
        nn.lrp(np.ones((1, 2)), "ww_slow")
    with pytest.raises(ValueError, match="needs a parameter"):
        nn.lrp(np.ones((1, 2)), "epsilon_slow", None)
