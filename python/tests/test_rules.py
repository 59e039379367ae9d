"""Rules of current practice, composites, relevance at chosen layers and many targets through the toolbox API,
against zennit's references (Tests/fixtures/zennit, written by its generate.py with zennit 0.5.1)."""

import copy
import json
import os
import re

import numpy as np
import pytest

from conftest import REPOSITORY, relative_error, shared
from lrp import LRPArgumentError, LRPFormatError, LRPShapeError, model_io
from lrp.modules import Sequential

ZENNIT = os.path.join(REPOSITORY, "Tests", "fixtures", "zennit")
REFERENCES = np.load(os.path.join(ZENNIT, "references.npz"))
with open(os.path.join(ZENNIT, "cases.json")) as _f:
    CASES = json.load(_f)["cases"]


def _lists(spec):
    """The bracketed lists of a zb spec as arrays (low, high)."""
    return [np.array(group.split(), dtype=np.float64) for group in re.findall(r"\[([^\]]*)\]", spec)]


#: The toolbox-style (lrp_var, param) for each rule of the single-layer cases.
TOOLBOX_FORMS = {
    "epsilon": ("epsilon", 0.1),
    "epsilon_small": ("epsilon", 1e-6),
    "zplus": ("zplus", None),
    "alpha2beta1": ("alphabeta", {"alpha": 2, "beta": 1}),
    "alpha1beta0": ("alphabeta", {"alpha": 1, "beta": 0}),
    "gamma": ("gamma", 0.25),
    "gamma1": ("gamma", {"gamma": 1.0, "epsilon": 1e-6}),
    "zb": ("zb", (-1, 1)),
    "flat": ("flat", {"epsilon": 1e-6}),
    "wsquare": ("ww", {"epsilon": 1e-6}),
    "norm": ("norm", None),
    "norm_large": ("norm", 0.5),
    "pass": ("pass", None),
}


def _model(name):
    nn = model_io.read(os.path.join(ZENNIT, name + ".npz"))
    nn.forward(REFERENCES[name + ".x"])
    return nn


def _form(case):
    if case["name"] == "zb_channels":
        return ("zb", tuple(_lists(case["rule"])))
    return TOOLBOX_FORMS[case["name"]]


@pytest.mark.parametrize("case", [c for c in CASES if "rule" in c], ids=lambda c: c["reference"])
def test_rules_equal_zennit_through_set_lrp_parameters(case):
    nn = _model(case["model"])
    r = REFERENCES[case["model"] + ".r"]
    expected = REFERENCES[case["reference"]]
    nn.set_lrp_parameters(*_form(case))
    assert relative_error(nn.lrp(r), expected) <= 1e-10
    # the same rule given to lrp() directly, and as a rule spec
    assert relative_error(nn.lrp(r, *_form(case)), expected) <= 1e-10
    assert relative_error(nn.lrp(r, case["rule"]), expected) <= 1e-10


def _parameters(case):
    text = case.get("parameters")
    return {k: float(v) for k, v in (p.split("=") for p in text.split(","))} if text else {}


@pytest.mark.parametrize("case", [c for c in CASES if c["model"] == "cnn"], ids=lambda c: c["reference"])
def test_composites_and_gradient_methods_equal_zennit_on_a_cnn(case):
    nn = _model("cnn")
    r = REFERENCES["cnn.r"]
    if "composite" in case:
        nn.set_composite(case["composite"], **_parameters(case))
        R = nn.lrp(r)
    else:
        R = nn.lrp(r, case["method"])
    assert relative_error(R, REFERENCES[case["reference"]]) <= 1e-10


@pytest.mark.parametrize("case", [c for c in CASES if c["model"] == "lenet5"], ids=lambda c: c["reference"])
def test_composites_equal_zennit_on_lenet5(case):
    nn = model_io.read(shared("models/LeNet-5.txt"))
    nn.forward(np.load(shared("golden/lenet5.npz"))["X"][:2])
    nn.set_composite(case["composite"], **_parameters(case))
    assert relative_error(nn.lrp(REFERENCES["lenet5.r"]), REFERENCES[case["reference"]]) <= 1e-10


def test_composites_set_each_modules_preset_and_segments_round_trip(tmp_path):
    nn = _model("cnn")
    nn.set_composite("epsilon_gamma_box", low=-1, high=1, gamma=0.5)
    # toolbox rules come back as (lrp_var, param), the others as their canonical spec
    presets = [m.lrp_var if m.lrp_var != "epsilon" else (m.lrp_var, m.lrp_param) for m in nn.modules]
    assert presets == ["zb:low=-1,high=1,epsilon=1e-06", "pass", "pass", "norm:epsilon=1e-06",
                       "gamma:gamma=0.5,epsilon=1e-06", "pass", "norm:epsilon=1e-06", "pass", ("epsilon", 1e-6), "pass",
                       ("epsilon", 1e-6)]
    r = REFERENCES["cnn.r"]
    expected = nn.lrp(r)
    path = str(tmp_path / "composite.json")
    nn.save_composite(path)
    with open(path) as f:
        segments = json.load(f)["segments"]
    assert segments[0] == {"first": 0, "last": 0, "rule": "zb:low=-1,high=1,epsilon=1e-06"}
    nn.set_lrp_parameters("epsilon", 1.0)
    nn.set_composite(path)
    assert np.array_equal(nn.lrp(r), expected)
    # segments given as a list, with spec strings and (lrp_var, param) pairs; other layers keep theirs
    nn.set_lrp_parameters("epsilon", 1.0)
    nn.set_composite([(0, 0, ("zb", (-1, 1))), (1, 3, "pass"), (4, 4, ("gamma", 0.25)), (3, 3, "norm"),
                      (6, 6, "norm"), (8, 10, "epsilon:1e-6"), (5, 5, "pass"), (7, 7, "pass"), (9, 9, "pass")])
    reference = REFERENCES["cnn.epsilon_gamma_box"]
    assert relative_error(nn.lrp(r), reference) <= 1e-10
    # a module's preset changed by hand after a composite is what lrp() uses
    nn.modules[10].set_lrp_parameters("epsilon", 100.0)
    assert relative_error(nn.lrp(r), reference) > 1e-6


def test_rule_and_composite_errors_are_clear_and_change_nothing():
    nn = _model("cnn")
    nn.set_composite("epsilon_plus")
    before = [m.lrp_var for m in nn.modules]
    bad = [(("gama", 0.25), "unknown rule 'gama'"), (("gamma", -1.0), "γ ≥ 0"), (("zb", (2, 1)), "low ≤ high"),
           (("unified", {"alpha": 2, "bogus": 1}), "unknown unified parameter 'bogus'"),
           (("alphabeta", {"alpha": 2, "beta": float("inf")}), "finite")]
    for arguments, fragment in bad:
        with pytest.raises(LRPArgumentError, match=re.escape(fragment)):
            nn.set_lrp_parameters(*arguments)
        with pytest.raises(LRPArgumentError, match=re.escape(fragment)):
            nn.modules[0].set_lrp_parameters(*arguments)
    with pytest.raises(ValueError, match="param=\\(low, high\\)"):
        nn.set_lrp_parameters("zb", 1.0)
    with pytest.raises(LRPArgumentError, match="unknown composite 'epsilon_minus'"):
        nn.set_composite("epsilon_minus")
    with pytest.raises(LRPArgumentError, match="needs low"):
        nn.set_composite("epsilon_gamma_box")
    with pytest.raises(LRPArgumentError, match="takes stabilizer, epsilon; got 'gamma'"):
        nn.set_composite("epsilon_plus", gamma=0.5)
    with pytest.raises(LRPArgumentError, match="reaches past the model's 11 layers"):
        nn.set_composite([(0, 40, "zplus")])
    assert [m.lrp_var for m in nn.modules] == before
    # per-channel bounds that do not fit the layer: found when relevance runs, nothing returned
    nn.modules[0].set_lrp_parameters("zb", ([-1, -1], [1, 1]))
    with pytest.raises(LRPShapeError, match="layer 0 'conv1'.*2 low bounds for an input of 3 channels"):
        nn.lrp(REFERENCES["cnn.r"])


def test_unified_rule_as_a_dict_equals_its_spec_and_presets():
    """The presets' equality with the named rules is tested in Swift on bias-free layers (the unified rule leaves
    the bias out); here the dict form reaches the same rule as the spec and the preset names."""
    nn = _model("linear")
    r = REFERENCES["linear.r"]
    dict_form = nn.lrp(r, "unified", {"gamma1p": 0.25})
    assert np.array_equal(dict_form, nn.lrp(r, "unified:gamma1p=0.25"))
    assert np.array_equal(dict_form, nn.lrp(r, "unified:gamma"))
    assert not np.allclose(dict_form, nn.lrp(r, "unified", {"gamma1p": 0.5}))
    # w² and flat ignore the bias, so there the presets equal the toolbox's rules exactly
    assert relative_error(nn.lrp(r, "unified", {"theta0": 1, "theta1": 0, "gamma1": 0, "gamma2": 1}), nn.lrp(r, "ww")) <= 1e-14
    assert relative_error(nn.lrp(r, "unified", {"theta0": 1, "theta1": 0, "gamma1": 0, "gamma0": 1}), nn.lrp(r, "flat")) <= 1e-14
    nn.set_lrp_parameters("unified", {"alpha": 2, "beta": 1, "gamma1": 0, "gamma1p": 1})
    assert nn.modules[0].lrp_var == "unified"
    assert np.array_equal(nn.lrp(r), nn.lrp(r, "unified:alphabeta"))


def test_relevance_at_layers_sums_and_start():
    nn = _model("cnn")
    nn.set_composite("epsilon_plus")
    r = REFERENCES["cnn.r"]
    outs, sums = nn.lrp_layers(r, ["input", 8, 4], sums=True)
    assert np.array_equal(outs[0], nn.lrp(r))
    assert outs[1].shape == (3, 32) and outs[2].shape == (3, 5, 5, 6)
    assert sums.shape == (12, 3)
    assert np.allclose(sums[-1], r.sum(axis=1), rtol=1e-13)
    assert np.allclose(sums[8], outs[1].sum(axis=1), rtol=1e-12)
    assert np.allclose(sums[0], outs[0].reshape(3, -1).sum(axis=1), rtol=1e-12)
    # starting at layer 3's output with the relevance at layer 4's input gives the same input relevance
    restarted, = nn.lrp_layers(outs[2], ["input"], start=3)
    assert relative_error(restarted, outs[0]) <= 1e-13
    # relevance at an intermediate layer equals the relevance of the network cut there
    head = Sequential([copy.deepcopy(m) for m in nn.modules[:4]])
    tail = Sequential([copy.deepcopy(m) for m in nn.modules[4:]])
    tail.forward(head.forward(REFERENCES["cnn.x"]))
    assert relative_error(tail.lrp(r), outs[2]) <= 1e-13


def test_many_targets_equal_separate_runs():
    nn = _model("cnn")
    y = nn.forward(REFERENCES["cnn.x"])
    nn.set_composite("epsilon_gamma_box", low=-1, high=1)
    many = nn.lrp_targets([0, 1, 2, 3])
    assert many.shape == (4, 3, 10, 10, 3)
    for k in range(4):
        mask = np.zeros_like(y)
        mask[:, k] = y[:, k]
        assert relative_error(many[k], nn.lrp(mask)) <= 1e-14
    arrays = [np.random.default_rng(k).normal(size=y.shape) for k in range(3)]
    many = nn.lrp_targets(arrays, "gamma", 0.25)
    for k in range(3):
        assert relative_error(many[k], nn.lrp(arrays[k], "gamma", 0.25)) <= 1e-14
    with pytest.raises(LRPShapeError):
        nn.lrp_targets([np.zeros((3, 5))])


def _designer_segment(x0, x1, **parameters):
    """A segment as VisLRPDesigner saves it (LRP-0 unless parameters say otherwise)."""
    entry = {"id": 0, "method": ["customized"], "x0": x0, "x1": x1, "theta0": 0, "theta1": 1, "gamma0": 0, "gamma1": 1,
             "gamma1p": 0, "gamma1n": 0, "gamma2": 0, "eps": 0, "alpha": 1, "beta": 0}
    entry.update(parameters)
    return entry


def test_vislrpdesigner_files_set_the_unified_rule_on_their_1_based_segments(tmp_path):
    nn = _model("cnn")
    n = len(nn.modules)
    saved = {"name": "Model 1", "date": "2026-12-02", "time": "10:00:00", "configuration": [
        _designer_segment(1, 4, method=["gamma"], gamma1p=0.3),
        _designer_segment(4, 8, method=["epsilon"], eps=0.25),  # shares layer 4 with the first: the later one wins
        _designer_segment(9, n, method=["alpha-beta"], alpha=2, beta=1, gamma1=0, gamma1p=1),
        _designer_segment(1, 1, method=["z_beta"], low=-1, high=1),
        {"x0": 2, "x1": 2, "rule": "pass"}]}
    path = str(tmp_path / "designed.json")
    with open(path, "w") as f:
        json.dump(saved, f)
    nn.set_composite(path)
    expected = (["zb:low=-1,high=1,epsilon=1e-06", "pass"] +
                ["unified:alpha=1,beta=0,theta0=0,theta1=1,gamma0=0,gamma1=1,gamma1p=0.3,gamma1n=0,gamma2=0,epsilon=0"] +
                ["unified:alpha=1,beta=0,theta0=0,theta1=1,gamma0=0,gamma1=1,gamma1p=0,gamma1n=0,gamma2=0,epsilon=0.25"] * 5 +
                ["unified:alpha=2,beta=1,theta0=0,theta1=1,gamma0=0,gamma1=0,gamma1p=1,gamma1n=0,gamma2=0,epsilon=0"] * (n - 8))
    assert [m.lrp_var for m in nn.modules] == expected
    # the same relevance as setting those rules one by one
    r = REFERENCES["cnn.r"]
    other = _model("cnn")
    for module, spec in zip(other.modules, expected):
        module.set_lrp_parameters(spec)
    assert np.array_equal(nn.lrp(r), other.lrp(r))


@pytest.mark.parametrize("configuration,fragment", [
    ("nope", "\"configuration\" must be a list of segments"),
    ([{"x0": 1}], "segment 0 of \"configuration\": needs \"x1\""),
    ([_designer_segment(0, 2)], "\"x0\" must be a layer number of 1 or more, got the number 0"),
    ([_designer_segment(3, 2)], "x1 (2) is before x0 (3)"),
    ([_designer_segment(1, 2, gamma1p="x")], "\"gamma1p\" must be a number, got the string \"x\""),
    ([{k: v for k, v in _designer_segment(1, 2).items() if k != "eps"}], "needs \"eps\""),
    ([_designer_segment(1, 2, eps=-1)], "unified epsilon must be ≥ 0"),
    ([_designer_segment(1, 2, method=["z_beta"])], "method z_beta needs \"low\" and \"high\""),
    ([_designer_segment(1, 2), _designer_segment(2, 40)], "segment 1 … 39 reaches past the model's 11 layers"),
    ([_designer_segment(1, 2, rule="gama")], "unknown rule 'gama'"),
])
def test_vislrpdesigner_file_errors_name_the_segment_and_change_nothing(tmp_path, configuration, fragment):
    nn = _model("cnn")
    nn.set_composite("epsilon_plus")
    before = [m.lrp_var for m in nn.modules]
    path = str(tmp_path / "bad.json")
    with open(path, "w") as f:
        json.dump({"name": "bad", "configuration": configuration}, f)
    # the library's own checks of rules and segments are argument errors; what only the file gets wrong, format errors
    argument = any(part in fragment for part in ("reaches past", "unknown rule", "≥ 0"))
    with pytest.raises(LRPArgumentError if argument else LRPFormatError, match=re.escape(fragment)):
        nn.set_composite(path)
    assert [m.lrp_var for m in nn.modules] == before
