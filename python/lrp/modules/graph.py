"""Graph: a network whose layers are not a chain — residual connections (Add), concatenations, branches."""

from ..errors import LRPArgumentError
from ..model import Model
from .module import Module
from .network import Network, bind_modules


class Graph(Network):
    """A network of named nodes, each a module reading the outputs of earlier nodes or the model input.

    `Graph([(name, module, [input names]), …])` builds one; "input" names the model input, and the last node
    is the output. Merge modules (Add, Concatenate) read several inputs; where a node's output feeds several
    nodes, relevance (and gradients) coming back from them add up. Same API as Sequential: forward, lrp,
    set_lrp_parameters, backward, update, train; `modules`, `names` and `inputs` describe the nodes (the
    structure is fixed; parameters can be changed through each module's W and B).
    """

    def __init__(self, nodes):
        Module.__init__(self)
        modules = [node[1] for node in nodes if isinstance(node, (tuple, list)) and len(node) == 3]
        model = Model.new(getattr(modules[0]._model, "dtype", None) if modules and modules[0]._model is not None else None)
        index = {"input": -1}
        for position, node in enumerate(nodes):
            try:
                name, module, inputs = node
            except (TypeError, ValueError):
                raise LRPArgumentError("node %d must be (name, module, [input names]), got %r" % (position, node)) from None
            if isinstance(inputs, str):
                inputs = [inputs]
            missing = [i for i in inputs if i not in index]
            if missing:
                raise LRPArgumentError("node '%s' reads %s, which is neither 'input' nor an earlier node" % (name, missing))
            model.add_node(name, module._header(), [index[i] for i in inputs], *module._parameter_values())
            index[name] = position
        self._adopt(model, nodes, [node[1] for node in nodes])

    def _adopt(self, model, nodes, modules):
        self._model = model
        self.modules = []
        for i, m in enumerate(modules):
            lrp_var, lrp_param = m.lrp_var, m.lrp_param
            Module.__init__(m)
            m.lrp_var, m.lrp_param = lrp_var, lrp_param
            m._bind(model, i)
            self.modules.append(m)

    @classmethod
    def _from_model(cls, model, module_classes):
        """A Graph over an existing liblrp model, one module of `module_classes[name]` per node."""
        net = cls.__new__(cls)
        Module.__init__(net)
        net._model = model
        net.modules = bind_modules(model, module_classes)
        return net

    @property
    def names(self):
        """The nodes' names."""
        return [self._model.name(i) for i in range(len(self.modules))]

    @property
    def inputs(self):
        """For each node, the names of the nodes it reads ("input": the model input)."""
        names = self.names
        return [[("input" if j == -1 else names[j]) for j in self._model.inputs(i)] for i in range(len(names))]

    def __repr__(self):
        lines = ["%s <- %s: %s" % (n, ", ".join(i), m._header()) for n, i, m in zip(self.names, self.inputs, self.modules)]
        return "Graph(\n  " + "\n  ".join(lines) + "\n)"
