"""The toolbox's (lrp_var, param) pairs and liblrp's rule specs.

`set_lrp_parameters` and `lrp` take, as in the toolbox, a rule name and a parameter, and beyond it:

    ('epsilon', 0.01), ('alphabeta', 2.0)             the toolbox's rules (β = 1 − α), ('ww'), ('flat'), None
    ('gamma', 0.25), ('zplus'), ('norm', 1e-6)        rules of current practice, zennit's forms
    ('alphabeta', {'alpha': 2, 'beta': 1})            zennit's AlphaBeta (β free, stabilizer 1e-6)
    ('zb', (low, high))                               LRP-zᴮ: numbers, or one bound per input channel
    ('flat', {'epsilon': 1e-6})                       zennit's Flat (likewise 'ww'); any parameters as a dict
    ('unified', {'alpha': 2, 'beta': 1, ...})         VisLRPDesigner's unified rule (see lrp.h)
    ('gradient'), ('gradient_x_input'), ('sensitivity'), ('deconvnet'), ('guided_backprop'), ('pass')
    ('pattern_net'), ('pattern_attribution')          PatternNet, PatternAttribution: need fitted patterns (lrp.patterns)
    'gamma:gamma=0.25,epsilon=1e-6'                   any rule spec as the name (param unused)

The toolbox's explicit ("slow") forms 'simple_slow' (also 'slow'), 'epsilon_slow', 'alphabeta_slow' (also
'alpha_slow') name the same rules computed connection by connection; they run as the fast rules, which give
the same numbers (see SLOW_FORMS).
"""

import numbers

import numpy as np


def _value(v):
    """A number or a list of numbers in spec syntax ("0.5", "[0.1 0.2]")."""
    array = np.asarray(v, dtype=np.float64)
    if array.ndim == 0:
        return repr(float(array))
    return "[" + " ".join(repr(float(x)) for x in array.ravel()) + "]"


#: The toolbox's explicit per-connection forms and the rule each equals. They agree with the fast rule up to
#: rounding: simple/epsilon sum z_ij + b_j where the fast form takes the output; alphabeta's explicit
#: form has no 1e-16 in its denominators, so where one side of a neuron is empty it divides 0 by 0 (NaN in the
#: toolbox's Linear, 0 in its Convolution) where the fast rule gives 0. For SumPool the explicit alphabeta is the
#: formula liblrp computes (the toolbox's fast SumPool alphabeta multiplies the beta term by R twice). MaxPool has
#: only 'simple_slow' in the toolbox; here every form gives its (single) rule.
SLOW_FORMS = {"slow": "simple", "simple_slow": "simple", "epsilon_slow": "epsilon", "alphabeta_slow": "alphabeta",
              "alpha_slow": "alphabeta"}


def rule_arguments(lrp_var, param):
    """The (rule name or spec, parameter) liblrp takes for the toolbox's (lrp_var, param); the toolbox's
    '_slow' names become the rules they equal (SLOW_FORMS)."""
    name = "simple" if lrp_var is None else str(lrp_var)
    key = name.lower()
    if key in SLOW_FORMS:
        name = key = SLOW_FORMS[key]
    if ":" in name:
        return name, 0.0
    if isinstance(param, dict):
        return "%s:%s" % (name, ",".join("%s=%s" % (k, _value(v)) for k, v in param.items())), 0.0
    if key in ("zb", "zbox"):
        try:
            low, high = param
        except (TypeError, ValueError):
            raise ValueError("the zb rule needs param=(low, high), numbers or one per input channel") from None
        return "zb:low=%s,high=%s" % (_value(low), _value(high)), 0.0
    if key in ("epsilon", "alphabeta", "alpha") and param is None:
        raise ValueError("the %s rule needs a parameter (param=None given)" % name)
    if param is not None and not isinstance(param, numbers.Real):
        raise ValueError("the parameter of the %s rule must be a number or a dict, got %r" % (name, param))
    if key == "gamma" and param is None:
        param = 0.25
    return name, 0.0 if param is None else float(param)


def rule_spec(lrp_var, param=None):
    """The rule spec of (lrp_var, param), e.g. ('epsilon', 0.1) -> "epsilon:0.1"."""
    name, value = rule_arguments(lrp_var, param)
    if ":" in name:
        return name
    key = name.lower()
    if key in ("epsilon", "alphabeta", "alpha", "gamma"):
        return "%s:%r" % (name, value)
    if key == "norm" and value != 0:  # as in lrp_set_rule, 0 (or none) means the default stabilizer
        return "%s:%r" % (name, value)
    return name
