"""Network: what Sequential and Graph share — one liblrp model whose layers the modules are views of."""

from .module import Module, rule_arguments


class Network(Module):
    """A whole network in one liblrp model: forward, lrp, backward, update and train each take a single
    call into the library. `modules` holds one module per layer, each a view of its layer."""

    def _sync(self):
        """Brings the liblrp model up to date with `modules` (subclasses that allow editing override it)."""

    def forward(self, X, lrp_aware=False):
        """The network's output for X; every layer keeps what lrp and backward need. `lrp_aware` is
        accepted for compatibility (liblrp needs no preparation for repeated lrp calls)."""
        self._sync()
        return self._model.forward(X)

    def lrp(self, R, lrp_var=None, param=None):
        """Relevance of the input for the relevance R of the output (usually the prediction masked to one
        class). With neither lrp_var nor param, each module's preset (set_lrp_parameters) applies;
        otherwise lrp_var with param applies to every layer."""
        self._sync()
        if lrp_var is None and param is None:
            for i, m in enumerate(self.modules):
                name, value = rule_arguments(m.lrp_var, m.lrp_param)
                self._model.set_rule(i, name, value)
            return self._model.relevance(R)
        name, value = rule_arguments(lrp_var, param)
        return self._model.relevance(R, rule=name, param=value)

    def set_lrp_parameters(self, lrp_var=None, param=None):
        """Presets every module's rule."""
        for m in self.modules:
            m.set_lrp_parameters(lrp_var=lrp_var, param=param)

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

    def _load_presets(self):
        """Sets the modules' presets from the liblrp model (after reading a file that stores them)."""
        for i, m in enumerate(self.modules):
            name, value = self._model.rule(i)
            if name != "simple":
                m.lrp_var, m.lrp_param = name, value

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
