"""Tanh (the toolbox's modules.tanh.Tanh)."""

from .module import Module


class Tanh(Module):
    """The hyperbolic tangent; relevance passes through."""

    def __init__(self):
        Module.__init__(self)
        self._own_layer("Tanh")
