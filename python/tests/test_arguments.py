"""Integers handed to liblrp are checked first: ctypes would keep the low 32 (or 64) bits of an out-of-range value,
so -(2**40) was layer 0 and 2**70 described layer 0. Every such argument raises lrp.LRPArgumentError (a
ValueError) naming the argument and the value, and nothing changes."""

import os

import numpy as np
import pytest

from conftest import REPOSITORY
import lrp
from lrp import Model, model_io
from lrp._capi import INT32, INT64, integer, integers

HUGE = [2 ** 31, -(2 ** 31) - 1, 2 ** 40, -(2 ** 40), 2 ** 70, -(2 ** 70)]


def digits_net():
    return model_io.read(os.path.join(REPOSITORY, "models", "digits-mlp.txt"))


def state(model):
    """Everything an argument error must leave as it was: every layer's rule spec and parameters."""
    return [model.rule_spec(i) for i in range(len(model))], [
        [model.parameter(i, p).copy() for p in ("W", "B")] for i in range(len(model)) if model.describe(i).startswith("Linear")]


def assert_same(before, after):
    assert before[0] == after[0]
    for a, b in zip(before[1], after[1]):
        for x, y in zip(a, b):
            assert np.array_equal(x, y)


def test_the_helper_takes_python_and_numpy_integers_in_range_only():
    assert integer(5, "n") == 5 and type(integer(np.int64(5), "n")) is int
    assert integer(np.uint8(7), "n") == 7
    assert integer(INT32[0], "n") == INT32[0] and integer(INT32[1], "n") == INT32[1]
    assert integer(2 ** 40, "n", INT64) == 2 ** 40
    for value in HUGE[:4]:
        with pytest.raises(lrp.LRPArgumentError, match=r"layer = %d is out of range" % value):
            integer(value, "layer")
    for value in (2 ** 63, -(2 ** 63) - 1, 2 ** 70):
        with pytest.raises(lrp.LRPArgumentError, match="size = %d is out of range" % value):
            integer(value, "size", INT64)
    for value in (1.0, 2.5, float("nan"), "3", None, True, False, np.bool_(True), np.float64(2)):
        with pytest.raises(lrp.LRPArgumentError, match="layer must be an integer, got"):
            integer(value, "layer")
    with pytest.raises(ValueError, match=r"inputs\[1\] = 4294967296 is out of range"):
        integers([0, 2 ** 32], "inputs")
    error = pytest.raises(ValueError, integer, 2 ** 40, "layer").value
    assert isinstance(error, lrp.LRPArgumentError) and error.status == 1


def test_layer_indices_beyond_32_bits_are_refused_and_change_nothing():
    nn = digits_net()
    model = nn._model
    assert model.describe(0).startswith("Linear")
    before = state(model)
    for value in HUGE:
        with pytest.raises(lrp.LRPArgumentError, match="layer = %d is out of range" % value):
            model.set_rule(value, "epsilon", 0.5)
        with pytest.raises(lrp.LRPArgumentError, match="layer = %d" % value):
            model.set_rule_spec(value, "zplus")
        with pytest.raises(lrp.LRPArgumentError, match="layer = %d" % value):
            model.describe(value)
        with pytest.raises(lrp.LRPArgumentError, match="layer = %d" % value):
            model.set_parameter(value, "B", np.ones(model.parameter(0, "B").shape))
        for query in (model.name, model.inputs, model.rule, model.rule_spec):
            with pytest.raises(lrp.LRPArgumentError, match="layer = %d" % value):
                query(value)
        with pytest.raises(lrp.LRPArgumentError, match="layer = %d" % value):
            model.parameter(value, "W")
        with pytest.raises(lrp.LRPArgumentError, match="layer = %d" % value):
            model.update(0.1, layer=value)
    with pytest.raises(ValueError, match="layer = 1180591620717411303424 is out of range"):
        model.describe(2 ** 70)
    with pytest.raises(lrp.LRPArgumentError, match="layer must be an integer, got 0.5"):
        model.set_rule(0.5, "epsilon", 0.5)
    with pytest.raises(lrp.LRPArgumentError, match="layer must be an integer, got True"):
        model.describe(True)
    assert_same(before, state(model))
    # In range, the library still answers for itself.
    with pytest.raises(lrp.LRPArgumentError):
        model.describe(2 ** 31 - 1)
    assert model.describe(np.int32(0)) == model.describe(0)


def test_passes_with_bad_layers_starts_and_shapes_are_refused():
    nn = digits_net()
    model = nn._model
    X = np.random.RandomState(0).rand(3, 64)
    Y = nn.forward(X)
    before = state(model)
    for value in (2 ** 32, -(2 ** 40), 2 ** 70):
        with pytest.raises(lrp.LRPArgumentError, match="layer = %d" % value):
            model.forward(X, layer=value)
        with pytest.raises(lrp.LRPArgumentError, match="layer = %d" % value):
            model.relevance(Y, "epsilon", 0.1, layer=value)
        with pytest.raises(lrp.LRPArgumentError, match="layer = %d" % value):
            model.backward(Y, layer=value)
        with pytest.raises(lrp.LRPArgumentError, match="layer = %d" % value):
            model.trace_shape(value, 0)
        with pytest.raises(lrp.LRPArgumentError, match="which = %d" % value):
            model.trace_shape(0, value)
        with pytest.raises(lrp.LRPArgumentError, match="layer = %d" % value):
            model.layer_output_shape(value, X.shape)
        with pytest.raises(lrp.LRPArgumentError, match=r"layers\[1\] = %d" % value):
            nn.lrp_layers(Y, ["input", value])
        with pytest.raises(lrp.LRPArgumentError, match="start = %d" % value):
            nn.lrp_layers(Y, ["input"], start=value)
    with pytest.raises(lrp.LRPArgumentError, match=r"input_shape\[0\] = 1180591620717411303424 is out of range"):
        model.output_shape((2 ** 70, 64))
    with pytest.raises(lrp.LRPArgumentError, match=r"input_shape\[1\] must be an integer, got 64.5"):
        model.output_shape((3, 64.5))
    with pytest.raises(lrp.LRPArgumentError, match=r"layers\[0\] must be an integer, got 1.5"):
        nn.lrp_layers(Y, [1.5])
    with pytest.raises(lrp.LRPArgumentError, match="first layer of a segment = 4294967296"):
        nn.set_composite([(2 ** 32, 2 ** 32 + 1, "zplus")])
    assert_same(before, state(model))
    assert model.output_shape((3, 64)) == (3, 10)
    assert nn.lrp_layers(Y, [np.int64(-1)])[0].shape == X.shape


def test_graph_inputs_and_training_options_are_checked():
    model = Model.new()
    with pytest.raises(lrp.LRPArgumentError, match=r"inputs\[0\] = 4294967295 is out of range"):
        model.add_node("a", "Rect", [2 ** 32 - 1])
    with pytest.raises(lrp.LRPArgumentError, match=r"inputs\[0\] must be an integer"):
        model.add_node("a", "Rect", [-1.0])
    assert len(model) == 0
    model.add_node("a", "Rect", [np.int64(-1)])
    assert len(model) == 1
    nn = digits_net()
    X = np.random.RandomState(1).rand(10, 64)
    Y = np.eye(10)
    before = state(nn._model)
    for option, value in (("batchsize", 2 ** 64), ("iters", 2 ** 63), ("status", -(2 ** 63) - 1),
                          ("convergence", 2 ** 70), ("batchsize", 2.5), ("iters", True)):
        with pytest.raises(lrp.LRPArgumentError, match=option.replace("batchsize", "batch_size")
                           .replace("iters", "iterations")):
            nn.train(X, Y, **{option: value, "silent": True})
    with pytest.raises(lrp.LRPArgumentError, match="seed = %d" % 2 ** 64):
        nn.train(X, Y, seed=2 ** 64, silent=True)
    with pytest.raises(lrp.LRPArgumentError, match="seed must be an integer"):
        nn.train(X, Y, seed=0.5, silent=True)
    assert_same(before, state(nn._model))



def test_module_sizes_are_integers_not_truncated():
    from lrp import modules
    for make, message in ((lambda: modules.Linear(2.5, 3), "Linear m must be an integer, got 2.5"),
                          (lambda: modules.Linear(3, 2 ** 70), "Linear n = %d is out of range" % 2 ** 70),
                          (lambda: modules.Convolution((5, 5, 1, 2.0), (1, 1)), r"filtersize\[3\] must be an integer"),
                          (lambda: modules.Convolution((5, 5, 1, 2), (1, 1.5)), r"stride\[1\] must be an integer"),
                          (lambda: modules.SumPool((2, 2), (True, 2)), r"SumPool stride\[0\] must be an integer, got True"),
                          (lambda: modules.MaxPool((2 ** 64, 2)), r"MaxPool pool\[0\] = %d is out of range" % 2 ** 64),
                          (lambda: modules.AvgPool(padding=(0, 0, 0, 0.5)), r"AvgPool padding\[3\] must be an integer"),
                          (lambda: modules.ZeroPadding((1, 1, 1, 1.5)), r"padding\[3\] must be an integer"),
                          (lambda: modules.Reshape((2 ** 64,)), r"target_shape\[0\] = %d is out of range" % 2 ** 64),
                          (lambda: modules.LRN(size=5.0), "LRN size must be an integer")):
        with pytest.raises(lrp.LRPArgumentError, match=message):
            make()
    assert modules.Convolution((5, 5, 1, np.int64(2)), [1, 1])._header() == "Convolution 5 5 1 2 1 1"
    assert modules.Reshape([np.int64(4), 2])._header() == "Reshape 4 2"
