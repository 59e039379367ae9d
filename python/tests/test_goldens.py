"""Every key of every golden case through the Python API, three ways, and backward/update."""

import numpy as np
import pytest

from conftest import CASES, manifest, relative_error, shared
from lrp import model_io

TOLERANCE = 1e-9


@pytest.mark.parametrize("case,model_path", CASES)
def test_forward_and_relevance_three_ways(case, model_path):
    golden = np.load(shared("golden/%s.npz" % case))
    rules = manifest()[case]["rules_per_layer"]
    nn = model_io.read(shared(model_path))
    Y = nn.forward(golden["X"])
    assert relative_error(Y, golden["Y"]) <= TOLERANCE
    for key, per_layer in sorted(rules.items()):
        expected = golden[key]
        # 1. Per-layer presets, then nn.lrp(R) without arguments.
        for module, (rule, param) in zip(nn.modules, per_layer):
            module.set_lrp_parameters(rule, param)
        assert relative_error(nn.lrp(golden["R_init"]), expected) <= TOLERANCE, key
        # 2. The rule as an argument (uniform keys).
        if all(entry == per_layer[0] for entry in per_layer):
            rule, param = per_layer[0]
            assert relative_error(nn.lrp(golden["R_init"], rule, param), expected) <= TOLERANCE, key
        # 3. A loop over the modules, last to first, each with its own rule.
        R = golden["R_init"]
        for module, (rule, param) in reversed(list(zip(nn.modules, per_layer))):
            R = module.lrp(R, rule, param)
        assert relative_error(R, expected) <= TOLERANCE, key


def test_backward_and_update():
    golden = np.load(shared("golden/lenet5.npz"))
    nn = model_io.read(shared("models/LeNet-5.txt"))
    nn.forward(golden["X"])
    DX = nn.backward(golden["DY"])
    assert DX.shape == golden["DX"].shape
    assert relative_error(DX, golden["DX"]) <= TOLERANCE
    nn.update(0.005)
    assert relative_error(nn.modules[0].W, golden["W0_after_update"]) <= TOLERANCE
    assert relative_error(nn.modules[9].W, golden["W9_after_update"]) <= TOLERANCE


def test_backward_module_by_module():
    golden = np.load(shared("golden/lenet5.npz"))
    nn = model_io.read(shared("models/LeNet-5.txt"))
    X = golden["X"]
    for module in nn.modules:
        X = module.forward(X)
    D = golden["DY"]
    for module in nn.modules[::-1]:
        D = module.backward(D)
    assert relative_error(D, golden["DX"]) <= TOLERANCE
    for module in nn.modules:
        module.update(0.005)
    assert relative_error(nn.modules[0].W, golden["W0_after_update"]) <= TOLERANCE


def test_pickled_lenet_equals_text():
    a = model_io.read(shared("models/LeNet-5.nn"))
    b = model_io.read(shared("models/LeNet-5.txt"))
    assert [type(m).__name__ for m in a.modules] == [type(m).__name__ for m in b.modules]
    for x, y in zip(a.modules, b.modules):
        if hasattr(x, "W"):
            assert np.array_equal(x.W, y.W) and np.array_equal(x.B, y.B)
            assert x.stride == y.stride
        if hasattr(x, "pool"):
            assert x.pool == y.pool and x.stride == y.stride
    X = np.load(shared("golden/lenet5.npz"))["X"]
    assert np.array_equal(a.forward(X), b.forward(X))
