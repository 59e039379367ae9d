"""data_io and model_io: round trips in every format, interop with numpy/scipy, the restricted unpickler,
pickles the toolbox can load, and errors with messages."""

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.io

import lrp
from conftest import REPOSITORY, shared
from lrp import data_io, model_io
from lrp.modules import Convolution, Flatten, Linear, MaxPool, Rect, Sequential, SoftMax, SumPool, Tanh


@pytest.mark.parametrize("fmt", ["txt", "npy", "npz", "mat"])
def test_data_round_trips(tmp_path, fmt):
    rng = np.random.RandomState(0)
    for shape in [(7,), (3, 4), (2, 3, 4)]:
        if fmt == "txt" and len(shape) > 2:
            continue
        data = rng.randn(*shape) * 1e3
        path = tmp_path / ("d." + fmt)
        data_io.write(data, str(path))
        back = data_io.read(str(path))
        expected_shape = (1, 7) if fmt == "mat" and shape == (7,) else shape
        assert back.shape == expected_shape and np.array_equal(back.reshape(shape), data), (fmt, shape)


def test_files_other_tools_read_and_write(tmp_path):
    data = np.arange(12.0).reshape(3, 4) / 7
    data_io.write(data, str(tmp_path / "a.npy"))
    data_io.write(data, str(tmp_path / "a.npz"))
    data_io.write(data, str(tmp_path / "a.mat"))
    data_io.write(data, str(tmp_path / "a.txt"))
    assert np.array_equal(np.load(tmp_path / "a.npy"), data)
    assert np.array_equal(np.load(tmp_path / "a.npz")["arr_0"], data)
    assert np.array_equal(scipy.io.loadmat(str(tmp_path / "a.mat"))["data"], data)
    assert np.array_equal(np.loadtxt(tmp_path / "a.txt"), data)
    np.savez_compressed(tmp_path / "b.npz", first=data, second=data.T.astype(np.float32))
    both = data_io.read(str(tmp_path / "b.npz"))
    assert set(both) == {"first", "second"} and np.array_equal(both["second"], data.T.astype(np.float32))
    scipy.io.savemat(str(tmp_path / "b.mat"), {"data": data.astype(np.uint16)}, do_compression=True)
    assert np.array_equal(data_io.read(str(tmp_path / "b.mat")), data.astype(np.uint16))


def test_mnist_mat_equals_scipy():
    path = shared("data/mnist/test_images.mat")
    ours = data_io.read(path)
    theirs = scipy.io.loadmat(path)["data"]
    assert ours.shape == theirs.shape == (10000, 784)
    assert np.array_equal(ours, theirs.astype(np.float64))


def every_layer_model():
    np.random.seed(9)
    return Sequential([Convolution(filtersize=(3, 3, 1, 4), stride=(1, 1)), Tanh(), MaxPool(pool=(2, 2), stride=(2, 2)),
                       Convolution(filtersize=(2, 2, 4, 3), stride=(1, 1)), Rect(), SumPool(pool=(2, 2), stride=(1, 1)),
                       Flatten(), Linear(12, 2), SoftMax()])


@pytest.mark.parametrize("fmt", ["txt", "nn"])
def test_model_round_trips(tmp_path, fmt):
    nn = every_layer_model()
    nn.modules[1].set_lrp_parameters("epsilon", 0.25)
    path = str(tmp_path / ("m." + fmt))
    model_io.write(nn, path)
    back = model_io.read(path)
    X = np.random.rand(2, 10, 10, 1)
    assert np.array_equal(back.forward(X), nn.forward(X))
    if fmt == "nn":
        assert back.modules[1].lrp_var == "epsilon" and back.modules[1].lrp_param == 0.25


def test_written_pickle_loads_with_toolbox_classes(tmp_path):
    """A stand-in `modules` package with plain classes named like the toolbox's: a stock pickle.load (numpy's
    reconstruction included) must rebuild the network with the toolbox's attribute names."""
    nn = every_layer_model()
    path = tmp_path / "m.nn"
    model_io.write(nn, str(path))
    package = tmp_path / "toolbox" / "modules"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for module, cls in [("sequential", "Sequential"), ("linear", "Linear"), ("convolution", "Convolution"),
                        ("maxpool", "MaxPool"), ("sumpool", "SumPool"), ("flatten", "Flatten"), ("rect", "Rect"),
                        ("tanh", "Tanh"), ("softmax", "SoftMax")]:
        (package / (module + ".py")).write_text("class %s:\n    pass\n" % cls)
    script = textwrap.dedent("""
        import pickle, sys
        with open(sys.argv[1], 'rb') as f:
            net = pickle.load(f)
        names = [type(m).__name__ for m in net.modules]
        conv, lin, pool = net.modules[0], net.modules[7], net.modules[2]
        print(type(net).__module__, names, conv.W.shape, conv.B.shape, conv.fh, conv.fw, conv.fd, conv.n, conv.stride,
              lin.m, lin.n, lin.W.dtype, pool.pool, pool.stride, conv.lrp_var, conv.lrp_param)
    """)
    out = subprocess.run([sys.executable, "-c", script, str(path)], cwd=str(tmp_path / "toolbox"), capture_output=True,
                         text=True, env=dict(os.environ, PYTHONPATH=str(tmp_path / "toolbox")))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ("modules.sequential ['Convolution', 'Tanh', 'MaxPool', 'Convolution', 'Rect', "
                                  "'SumPool', 'Flatten', 'Linear', 'SoftMax'] (3, 3, 1, 4) (4,) 3 3 1 4 (1, 1) 12 2 "
                                  "float64 (2, 2) (2, 2) None 1.0")


def test_unpickler_refuses_foreign_globals(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo hacked > %s" % (tmp_path / "hacked"),))

    path = tmp_path / "evil.nn"
    with open(path, "wb") as f:
        pickle.dump(Evil(), f, protocol=2)
    with pytest.raises(lrp.LRPFormatError, match="refers to (posix|os).system"):
        model_io.read(str(path))
    assert not (tmp_path / "hacked").exists()
    (tmp_path / "junk.nn").write_bytes(b"\x80\x02not a pickle")
    with pytest.raises(lrp.LRPFormatError, match="not a readable toolbox model pickle"):
        model_io.read(str(tmp_path / "junk.nn"))


def test_errors_become_exceptions_with_messages(tmp_path):
    with pytest.raises(lrp.LRPIOError) as missing:
        model_io.read(str(tmp_path / "missing.txt"))
    assert isinstance(missing.value, OSError) and "missing.txt" in str(missing.value)
    bad = tmp_path / "bad.txt"
    bad.write_text("Linear 2 2\n1 2 3\n0 0\n")
    with pytest.raises(lrp.LRPFormatError, match="line 2: too few weights") as malformed:
        model_io.read(str(bad))
    assert isinstance(malformed.value, ValueError) and malformed.value.status == 3
    nn = every_layer_model()
    with pytest.raises(lrp.LRPShapeError, match=r"layer 0 \(Convolution 3 3 1 4 1 1\).*2×10×10×3"):
        nn.forward(np.zeros((2, 10, 10, 3)))
    nn.forward(np.zeros((2, 10, 10, 1)))
    with pytest.raises(lrp.LRPArgumentError, match="unknown rule 'zplus-ish'"):
        nn.lrp(np.ones((2, 2)), "zplus-ish", 0)
    with pytest.raises(lrp.LRPShapeError, match="r has 3 values"):
        nn.lrp(np.ones(3), "epsilon", 0.1)
    fresh = every_layer_model()
    with pytest.raises(lrp.LRPStateError) as state:
        fresh.lrp(np.ones((2, 2)))
    assert isinstance(state.value, RuntimeError)
    with pytest.raises(lrp.LRPIOError):
        data_io.read(str(tmp_path / "nothing.npy"))
    (tmp_path / "corrupt.npy").write_bytes(b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f8'")
    with pytest.raises(lrp.LRPFormatError, match="truncated"):
        data_io.read(str(tmp_path / "corrupt.npy"))
    assert nn.forward(np.zeros((1, 10, 10, 1))).shape == (1, 2), "the interpreter and the model survive"


def test_library_search_order_names_every_place(tmp_path):
    script = "import lrp"
    env = dict(os.environ, LRP_LIBRARY=str(tmp_path / "nowhere.so"), PYTHONPATH=os.path.join(REPOSITORY, "python"))
    ok = subprocess.run([sys.executable, "-c", "import lrp; print(lrp.library_path, lrp.version)"], capture_output=True,
                        text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.split()[1] == "1.10.0"
    assert os.path.basename(ok.stdout.split()[0]) == "liblrp.so"
    # With nothing to find (the package copied elsewhere without a library), the error lists every place.
    copy = tmp_path / "elsewhere" / "lrp"
    copy.parent.mkdir()
    subprocess.run(["cp", "-r", os.path.join(REPOSITORY, "python", "lrp"), str(copy)], check=True)
    lonely = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=dict(os.environ, LRP_LIBRARY=str(tmp_path / "nowhere.so"), PYTHONPATH=str(copy.parent)),
                            cwd=str(tmp_path))
    assert lonely.returncode != 0
    assert "nowhere.so (not found)" in lonely.stderr and str(copy / "liblrp.so") in lonely.stderr
    assert str(tmp_path / ".build" / "release" / "liblrp.so") + " (not found)" in lonely.stderr


def test_toolbox_style_script_runs_unchanged(tmp_path):
    script = tmp_path / "explain.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        import model_io, data_io, render
        from modules import Sequential, Linear, Rect, SoftMax

        nn = model_io.read('%(models)s/LeNet-5.txt')
        X = data_io.read('%(data)s/test_images.mat')[:3] / 127.5 - 1.
        X = np.pad(X.reshape(3, 28, 28, 1), ((0, 0), (2, 2), (2, 2), (0, 0)), 'constant', constant_values=-1.)
        Ypred = nn.forward(X)
        mask = np.zeros_like(Ypred)
        mask[np.arange(3), Ypred.argmax(axis=1)] = 1
        R = nn.lrp(Ypred * mask, 'alphabeta', 2.)
        for m in nn.modules[::-1]:
            pass
        digit = render.digit_to_rgb(X[0, ..., 0], scaling=3)
        hm = render.hm_to_rgb(R[0, ..., 0], X=X[0, ..., 0], scaling=3, sigma=2)
        render.save_image([digit, hm], '%(out)s/heatmap.png')
        print(Ypred.argmax(axis=1), R.shape)
    """ % {"models": os.path.dirname(shared("models/LeNet-5.txt")),
           "data": os.path.dirname(shared("data/mnist/test_images.mat")), "out": tmp_path}))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=str(tmp_path),
                         env=dict(os.environ, PYTHONPATH=os.path.join(REPOSITORY, "python", "toolbox")))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [  # the toolbox's log lines, then the script's own
        "loading plain text model from %s" % shared("models/LeNet-5.txt"),
        "loading matlab formatted data from %s" % shared("data/mnist/test_images.mat"),
        "saving image to  %s/heatmap.png" % tmp_path,
        "[7 2 1] (3, 32, 32, 1)"]
    png = (tmp_path / "heatmap.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
