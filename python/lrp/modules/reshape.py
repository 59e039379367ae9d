"""Reshape: each sample to a new shape (Keras' Reshape, channels last)."""

from .._capi import INT64, integers
from .module import Module


class Reshape(Module):
    """Reshapes each sample to `target_shape` in C order; relevance is reshaped back."""

    def __init__(self, target_shape):
        Module.__init__(self)
        self._own_layer("Reshape " + " ".join(str(d) for d in integers(target_shape, "Reshape target_shape", INT64)))

    @property
    def target_shape(self):
        """The shape of one output sample."""
        return self._dims()
