"""Designs — VisLRPDesigner's "LRP models": a name and segments of layers, each with one rule — and their files.

A design's segments tile the network's layers in order: {"first": 0, "last": 3, "rule": SPEC}, 0-based and
inclusive, every layer in exactly one segment. A rule is any rule spec of the library; VisLRPDesigner's presets
are unified-rule specs (spec/rules.md). Designs are saved in VisLRPDesigner's JSON (1-based "x0"/"x1" and the
ten parameters, spec/designer.md) or as liblrp's composite file; both load with `set_composite(path)` in Python
and `lrp_set_composite` in C, and both are read back here through the library, which checks them.
"""

import contextlib
import datetime
import json
import os
import re
import tempfile

from ..errors import LRPArgumentError, LRPError

#: The ten parameters of the unified rule in VisLRPDesigner's four groups, with their names in its files.
PARAMETER_GROUPS = [
    ("contribution", [("alpha", "alpha", "α"), ("beta", "beta", "β")]),
    ("activation", [("theta0", "theta0", "θ0"), ("theta1", "theta1", "θ1")]),
    ("weight", [("gamma0", "gamma0", "γ0"), ("gamma1", "gamma1", "γ1"), ("gamma1p", "gamma1p", "γ1p"),
                ("gamma1n", "gamma1n", "γ1n"), ("gamma2", "gamma2", "γ2")]),
    ("suppression", [("epsilon", "eps", "ε")]),
]
PARAMETERS = [name for _, group in PARAMETER_GROUPS for name, _, _ in group]
FILE_KEYS = {name: key for _, group in PARAMETER_GROUPS for name, key, _ in group}

LRP0 = {"alpha": 1.0, "beta": 0.0, "theta0": 0.0, "theta1": 1.0, "gamma0": 0.0, "gamma1": 1.0, "gamma1p": 0.0,
        "gamma1n": 0.0, "gamma2": 0.0, "epsilon": 0.0}

#: VisLRPDesigner's presets (its table 2.1), as the unified rule's parameters; zB is the library's zb rule.
PRESETS = [
    ("lrp-0", "LRP-0", {}),
    ("epsilon", "LRP-ε", {"epsilon": 0.25}),
    ("gamma", "LRP-γ", {"gamma1p": 0.25}),
    ("alpha-beta", "LRP-αβ", {"alpha": 2.0, "beta": 1.0, "gamma1": 0.0, "gamma1p": 1.0}),
    ("alpha1beta0", "LRP-α1β0", {"gamma1": 0.0, "gamma1p": 1.0}),
    ("w2", "LRP-w²", {"theta0": 1.0, "theta1": 0.0, "gamma1": 0.0, "gamma2": 1.0}),
    ("flat", "LRP-flat", {"theta0": 1.0, "theta1": 0.0, "gamma1": 0.0, "gamma0": 1.0}),
]
ZB = "z_beta"

#: The largest design file the designer reads.
MAX_FILE_BYTES = 1 << 20


def number_text(value):
    """A float as the library's rule specs write it (shortest repr, integers without '.0')."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def unified_spec(parameters):
    """The unified rule's spec for a dict of (some of) its ten parameters, the others LRP-0's."""
    values = dict(LRP0)
    for name, value in parameters.items():
        if name not in LRP0:
            raise LRPArgumentError("unknown unified parameter %r (known: %s)" % (name, ", ".join(PARAMETERS)), 1)
        values[name] = _finite(value, name)
    return "unified:" + ",".join("%s=%s" % (name, number_text(values[name])) for name in PARAMETERS)


def unified_parameters(spec):
    """The ten parameters of a canonical unified spec, or None for another rule."""
    if not spec.startswith("unified:"):
        return None
    values = {}
    for item in spec[len("unified:"):].split(","):
        name, _, value = item.partition("=")
        values[name] = float(value)
    return values if set(values) == set(PARAMETERS) else None


def preset_spec(name, bounds=None):
    """The rule spec of a preset by its VisLRPDesigner name; zB takes `bounds` (low, high) of the input."""
    if name == ZB:
        if bounds is None:
            raise LRPArgumentError("the zB preset needs the input's bounds", 1)
        return "zb:low=%s,high=%s" % (number_text(bounds[0]), number_text(bounds[1]))
    for key, _, parameters in PRESETS:
        if key == name:
            return unified_spec(parameters)
    raise LRPArgumentError("unknown preset %r (known: %s)" % (name, ", ".join([p[0] for p in PRESETS] + [ZB])), 1)


def method_of(spec):
    """VisLRPDesigner's method name for a rule spec: the preset it equals, z_beta, or customized."""
    if spec.startswith("zb:"):
        return ZB
    for key, _, parameters in PRESETS:
        if spec == unified_spec(parameters):
            return key
    return "customized"


def _finite(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LRPArgumentError("%s must be a number, got %r" % (what, value), 1)
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise LRPArgumentError("%s must be finite, got %r" % (what, value), 1)
    return value


def check_segments(segments, layer_count):
    """The segments of a request as [(first, last, spec)], checked to tile layers 0 … layer_count − 1 in order."""
    if not isinstance(segments, list) or not segments:
        raise LRPArgumentError("segments must be a non-empty list", 1)
    checked, expected = [], 0
    for i, segment in enumerate(segments):
        if not isinstance(segment, dict):
            raise LRPArgumentError("segment %d must be an object with first, last and rule" % i, 1)
        first, last, rule = segment.get("first"), segment.get("last"), segment.get("rule")
        for key, value in (("first", first), ("last", last)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise LRPArgumentError("segment %d: %s must be a layer index, got %r" % (i, key, value), 1)
        if not isinstance(rule, str) or not rule.strip():
            raise LRPArgumentError("segment %d: rule must be a rule spec, got %r" % (i, rule), 1)
        if first != expected or last < first or last >= layer_count:
            raise LRPArgumentError("segment %d covers layers %d … %d: segments must tile the %d layers 0 … %d in order "
                                   "(this one should start at %d)" % (i, first, last, layer_count, layer_count - 1,
                                                                      expected), 1)
        checked.append((first, last, rule.strip()))
        expected = last + 1
    if expected != layer_count:
        raise LRPArgumentError("the segments end at layer %d; the model has layers up to %d" % (expected - 1,
                                                                                              layer_count - 1), 1)
    return checked


def segments_of(specs):
    """Per-layer rule specs as segments: runs of equal rules become one."""
    segments = []
    for i, spec in enumerate(specs):
        if segments and segments[-1]["rule"] == spec:
            segments[-1]["last"] = i
        else:
            segments.append({"first": i, "last": i, "rule": spec})
    return segments


def vislrpdesigner_json(name, segments, bounds=None, now=None):
    """A design as VisLRPDesigner saves it: 1-based inclusive layers, the ten parameters of each segment's unified
    rule; a rule the formula cannot express is kept as "rule" (a spec) beside LRP-0's parameters, zb's bounds as
    "low"/"high"."""
    now = now or datetime.datetime.now()
    configuration = []
    for i, (first, last, spec) in enumerate(segments):
        parameters = unified_parameters(spec)
        entry = {"id": i, "method": [method_of(spec)], "x0": first + 1, "x1": last + 1}
        entry.update({FILE_KEYS[p]: (parameters or LRP0)[p] for p in PARAMETERS})
        if parameters is None:
            entry["rule"] = spec
            low, high = _zb_bounds(spec)
            if low is not None:
                entry["low"], entry["high"] = low, high
        configuration.append(entry)
    return {"name": name, "date": now.strftime("%Y-%m-%d"), "time": now.strftime("%H:%M:%S"),
            "configuration": configuration}


def _zb_bounds(spec):
    """(low, high) of a zb spec with scalar bounds, else (None, None)."""
    match = re.match(r"^zb:low=([^,\[\]]+),high=([^,\[\]]+)", spec)
    if not match:
        return None, None
    return float(match.group(1)), float(match.group(2))


def composite_json(segments):
    """A design as liblrp's composite file."""
    return {"format": "liblrp-composite", "version": 1,
            "segments": [{"first": first, "last": last, "rule": spec} for first, last, spec in segments]}


@contextlib.contextmanager
def borrowed(model):
    """The model itself for reading presets onto, its own presets given back afterwards: no copy of its
    parameters (a VGG-16's are 1.1 GB). The caller holds the model's workbench lock."""
    saved = [model.rule_spec(i) for i in range(len(model))]
    try:
        yield model
    finally:
        for i, spec in enumerate(saved):
            model.set_rule_spec(i, spec)


def read_design(text, model):
    """A design file's text (VisLRPDesigner's or liblrp's composite JSON) read by the library onto `model`
    (borrowed: its presets are given back): (name, per-layer specs). Layers no segment covers take LRP-0. Errors
    name what is wrong."""
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise LRPArgumentError("the design file has %d bytes; the designer reads at most %d" % (len(text), MAX_FILE_BYTES), 1)
        text = text.decode("utf-8", errors="strict")
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise LRPArgumentError("the design file is larger than %d bytes" % MAX_FILE_BYTES, 1)
    try:
        parsed = json.loads(text)
    except ValueError as error:
        raise LRPArgumentError("the design file is not JSON: %s" % error, 1) from None
    name = parsed.get("name") if isinstance(parsed, dict) else None
    handle, path = tempfile.mkstemp(suffix=".json", prefix="lrp-design-")
    try:
        with os.fdopen(handle, "w") as f:
            f.write(text)
        with borrowed(model) as scratch:
            scratch.set_rule_spec(-1, unified_spec({}))
            try:
                scratch.set_composite(path)
            except LRPError as error:
                raise type(error)(str(error).replace(path, "the design file"), error.status) from None
            specs = [scratch.rule_spec(i) for i in range(len(scratch))]
    finally:
        os.unlink(path)
    return (name if isinstance(name, str) and name.strip() else "Imported model"), specs


#: The named composites offered as example models.
EXAMPLES = ["epsilon_plus", "epsilon_plus_flat", "epsilon_alpha2_beta1", "epsilon_alpha2_beta1_flat", "epsilon_gamma_box",
            "sequential_preset_a", "sequential_preset_b", "lrp_cmp"]


def example_segments(model, name, bounds):
    """The segments the named composite gives `model` (borrowed); epsilon_gamma_box's zᴮ takes `bounds`."""
    params = None
    if name == "epsilon_gamma_box":
        params = "low=%s,high=%s" % tuple(number_text(v) for v in bounds)
    with borrowed(model) as scratch:
        scratch.set_composite(name, params)
        return segments_of([scratch.rule_spec(i) for i in range(len(scratch))])
