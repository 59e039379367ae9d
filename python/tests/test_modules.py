"""The toolbox's module API: construction, attributes, assignment, list edits, copies, training."""

import copy

import numpy as np
import pytest

import lrp
from lrp.modules import Convolution, Flatten, Linear, MaxPool, Rect, Sequential, SoftMax, SumPool, Tanh


def small_cnn():
    return Sequential([Convolution(filtersize=(3, 3, 2, 4), stride=(1, 1)), Rect(), MaxPool(pool=(2, 2), stride=(2, 2)),
                       Flatten(), Linear(36, 3), SoftMax()])


def test_initialization_follows_the_toolbox():
    np.random.seed(3)
    layer = Linear(400, 300)
    assert layer.m == 400 and layer.n == 300 and layer.W.shape == (400, 300)
    assert np.all(layer.B == 0)
    assert abs(layer.W.std() - 400 ** -0.5) < 0.002
    np.random.seed(3)
    assert np.array_equal(Linear(400, 300).W, layer.W), "numpy's seed reproduces the initialization"
    conv = Convolution(filtersize=(5, 5, 3, 32), stride=(2, 2))
    assert (conv.fh, conv.fw, conv.fd, conv.n, conv.stride) == (5, 5, 3, 32, (2, 2))
    assert abs(conv.W.std() - 75 ** -0.5) < 0.01
    pool = SumPool(pool=(3, 2), stride=(1, 2))
    assert pool.pool == (3, 2) and pool.stride == (1, 2)
    assert (Convolution().fh, Convolution().stride) == (5, (2, 2))


def test_assigning_and_editing_parameters_changes_the_network():
    np.random.seed(1)
    nn = small_cnn()
    X = np.random.rand(2, 8, 8, 2)
    before = nn.forward(X)
    W = nn.modules[4].W.copy()
    nn.modules[4].W = W * 2
    assert not np.allclose(nn.forward(X), before)
    nn.modules[4].W[...] = W  # in place, through the view
    assert np.allclose(nn.forward(X), before)
    nn.modules[4].B[0] += 1.0  # one class only: a shift of all logits would not change the softmax
    assert not np.allclose(nn.forward(X), before)
    with pytest.raises(ValueError, match="shape"):
        nn.modules[4].W = np.zeros((3, 3))


def test_module_list_edits_and_drop_softmax(capsys):
    np.random.seed(2)
    nn = small_cnn()
    X = np.random.rand(2, 8, 8, 2)
    probabilities = nn.forward(X)
    nn.drop_softmax_output_layer()
    assert "removing softmax" in capsys.readouterr().out
    logits = nn.forward(X)
    assert np.allclose(np.exp(logits) / np.exp(logits).sum(1, keepdims=True), probabilities)
    del nn.modules[-1]
    assert nn.forward(X).shape == (2, 36)
    nn.modules.append(Tanh())
    assert np.all(np.abs(nn.forward(X)) <= 1)
    assert len(nn.modules) == 5 and isinstance(nn.modules[1], Rect)


def test_standalone_modules_and_loops_equal_the_sequential():
    np.random.seed(4)
    layers = [Linear(5, 4), Tanh(), Linear(4, 3), SoftMax()]
    X = np.random.randn(6, 5)
    out = X
    for m in layers:
        out = m.forward(out)
    R = out
    for m in layers[::-1]:
        R = m.lrp(R, 'alphabeta', 2.)
    nn = Sequential(layers)
    assert np.allclose(nn.forward(X), out)
    assert np.allclose(nn.lrp(out, 'alphabeta', 2.), R)


def test_deepcopy_is_independent():
    np.random.seed(5)
    nn = small_cnn()
    clone = copy.deepcopy(nn)
    X = np.random.rand(1, 8, 8, 2)
    assert np.array_equal(clone.forward(X), nn.forward(X))
    clone.modules[0].W[...] = 0
    assert not np.array_equal(clone.forward(X), nn.forward(X))


def test_lrp_parameters_follow_the_toolbox():
    np.random.seed(6)
    nn = small_cnn()
    X = np.random.rand(2, 8, 8, 2)
    Y = nn.forward(X)
    assert nn.modules[0].lrp_var is None and nn.modules[0].lrp_param == 1.0
    nn.set_lrp_parameters('epsilon', 0.5)
    assert np.allclose(nn.lrp(Y), nn.lrp(Y, 'epsilon', 0.5))
    assert np.allclose(nn.lrp(Y, None, 0.5), nn.lrp(Y, 'simple')), "lrp_var None means simple"
    with pytest.raises(ValueError, match="needs a parameter"):
        nn.lrp(Y, 'epsilon', None)
    assert nn.forward(X, lrp_aware=True).shape == (2, 3)


def test_training_reaches_accuracy_and_is_reproducible(capsys):
    def data():
        rng = np.random.RandomState(0)
        X = rng.rand(400, 6)
        return X, np.eye(2)[(X[:, 0] > X[:, 1]).astype(int)]

    X, Y = data()
    np.random.seed(7)
    a = Sequential([Linear(6, 12), Rect(), Linear(12, 2), SoftMax()])
    a.train(X[:300], Y[:300], Xval=X[300:], Yval=Y[300:], iters=1500, status=500, lrate=0.05, seed=11)
    out = capsys.readouterr().out
    assert "Accuracy after 500 iterations on validation set" in out and "Training terminated after" in out
    accuracy = (a.forward(X[300:]).argmax(1) == Y[300:].argmax(1)).mean()
    assert accuracy >= 0.95
    np.random.seed(7)
    b = Sequential([Linear(6, 12), Rect(), Linear(12, 2), SoftMax()])
    b.train(X[:300], Y[:300], Xval=X[300:], Yval=Y[300:], iters=1500, status=500, lrate=0.05, seed=11, silent=True)
    assert capsys.readouterr().out == ""
    assert np.array_equal(a.modules[0].W, b.modules[0].W), "same seed, same training"


def test_training_shorter_than_one_status_ends_with_the_initial_parameters(capsys):
    # As the toolbox's train: the state before the first iteration is the best one until a status finds a lower
    # loss, so with iters < status no status runs and the model is reset to it.
    np.random.seed(3)
    X = np.random.rand(50, 4)
    Y = np.eye(2)[(X[:, 0] > X[:, 1]).astype(int)]
    net = Sequential([Linear(4, 2), SoftMax()])
    before = net.modules[0].W.copy()
    net.train(X, Y, iters=20, status=250, lrate=0.1, seed=1)
    assert np.array_equal(net.modules[0].W, before)
    assert capsys.readouterr().out.splitlines()[-1] == (
        "Setting network parameters to best encountered network state with 0.0% accuracy and a loss of inf from "
        "iteration 0.")


def test_training_transform_and_errors_from_callbacks():
    np.random.seed(8)
    X = np.random.rand(50, 3)
    Y = np.eye(2)[(X[:, 0] > 0.5).astype(int)]
    nn = Sequential([Linear(3, 2), SoftMax()])
    seen = []

    def transform(batch):
        seen.append(batch.shape)
        return batch + 0.0

    nn.train(X, Y, iters=20, status=10, batchsize=5, transform=transform, silent=True)
    assert seen == [(5, 3)] * 20

    def broken(batch):
        raise RuntimeError("no transform today")

    with pytest.raises(RuntimeError, match="no transform today"):
        nn.train(X, Y, iters=20, status=10, transform=broken, silent=True)
    with pytest.raises(lrp.LRPArgumentError, match="batch size 100"):
        nn.train(X, Y, iters=20, batchsize=100, silent=True)


def test_module_classes_follow_the_librarys_layer_kinds():
    from lrp import _capi, modules
    kinds = _capi.layer_kinds()
    assert [name for name, _, _ in kinds] == list(modules.BY_NAME)
    assert modules.BY_NAME["Pad"] is modules.ZeroPadding and modules.BY_NAME["Linear"] is Linear
    assert modules.TOOLBOX == (Linear, modules.Convolution, SumPool, MaxPool, Flatten, Rect, Tanh, SoftMax)
    assert {name for name, _, flags in kinds if "merge" in flags} == {"Add", "Concatenate"}
    forms = {name: form for name, form, _ in kinds}
    assert forms["Linear"] == "Linear m n" and forms["SumPool"] == "SumPool ph pw sh sw"
