"""float32 models through the Python API: model_io.read(..., dtype=np.float32), nn.astype(np.float32), every pass
returning float32 within 1e-4 relative of the goldens, imports in both precisions, parameter views of float32
storage, and the errors of a bad dtype."""

import copy
import os

import numpy as np
import pytest

from conftest import CASES, REPOSITORY, manifest, relative_error, shared

from lrp import errors, model_io
from lrp.model import Model
from lrp.modules import Linear, Rect, Sequential

#: The issue's bound for float32 against float64 references: max |Δ| / max |R|.
TOLERANCE = 1e-4
FIXTURES = os.path.join(REPOSITORY, "Tests", "fixtures")


@pytest.mark.parametrize("case,model_path", CASES)
def test_goldens_in_float32(case, model_path):
    golden = np.load(shared("golden/%s.npz" % case))
    nn = model_io.read(shared(model_path), dtype=np.float32)
    assert nn.dtype == np.float32
    Y = nn.forward(golden["X"])  # float64 input, converted once
    assert Y.dtype == np.float32
    assert relative_error(Y, golden["Y"]) <= TOLERANCE
    for key, per_layer in sorted(manifest()[case]["rules_per_layer"].items()):
        for module, (rule, param) in zip(nn.modules, per_layer):
            module.set_lrp_parameters(rule, param)
        R = nn.lrp(golden["R_init"].astype(np.float32))
        assert R.dtype == np.float32, key
        assert relative_error(R, golden[key]) <= TOLERANCE, key


def test_astype_returns_a_float32_copy_and_leaves_the_original():
    golden = np.load(shared("golden/lenet5.npz"))
    nn = model_io.read(shared("models/LeNet-5.txt"))
    nn.set_lrp_parameters("epsilon", 0.01)
    single = nn.astype(np.float32)
    assert nn.dtype == np.float64 and single.dtype == np.float32
    assert type(single) is type(nn) and len(single.modules) == len(nn.modules)
    # Presets travel with the copy.
    assert [(m.lrp_var, m.lrp_param) for m in single.modules] == [(m.lrp_var, m.lrp_param) for m in nn.modules]
    W64, W32 = nn.modules[0].W, single.modules[0].W
    assert W64.dtype == np.float64 and W32.dtype == np.float32
    assert np.array_equal(W64.astype(np.float32), W32)
    y64, y32 = nn.forward(golden["X"]), single.forward(golden["X"])
    assert y64.dtype == np.float64 and y32.dtype == np.float32
    assert relative_error(y64, golden["Y"]) <= 1e-9
    assert relative_error(y32, y64) <= TOLERANCE
    r32 = single.lrp(golden["R_init"])
    assert r32.dtype == np.float32
    assert relative_error(r32, nn.lrp(golden["R_init"])) <= TOLERANCE
    # Writing the float32 view changes the float32 model only.
    single.modules[0].W = np.zeros_like(W32)
    assert not single.modules[0].W.any() and nn.modules[0].W.any()
    # Back to float64: exact.
    back = single.astype(np.float64)
    assert back.dtype == np.float64 and back.modules[-2].W.dtype == np.float64
    assert np.array_equal(back.modules[-2].W, single.modules[-2].W.astype(np.float64))


def test_every_analysis_returns_float32():
    golden = np.load(shared("golden/lenet5.npz"))
    nn = model_io.read(shared("models/LeNet-5.txt"))
    single = nn.astype(np.float32)
    X = golden["X"]
    for net in (nn, single):
        net.forward(X)
    # Relevance at chosen layers with sums, many targets, a composite, one module alone.
    outs64, sums64 = nn.lrp_layers(golden["R_init"], [-1, 3], lrp_var="epsilon", param=0.01, sums=True)
    outs32, sums32 = single.lrp_layers(golden["R_init"], [-1, 3], lrp_var="epsilon", param=0.01, sums=True)
    for a, b in zip(outs64, outs32):
        assert b.dtype == np.float32 and relative_error(b, a) <= TOLERANCE
    assert relative_error(sums32, sums64) <= TOLERANCE
    targets = [np.eye(10)[k][None, :].repeat(X.shape[0], 0) for k in (0, 3)]
    t64, t32 = nn.lrp_targets(targets, "alphabeta", 2.0), single.lrp_targets(targets, "alphabeta", 2.0)
    assert t32.dtype == np.float32 and relative_error(t32, t64) <= TOLERANCE
    for net in (nn, single):
        net.set_composite("epsilon_plus_flat")
    c64, c32 = nn.lrp(golden["R_init"]), single.lrp(golden["R_init"])
    assert c32.dtype == np.float32 and relative_error(c32, c64) <= TOLERANCE
    m64 = nn.modules[-1].lrp(golden["R_init"], "epsilon", 0.01)
    m32 = single.modules[-1].lrp(golden["R_init"], "epsilon", 0.01)
    assert m32.dtype == np.float32 and relative_error(m32, m64) <= TOLERANCE


def test_imports_in_both_precisions():
    prototxt = shared("models/caffe/ethereon_lenet_deploy.prototxt")
    io = np.load(shared("models/caffe/ethereon_lenet.io.npz"))
    for kw in ({"weights": shared("models/caffe/ethereon_lenet.caffemodel")},):
        a = model_io.read(prototxt, **kw)
        b = model_io.read(prototxt, dtype=np.float32, **kw)
        assert b.dtype == np.float32
        ya, yb = a.forward(io["x"]), b.forward(io["x"])
        assert yb.dtype == np.float32 and relative_error(yb, ya) <= TOLERANCE
    keras = model_io.read(shared("models/keras/tfkeras215_bn.h5"), dtype="float32")
    io = np.load(shared("models/keras/tfkeras215_bn.io.npz"))
    y = keras.forward(io["x"])
    assert y.dtype == np.float32 and relative_error(y, io["y"]) <= TOLERANCE
    pickled = model_io.read(shared("models/LeNet-5.nn"), dtype=np.float32)
    assert pickled.dtype == np.float32 and pickled.modules[0].W.dtype == np.float32


def test_modules_built_in_python_and_deep_copies_keep_float32():
    rng = np.random.default_rng(0)
    nn = Sequential([Linear(4, 3), Rect(), Linear(3, 2)]).astype(np.float32)
    clone = copy.deepcopy(nn)
    assert clone.dtype == np.float32 and clone.modules[0].W.dtype == np.float32
    # Editing the modules rebuilds the model, in the modules' precision.
    nn.modules = nn.modules[:2]
    assert nn.dtype == np.float32
    x = rng.standard_normal((5, 4))
    assert nn.forward(x).dtype == np.float32


def test_bad_dtype_is_an_argument_error(tmp_path):
    with pytest.raises(errors.LRPArgumentError, match="float64 or float32"):
        model_io.read(shared("models/LeNet-5.txt"), dtype=np.int32)
    with pytest.raises(errors.LRPArgumentError, match="float64 or float32"):
        Model.new().astype(np.float16)
