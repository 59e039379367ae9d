"""Sigmoid: the logistic function, element-wise."""

from .module import Module


class Sigmoid(Module):
    """1 / (1 + exp(-x)); relevance passes through."""

    def __init__(self):
        Module.__init__(self)
        self._own_layer("Sigmoid")
