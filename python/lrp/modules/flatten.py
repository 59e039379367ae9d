"""Flatten (the toolbox's modules.flatten.Flatten)."""

from .module import Module


class Flatten(Module):
    """N×… to N×D in C order; relevance is reshaped back."""

    def __init__(self):
        Module.__init__(self)
        self._own_layer("Flatten")
