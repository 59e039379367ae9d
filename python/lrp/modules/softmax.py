"""SoftMax (the toolbox's modules.softmax.SoftMax)."""

from .module import Module


class SoftMax(Module):
    """The softmax over the features of N×D input; relevance passes through."""

    def __init__(self):
        Module.__init__(self)
        self._own_layer("SoftMax")
