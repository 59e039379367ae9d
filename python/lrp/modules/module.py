"""`Module`: what every layer class shares, in the toolbox's API. A module is a view of one layer of a
liblrp model: on its own it owns a one-layer model; inside a `Sequential` it is that model's layer i."""

import numpy as np

from .._capi import INT64, integers
from ..model import Model
from ..rules import rule_arguments  # noqa: F401  (re-exported for the modules)


class Module:
    """Superclass of all layers (the toolbox's modules.Module)."""

    #: Names of the layer's parameters, in the text format's order.
    _parameter_names = ()

    def __init__(self):
        # Rule presets, as the toolbox keeps them (used by lrp() when it gets neither lrp_var nor param).
        self.lrp_var = None
        self.lrp_param = 1.0
        self._model = None
        self._index = 0

    # -- the layer behind the module ---------------------------------------------------------------------

    def _header(self):
        """The layer's header line in the text format, e.g. "SumPool 2 2 2 2"."""
        return self._model.describe(self._index)

    def _dims(self):
        """The integers of the header line (options such as "pad=same" left out)."""
        return tuple(int(part) for part in self._header().split()[1:] if "=" not in part)

    def _options(self):
        """The key=value options of the header line, e.g. {"pad": "same"}."""
        return dict(part.split("=", 1) for part in self._header().split()[1:] if "=" in part)

    @property
    def name(self):
        """The layer's name in its network ("conv2d_1" for an imported Keras layer, "layer<i>" otherwise)."""
        return self._model.name(self._index)

    def _own_layer(self, header, *parameters, dtype=None):
        """Gives the module a one-layer model of its own (in `dtype`, None: float64): the layer `header`
        holding `parameters`."""
        model = Model.new(dtype)
        model.append(header, *parameters)
        self._bind(model, 0)

    def _bind(self, model, index):
        """Makes the module a view of layer `index` of `model`."""
        self._model = model
        self._index = index

    def _parameter_values(self):
        """The current parameter values (copies), in order."""
        return [np.array(self._model.parameter(self._index, name)) for name in self._parameter_names]

    def _get(self, name):
        return self._model.parameter(self._index, name)

    def _set(self, name, values):
        view = self._model.parameter(self._index, name)
        values = np.asarray(values, dtype=np.float64)
        if values.shape != view.shape:
            raise ValueError("%s of %s has shape %s; cannot assign an array of shape %s" %
                             (name, self._header(), view.shape, values.shape))
        self._model.set_parameter(self._index, name, values)

    def __deepcopy__(self, memo):
        clone = type(self).__new__(type(self))
        Module.__init__(clone)
        clone.lrp_var, clone.lrp_param = self.lrp_var, self.lrp_param
        clone._own_layer(self._header(), *self._parameter_values(), dtype=self._model.dtype)
        return clone

    def __getstate__(self):
        raise TypeError("pickle liblrp modules with model_io.write(model, path) (format 'nn'), "
                        "which writes the toolbox's own pickle layout")

    # -- the toolbox's API ------------------------------------------------------------------------------

    def forward(self, X, lrp_aware=False, *args, **kwargs):
        """Runs the layer on X and keeps X and the output for lrp and backward. `lrp_aware` is accepted
        for compatibility; liblrp's relevance needs no extra preparation."""
        return self._model.forward(X, layer=self._index)

    def lrp(self, R, lrp_var=None, param=None):
        """Relevance of the layer's input for the relevance R of its output. With neither lrp_var nor param,
        the presets of set_lrp_parameters apply; otherwise lrp_var ('simple'/None, 'epsilon', 'alphabeta'/
        'alpha', 'ww'/'w^2', 'flat', the toolbox's '_slow' forms, which compute the same, or any rule of
        lrp.rules) with param."""
        if lrp_var is None and param is None:
            lrp_var, param = self.lrp_var, self.lrp_param
        name, value = rule_arguments(lrp_var, param)
        return self._model.relevance(R, rule=name, param=value, layer=self._index)

    def set_lrp_parameters(self, lrp_var=None, param=None):
        """Presets the rule lrp() uses when called without one; the library checks it now (an unknown rule or
        a bad parameter raises here, not at lrp())."""
        name, value = rule_arguments(lrp_var, param)
        if self._model is not None:
            self._model.set_rule(self._index, name, value)
        self.lrp_var = lrp_var
        self.lrp_param = param

    def backward(self, DY):
        """The gradient for the input (scaled as the toolbox does); keeps the parameter gradients."""
        return self._model.backward(DY, layer=self._index)

    def update(self, lrate):
        """One gradient step with the gradients of the last backward pass."""
        if self._parameter_names:
            self._model.update(lrate, layer=self._index)

    def clean(self):
        """Forgets the stored activations and gradients."""
        self._model.clean()

    def train(self, X, Y, *args, **kwargs):
        """Training is implemented by Sequential."""

    def to_numpy(self):
        """Compatibility with the toolbox's cupy switch: liblrp always computes in its own core."""
        return self

    def to_cupy(self):
        """Compatibility with the toolbox's cupy switch (no effect)."""
        return self


class ParameterModule(Module):
    """A module with the parameters W and B (Linear, Convolution)."""

    _parameter_names = ("W", "B")

    @property
    def W(self):
        """The weights: a numpy view of the layer's own storage (writing it changes the network)."""
        return self._get("W")

    @W.setter
    def W(self, values):
        self._set("W", values)

    @property
    def B(self):
        """The bias: a numpy view of the layer's own storage."""
        return self._get("B")

    @B.setter
    def B(self, values):
        self._set("B", values)


class PoolModule(Module):
    """A pooling module (SumPool, MaxPool, AvgPool): window `pool` and `stride`; `options` are further
    header options ("pad=same", "round=up", …)."""

    def __init__(self, pool=(2, 2), stride=(2, 2), *options):
        Module.__init__(self)
        pool = integers(pool, "%s pool" % type(self).__name__, INT64)
        stride = integers(stride, "%s stride" % type(self).__name__, INT64)
        header = "%s %d %d %d %d" % (type(self).__name__, pool[0], pool[1], stride[0], stride[1])
        self._own_layer(" ".join((header,) + tuple(o for o in options if o)))

    @property
    def pool(self):
        """(ph, pw)."""
        return self._dims()[0:2]

    @property
    def stride(self):
        """(sh, sw)."""
        return self._dims()[2:4]
