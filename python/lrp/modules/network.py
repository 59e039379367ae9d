"""Network: what Sequential and Graph share — one liblrp model whose layers the modules are views of."""

import numbers

import numpy as np

from .._capi import INT32, integer
from ..rules import _value, rule_arguments, rule_spec
from .module import Module


class Network(Module):
    """A whole network in one liblrp model: forward, lrp, backward, update and train each take a single
    call into the library. `modules` holds one module per layer, each a view of its layer."""

    def _sync(self):
        """Brings the liblrp model up to date with `modules` (subclasses that allow editing override it)."""

    @property
    def dtype(self):
        """The numpy dtype the network computes in (float64 unless converted with astype)."""
        self._sync()
        return self._model.dtype

    def astype(self, dtype):
        """A copy of the network that computes in `dtype` (np.float32 or np.float64), as numpy's astype:
        weights, activations and relevance in that precision, no copy in the other kept. forward, lrp and the
        other passes then take arrays of any float dtype and return `dtype` arrays. Presets are kept."""
        from . import BY_NAME
        self._store_presets()
        net = type(self)._from_model(self._model.astype(dtype), BY_NAME)
        net._load_presets(all_layers=True)
        net.lrp_var, net.lrp_param = self.lrp_var, self.lrp_param
        return net

    def forward(self, X, lrp_aware=False, ablate=None):
        """The network's output for X; every layer keeps what lrp and backward need. `lrp_aware` is
        accepted for compatibility (liblrp needs no preparation for repeated lrp calls). `ablate`
        ({layer: channels, …}) gives the output with those channels of those layers set to 0, for this call
        only: the network and what its layers keep are not changed."""
        self._sync()
        if ablate is not None:
            return self._model.forward(X, ablate=ablate)
        return self._model.forward(X)

    def neuron_statistics(self, layer, R=None, lrp_var=None, param=None):
        """Per sample and channel of `layer`: positive and negative relevance and activation sums
        (lrp.evaluate.ChannelStatistics), for R (default: the R, rule and parameter of the last lrp call)."""
        self._sync()
        if R is None:
            last = getattr(self, "_last_lrp", None)
            if last is None:
                from ..errors import LRPStateError
                raise LRPStateError("no relevance pass yet: call lrp first, or give R", 5)
            R, lrp_var, param = last
        name, value = self._rule_or_presets(lrp_var, param)
        return self._model.channel_statistics(R, layer, rule=name, param=value)

    # PatternNet and PatternAttribution (lrp.patterns): nn.lrp(R, 'pattern_attribution') once patterns are set.

    def fit_patterns(self, data, pattern_type="relu", batch_size=256, progress=None):
        """Fits the patterns of `pattern_type` ("relu", "linear") on an array or an iterable of batches, in one
        streaming pass, sets them and returns them (one array per kernel layer, in its kernel's shape)."""
        self._sync()
        return self._model.fit_patterns(data, pattern_type, batch_size, progress)

    def pattern_statistics(self, batch):
        """The pattern statistics of one batch: s1.merge(s2) adds them exactly, s.patterns(type) computes."""
        self._sync()
        return self._model.pattern_statistics(batch)

    @property
    def patterns(self):
        """The patterns, one per kernel layer in model order (None where unset)."""
        self._sync()
        return self._model.patterns

    def set_patterns(self, values):
        """Sets the patterns: one array (or None) per kernel layer, each in its kernel's shape."""
        self._sync()
        self._model.set_patterns(values)

    def save_patterns(self, path):
        """Writes the patterns in iNNvestigate's layout, np.savez(path, *patterns)."""
        self._sync()
        self._model.save_patterns(path)

    def load_patterns(self, path):
        """Reads patterns (iNNvestigate's layout or a liblrp model archive) and sets them; returns them."""
        self._sync()
        return self._model.load_patterns(path)

    def pattern_quality(self, X, estimator, statistics=None, seed=0, neurons=None):
        """ρ(S) per kernel layer and neuron on held-out X for estimator identity, filter, linear, relu or random."""
        self._sync()
        return self._model.pattern_quality(X, estimator, statistics, seed, neurons)

    def lrp_conditional(self, R, layer, channels, lrp_var=None, param=None):
        """Conditional relevance (CRP): for each entry of `channels` (a channel or a list of channels of
        `layer`), the input relevance flowing through those channels only; K heatmaps from one forward pass."""
        self._sync()
        name, value = self._rule_or_presets(lrp_var, param)
        return self._model.relevance_conditional(R, layer, channels, rule=name, param=value)

    def lrp(self, R, lrp_var=None, param=None):
        """Relevance of the input for the relevance R of the output (usually the prediction masked to one
        class). With neither lrp_var nor param, each module's preset (set_lrp_parameters) applies;
        otherwise lrp_var with param applies to every layer."""
        self._sync()
        self._last_lrp = (R, lrp_var, param)
        name, value = self._rule_or_presets(lrp_var, param)
        if name is None:
            return self._model.relevance(R)
        return self._model.relevance(R, rule=name, param=value)

    def set_lrp_parameters(self, lrp_var=None, param=None):
        """Presets every module's rule (see lrp.rules for the names and parameters); the library checks the
        rule now, so an unknown rule or a bad parameter raises here, and no preset changes."""
        name, value = rule_arguments(lrp_var, param)
        self._sync()
        self._model.set_rule(-1, name, value)
        for m in self.modules:
            m.set_lrp_parameters(lrp_var=lrp_var, param=param)

    def set_composite(self, composite, **params):
        """Presets every module's rule from a composite: a name ('epsilon_plus', 'epsilon_plus_flat',
        'epsilon_alpha2_beta1', 'epsilon_alpha2_beta1_flat', 'epsilon_gamma_box' (low=, high=),
        'sequential_preset_a', 'sequential_preset_b' and their '_flat' forms, 'lrp_cmp' (alpha=, flat_layers=);
        all take epsilon= and stabilizer=), the path of a composite JSON file, or a list of segments
        [(first layer, last layer, rule), …] where a rule is a spec string or an (lrp_var, param) pair."""
        self._sync()
        self._store_presets()
        if isinstance(composite, (list, tuple)):
            import json
            import os
            import tempfile
            segments = []
            for first, last, rule in composite:
                spec = rule_spec(rule) if isinstance(rule, str) else rule_spec(*rule)
                segments.append({"first": integer(first, "first layer of a segment", INT32),
                                 "last": integer(last, "last layer of a segment", INT32), "rule": spec})
            handle, path = tempfile.mkstemp(suffix=".json")
            try:
                with os.fdopen(handle, "w") as f:
                    json.dump({"format": "liblrp-composite", "version": 1, "segments": segments}, f)
                self._model.set_composite(path)
            finally:
                os.unlink(path)
        else:
            parameters = ",".join("%s=%s" % (k, _value(v)) for k, v in params.items()) or None
            self._model.set_composite(str(composite), parameters)
        self._load_presets(all_layers=True)

    def save_composite(self, path):
        """Writes every module's preset as a composite JSON file (segments of equal rules)."""
        self._store_presets()
        self._model.write_composite(path)

    def lrp_layers(self, R, layers, lrp_var=None, param=None, start=None, sums=False):
        """One relevance pass returning the relevance at the input of each of `layers` (indices; -1 or 'input':
        the model input). `start`: the layer whose output R belongs to (default the network's output).
        sums=True also returns the total relevance at each layer's input per sample (layers + 1 rows, the last
        the totals of R), a conservation diagnostic."""
        self._sync()
        rule, value = self._rule_or_presets(lrp_var, param)
        indices = [-1 if (i is None or (isinstance(i, str) and i == "input")) else i for i in layers]
        return self._model.relevance_at(R, indices, rule=rule, param=value, start=-1 if start is None else start,
                                        sums=sums)

    def lrp_targets(self, targets, lrp_var=None, param=None, Y=None):
        """Relevance for several targets from the last forward pass, one backward pass each: `targets` is a list
        of class indices (the output Y — by default the last forward's — masked to each class) or of initial
        relevances. Returns an array of K × the input's shape."""
        self._sync()
        targets = list(targets)
        if targets and all(isinstance(t, numbers.Integral) for t in targets):
            if Y is None:
                Y = self._model.forward_output()
            Y = np.asarray(Y, dtype=np.float64)
            rs = np.zeros((len(targets),) + Y.shape)
            for k, c in enumerate(targets):
                rs[k][..., c] = Y[..., c]
        else:
            rs = np.stack([np.asarray(t, dtype=np.float64) for t in targets])
        rule, value = self._rule_or_presets(lrp_var, param)
        return self._model.relevance_targets(rs, rule=rule, param=value)

    def _rule_or_presets(self, lrp_var, param):
        """The explicit rule, or None after pushing every module's preset to the model."""
        if lrp_var is None and param is None:
            for i, m in enumerate(self.modules):
                name, value = rule_arguments(m.lrp_var, m.lrp_param)
                self._model.set_rule(i, name, value)
            return None, 0.0
        return rule_arguments(lrp_var, param)

    def backward(self, DY):
        """The backward pass of training from the output gradient DY; returns the input gradient."""
        self._sync()
        return self._model.backward(DY)

    def update(self, lrate):
        """One gradient step for every layer with parameters."""
        self._sync()
        self._model.update(lrate)

    def clean(self):
        """Forgets the activations and gradients every layer keeps."""
        self._sync()
        self._model.clean()

    @property
    def input_shape(self):
        """The shape of one input sample as the model's source declared it (Keras, Caffe), or None."""
        self._sync()
        return self._model.input_shape()

    def _store_presets(self):
        """Writes the modules' presets into the liblrp model (before it is written to a file)."""
        self._sync()
        for i, m in enumerate(self.modules):
            name, value = rule_arguments(m.lrp_var, m.lrp_param if m.lrp_var is not None else None)
            self._model.set_rule(i, name, value)

    def _load_presets(self, all_layers=False):
        """Sets the modules' presets from the liblrp model (after reading a file that stores them, or applying a
        composite): the toolbox's rules as (name, parameter), the others as rule specs."""
        for i, m in enumerate(self.modules):
            spec = self._model.rule_spec(i)
            if spec == "simple" and not all_layers:
                continue
            name, value = self._model.rule(i)
            if spec in ("simple", "ww", "flat", "pass", "gradient", "gradient_x_input", "sensitivity", "deconvnet",
                        "guided_backprop"):
                m.lrp_var, m.lrp_param = (None if spec == "simple" else spec), 1.0
            elif spec.startswith("epsilon:") or (spec.startswith("alphabeta:") and "=" not in spec):
                m.lrp_var, m.lrp_param = name, value
            else:
                m.lrp_var, m.lrp_param = spec, None

    def train(self, X, Y, Xval=[], Yval=[], batchsize=25, iters=10000, lrate=0.005, lrate_decay=None,
              lfactor_initial=1.0, status=250, convergence=-1, transform=None, silent=False, seed=None):
        """Trains the network in place as the toolbox does (see liblrp's lrp_train): batches of `batchsize`
        distinct random samples, forward, backward(Ypred - Y), update(lrate * factor); every `status`
        iterations an evaluation on (Xval, Yval) — else on (X, Y) — keeps the parameters of the lowest
        l1 loss, which the network ends with. `lrate_decay` None/'none', 'sublinear' or 'linear';
        `convergence` > 0 stops after that many evaluations without improvement; `transform(batch)`
        returns a transformed copy of each batch. Status lines go to stdout unless `silent`, with a live
        progress bar when stdout is a terminal. `seed` fixes the drawing of batches; by default it comes
        from numpy's global generator, so numpy.random.seed makes training reproducible."""
        from ..model import train as run
        import numpy as np
        self._sync()
        if seed is None:
            seed = int(np.random.randint(0, 2 ** 62))
        has_validation = len(Xval) != 0 and len(Yval) != 0
        run(self._model, X, Y, Xval if has_validation else None, Yval if has_validation else None, batch_size=batchsize,
            iterations=iters, learning_rate=lrate, learning_rate_decay=lrate_decay, initial_factor=lfactor_initial,
            status=status, convergence=convergence, seed=seed, transform=transform, silent=silent)


def bind_modules(model, module_classes):
    """One module of `module_classes[name]` per layer of `model`, each bound to its layer."""
    modules = []
    for i in range(len(model)):
        name = model.describe(i).split()[0]
        cls = module_classes[name]
        module = cls.__new__(cls)
        Module.__init__(module)
        module._bind(model, i)
        modules.append(module)
    return modules
