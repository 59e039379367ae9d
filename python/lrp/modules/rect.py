"""Rect (the toolbox's modules.rect.Rect)."""

from .module import Module


class Rect(Module):
    """max(0, x); relevance passes through."""

    def __init__(self):
        Module.__init__(self)
        self._own_layer("Rect")
