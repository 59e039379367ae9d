"""The restricted unpickler under hostile input: toolbox pickles with random bytes changed, cut off anywhere, or
given as a FIFO either load as a model or raise an LRPError — never another exception, a hang or a crash."""

import os
import random

import pytest

import lrp
from lrp import model_io

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
PICKLES = sorted(f for f in os.listdir(FIXTURES) if f.endswith(".nn"))


@pytest.mark.parametrize("name", PICKLES)
def test_mutated_pickles_load_or_raise_lrp_errors(tmp_path, name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        original = f.read()
    rng = random.Random(name)
    outcomes = {"model": 0, "error": 0}
    for trial in range(150):
        data = bytearray(original)
        for _ in range(1 + trial % 4):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path = tmp_path / ("m%d.nn" % (trial % 4))
        path.write_bytes(bytes(data))
        try:
            model_io.read(str(path))
            outcomes["model"] += 1
        except lrp.LRPError as error:
            assert str(path) in error.message
            outcomes["error"] += 1
    assert outcomes["model"] + outcomes["error"] == 150


@pytest.mark.parametrize("name", PICKLES[:1])
def test_truncated_pickles_raise_format_errors(tmp_path, name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        original = f.read()
    for cut in range(0, len(original), max(1, len(original) // 97)):
        path = tmp_path / "cut.nn"
        path.write_bytes(original[:cut])
        with pytest.raises(lrp.LRPError):
            model_io.read(str(path))


def test_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "model.nn"
    os.mkfifo(fifo)
    with pytest.raises(lrp.LRPIOError, match="not a regular file"):
        model_io.read(str(fifo))


@pytest.mark.parametrize("stride", [(2.7, 2), ("2", 2), (True, 2), (2,), (2.0, 2.0)])
def test_pool_sizes_in_a_pickle_are_whole_numbers(tmp_path, stride):
    from lrp import toolbox_pickle
    path = str(tmp_path / "pool.nn")
    state = {"lrp_var": None, "lrp_param": 1.0, "X": None, "Y": None, "pool": (2, 2), "stride": stride}
    toolbox_pickle.dump({"lrp_var": None, "lrp_param": 1.0}, [("SumPool", state)], path)
    if stride == (2.0, 2.0):  # whole numbers written as floats are sizes
        assert model_io.read(path).modules[0].stride in ((2, 2), [2, 2])
    else:
        with pytest.raises(lrp.LRPFormatError, match="stride"):
            model_io.read(path)
