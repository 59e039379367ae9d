"""Sequential (the toolbox's modules.Sequential): a chain of modules run as one liblrp model."""

import copy

from ..model import Model
from .module import Module, rule_arguments


class Sequential(Module):
    """A network as a list of modules, `modules`, which users may index, iterate, edit and replace.

    The layers live in one liblrp model, so forward, lrp, backward and update each take a single call into
    the library; every module is a view of its layer there. When `modules` changes, the model is rebuilt
    from the modules' current parameters before the next call.
    """

    def __init__(self, modules):
        Module.__init__(self)
        self.modules = modules
        self._layout = None
        self._sync()

    @classmethod
    def _from_model(cls, model, module_classes):
        """A Sequential over an existing liblrp model, one module of `module_classes[name]` per layer."""
        modules = []
        for i in range(len(model)):
            name = model.describe(i).split()[0]
            module = module_classes[name].__new__(module_classes[name])
            Module.__init__(module)
            module._bind(model, i)
            modules.append(module)
        net = cls.__new__(cls)
        Module.__init__(net)
        net.modules = modules
        net._model = model
        net._layout = list(modules)
        return net

    def _sync(self):
        """Makes the liblrp model match `modules`, rebuilding it when they differ."""
        modules = list(self.modules)
        layout = self._layout
        if (layout is not None and len(layout) == len(modules) and
                all(m is old and m._model is self._model and m._index == i
                    for i, (m, old) in enumerate(zip(modules, layout)))):
            return
        for m in modules:
            if not isinstance(m, Module) or isinstance(m, Sequential):
                raise TypeError("Sequential takes layer modules, got %r" % (m,))
        model = Model.new()
        for m in modules:
            model.append(m._header(), *m._parameter_values())
        for i, m in enumerate(modules):
            m._bind(model, i)
        self._model = model
        self._layout = modules

    def __deepcopy__(self, memo):
        clone = Sequential([copy.deepcopy(m, memo) for m in self.modules])
        clone.lrp_var, clone.lrp_param = self.lrp_var, self.lrp_param
        return clone

    def drop_softmax_output_layer(self):
        """Removes a SoftMax output layer, if the network has one."""
        from .softmax import SoftMax
        if len(self.modules) and isinstance(self.modules[-1], SoftMax):
            print('removing softmax output mapping')
            del self.modules[-1]
        else:
            print('output layer is not softmax. nothing to do')

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
