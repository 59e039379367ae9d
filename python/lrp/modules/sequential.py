"""Sequential (the toolbox's modules.Sequential): a chain of modules run as one liblrp model."""

import copy

from ..model import Model
from .module import Module
from .network import Network, bind_modules


class Sequential(Network):
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
        modules = bind_modules(model, module_classes)
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
            if not isinstance(m, Module) or isinstance(m, Network) or m._model is None:
                raise TypeError("Sequential takes layer modules, got %r" % (m,))
        # The modules' precision (that of the model they came from; float64 for none).
        model = Model.new(modules[0]._model.dtype if modules else None)
        names = [m.name for m in modules]
        unique = len(set(names)) == len(names)
        for i, m in enumerate(modules):
            model.add_node(names[i] if unique else None, m._header(), [i - 1], *m._parameter_values())
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
