"""The toolbox's .nn files as numpy 1.x and 2.x write them with pickle protocols 2-5 load through the restricted
unpickler and compute what their weights say; anything beyond numpy's array rebuilding is refused."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import lrp
from conftest import HERE
from lrp import model_io

FIXTURES = os.path.join(HERE, "fixtures")
sys.path.insert(0, FIXTURES)
import toolbox_pickles  # noqa: E402


def numpy_forward(x):
    """The network of toolbox_pickles.LAYERS computed directly with numpy from the formula's weights."""
    for (name, args), params in zip(toolbox_pickles.LAYERS, toolbox_pickles.weights()):
        if name == "Convolution":
            w, b = params
            hf, wf, _, nf = w.shape
            s0, s1 = args["stride"]
            n, h, wd, _ = x.shape
            ho, wo = (h - hf) // s0 + 1, (wd - wf) // s1 + 1
            y = np.zeros((n, ho, wo, nf))
            for i in range(ho):
                for j in range(wo):
                    patch = x[:, i * s0:i * s0 + hf, j * s1:j * s1 + wf, :]
                    y[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2])) + b
            x = y
        elif name in ("SumPool", "MaxPool"):
            (ph, pw), (s0, s1) = args["pool"], args["stride"]
            n, h, wd, d = x.shape
            ho, wo = (h - ph) // s0 + 1, (wd - pw) // s1 + 1
            y = np.zeros((n, ho, wo, d))
            for i in range(ho):
                for j in range(wo):
                    window = x[:, i * s0:i * s0 + ph, j * s1:j * s1 + pw, :]
                    y[:, i, j, :] = window.max(axis=(1, 2)) if name == "MaxPool" else \
                        window.sum(axis=(1, 2)) / np.sqrt(ph * pw)
            x = y
        elif name == "Linear":
            x = x @ params[0] + params[1]
        elif name == "Rect":
            x = np.maximum(0, x)
        elif name == "Tanh":
            x = np.tanh(x)
        elif name == "Flatten":
            x = x.reshape(x.shape[0], -1)
        elif name == "SoftMax":
            e = np.exp(x - x.max(axis=1, keepdims=True))
            x = e / e.sum(axis=1, keepdims=True)
    return x


def pickle_globals(path):
    """The (module, name) pairs a pickle refers to, as the restricted unpickler is asked for them."""
    from lrp import toolbox_pickle
    names = set()

    class Recording(toolbox_pickle.RestrictedUnpickler):
        def find_class(self, module, name):
            names.add((module, name))
            return super().find_class(module, name)

    with open(path, "rb") as f:
        Recording(f, encoding="latin1").load()
    return names


@pytest.fixture(scope="module")
def numpy2_pickles(tmp_path_factory):
    """The .nn files of protocols 2-5 written by the installed numpy (2.x) in a separate process."""
    folder = tmp_path_factory.mktemp("numpy2")
    out = subprocess.run([sys.executable, os.path.join(FIXTURES, "toolbox_pickles.py"), str(folder)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return {p: str(folder / ("toolbox-numpy%s-protocol%d.nn" % (np.__version__.split(".")[0], p))) for p in (2, 3, 4, 5)}


def expected_globals(major, protocol):
    core = "numpy.core" if major == 1 else "numpy._core"
    if protocol == 5:
        return {(core + ".numeric", "_frombuffer"), ("numpy", "dtype"), (core + ".multiarray", "scalar")}
    return {(core + ".multiarray", "_reconstruct"), ("numpy", "ndarray"), ("numpy", "dtype"),
            (core + ".multiarray", "scalar")}


def check_model(path):
    nn = model_io.read(path)
    assert [type(m).__name__ for m in nn.modules] == [name for name, _ in toolbox_pickles.LAYERS]
    for m, params in zip(nn.modules, toolbox_pickles.weights()):
        if params is not None:
            assert np.array_equal(m.W, params[0]) and np.array_equal(m.B, params[1])
    assert nn.modules[0].lrp_var == "epsilon" and nn.modules[0].lrp_param == 0.01
    assert nn.modules[5].pool == (2, 2) and nn.modules[5].stride == (1, 1)
    x = toolbox_pickles.inputs()
    y = nn.forward(x)
    assert y.shape == (2, 3)
    np.testing.assert_allclose(y, numpy_forward(x), rtol=1e-12, atol=1e-15)
    return nn


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_numpy1_pickles_load(protocol):
    """Committed fixtures written with numpy 1.26.4 (see fixtures/toolbox_pickles.py)."""
    path = os.path.join(FIXTURES, "toolbox-numpy1-protocol%d.nn" % protocol)
    assert expected_globals(1, protocol) <= pickle_globals(path)
    check_model(path)


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_numpy2_pickles_load(numpy2_pickles, protocol):
    if int(np.__version__.split(".")[0]) < 2:
        pytest.skip("numpy %s is installed; the numpy 2.x pickles need numpy 2" % np.__version__)
    path = numpy2_pickles[protocol]
    assert expected_globals(2, protocol) <= pickle_globals(path)
    nn = check_model(path)
    # The relevance of a preset model runs too (layer 0 keeps its epsilon preset).
    r = nn.lrp(nn.forward(toolbox_pickles.inputs()))
    assert r.shape == toolbox_pickles.INPUT_SHAPE and np.all(np.isfinite(r))


def test_odd_arrays_rebuild_as_numpy_does():
    """What numpy itself writes for odd arrays goes through the checked rebuilders too: non-contiguous
    (protocol 5 falls back to _reconstruct), big-endian, float32, a 0-d array and numpy integers."""
    import io
    from lrp import toolbox_pickle
    values = {"strided": np.arange(12.0).reshape(3, 4)[:, ::2], "big": np.arange(3, dtype=">f8"),
              "f32": np.ones((2, 2), dtype=np.float32), "zero_d": np.array(2.5), "int": np.int64(7),
              "bool": np.array([True, False]), "empty": np.zeros((0, 3))}
    for protocol in (2, 5):
        back = toolbox_pickle.RestrictedUnpickler(io.BytesIO(pickle.dumps(values, protocol))).load()
        stock = pickle.loads(pickle.dumps(values, protocol))  # what numpy itself rebuilds
        for key, value in values.items():
            assert np.asarray(back[key]).dtype == np.asarray(stock[key]).dtype, key
            assert np.array_equal(back[key], value), key


def hostile(tmp_path, name, reduce_value, protocol=2):
    """A .nn file whose pickle calls reduce_value = (callable, args)."""
    class Payload:
        def __reduce__(self):
            return reduce_value

    path = tmp_path / (name + ".nn")
    with open(path, "wb") as f:
        pickle.dump(Payload(), f, protocol=protocol)
    return str(path)


@pytest.mark.parametrize("target, message", [
    (lambda p: (np.load, (str(p),)), r"numpy\.load, which is not one of the functions numpy rebuilds"),
    (lambda p: (np.save, (str(p), np.zeros(1))), r"numpy\.save, which is not one"),
    (lambda p: (np.testing.assert_equal, (1, 1)), r"numpy\.testing.*assert_equal, which is not one"),
    (lambda p: (np.fromfile, (str(p),)), r"numpy.*fromfile, which is not one"),
    (lambda p: (os.system, ("true",)), r"refers to (posix|os)\.system, which is neither"),
    (lambda p: (eval, ("1",)), r"refers to (builtins|__builtin__)\.eval, which is neither"),
    (lambda p: (open, (str(p), "w")), r"refers to (builtins|__builtin__|io)\.open"),
])
def test_numpy_globals_that_do_not_rebuild_arrays_are_refused(tmp_path, target, message):
    marker = tmp_path / "touched"
    path = hostile(tmp_path, "evil", target(marker))
    with pytest.raises(lrp.LRPFormatError, match=message):
        model_io.read(path)
    assert not marker.exists()


def test_rebuilders_check_their_arguments(tmp_path):
    frombuffer = np._core.numeric._frombuffer if hasattr(np, "_core") else np.core.numeric._frombuffer
    multiarray = np._core.multiarray if hasattr(np, "_core") else np.core.multiarray
    f8 = np.dtype("f8")
    cases = [
        ((frombuffer, ("not bytes", f8, (1,), "C")), "_frombuffer on str instead of a buffer"),
        ((frombuffer, (b"\0" * 8, f8, (1,), "K")), "order 'K'"),
        ((frombuffer, (b"\0" * 8, f8, (1.0,), "C")), r"shape \(1\.0,\), which is not a tuple"),
        ((frombuffer, (b"\0" * 8, f8, [1], "C")), r"shape \[1\]"),
        ((frombuffer, (b"\0" * 8, f8, (-1,), "C")), r"shape \(-1,\)"),
        ((frombuffer, (b"\0" * 8, f8, (2 ** 40, 2 ** 40), "C")), "holds 8 bytes"),
        ((frombuffer, (b"\0" * 8, np.dtype("O"), (1,), "C")), "numpy.dtype\\('O8'\\), which is not a numeric"),
        ((frombuffer, (b"\0" * 8, np.dtype([("a", "f8")]), (1,), "C")), "not a numeric dtype"),
        ((multiarray._reconstruct, (np.dtype, (0,), b"b")), "only \\(numpy.ndarray, shape, typecode\\)"),
        ((multiarray.scalar, (np.dtype("O"), "x")), "not a numeric dtype"),
        ((multiarray.scalar, (f8, b"\0" * 3)), "holds 3 bytes"),
    ]
    for i, (reduce_value, message) in enumerate(cases):
        for protocol in (2, 5):
            path = hostile(tmp_path, "case%d-%d" % (i, protocol), reduce_value, protocol)
            with pytest.raises(lrp.LRPFormatError, match=message):
                model_io.read(path)


def test_object_arrays_and_odd_states_are_refused(tmp_path):
    for protocol in (2, 5):
        path = tmp_path / ("objects%d.nn" % protocol)
        with open(path, "wb") as f:
            pickle.dump(np.array([1, "a"], dtype=object), f, protocol)
        with pytest.raises(lrp.LRPFormatError, match="not a numeric dtype"):
            model_io.read(str(path))
    # numpy.ndarray itself is only a marker for _reconstruct: calling it is refused.
    path = hostile(tmp_path, "ndarray", (np.ndarray, ((2,),)))
    with pytest.raises(lrp.LRPFormatError, match="not a readable toolbox model pickle"):
        model_io.read(path)
    # An array state whose sizes disagree with its bytes.
    array_state = (1, (1000,), np.dtype("f8"), False, b"\0" * 8)
    multiarray = np._core.multiarray if hasattr(np, "_core") else np.core.multiarray
    path = tmp_path / "short.nn"
    with open(path, "wb") as f:
        pickle.dump(_Reduced((multiarray._reconstruct, (np.ndarray, (0,), b"b"), array_state)), f, 2)
    with pytest.raises(lrp.LRPFormatError, match="declares shape \\(1000,\\).*holds 8 bytes"):
        model_io.read(str(path))


class _Reduced:
    def __init__(self, value):
        self.value = value

    def __reduce__(self):
        return self.value
