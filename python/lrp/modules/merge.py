"""MergeModule: what the merge nodes of a Graph (Add, Concatenate) share."""

from ..errors import LRPUnsupportedError
from .module import Module


class MergeModule(Module):
    """A node that combines the outputs of several layers; it runs only as part of a Graph."""

    def __init__(self):
        Module.__init__(self)

    def _header(self):
        return type(self).__name__ if self._model is None else self._model.describe(self._index)

    def _alone(self, *args, **kwargs):
        raise LRPUnsupportedError("%s merges several inputs; it runs as part of a modules.Graph" % type(self).__name__)

    forward = lrp = backward = _alone

    def __deepcopy__(self, memo):
        return type(self)()
