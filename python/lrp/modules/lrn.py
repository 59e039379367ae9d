"""LRN: Caffe's local response normalization across channels."""

from .._capi import INT64, integer
from .module import Module


class LRN(Module):
    """y_c = x_c · (k + alpha/size · Σ x_j²)^(−beta) over the `size` channels around c; relevance passes
    through."""

    def __init__(self, size=5, alpha=1e-4, beta=0.75, k=1.0):
        Module.__init__(self)
        self._own_layer("LRN %d %r %r %r" % (integer(size, "LRN size", INT64), float(alpha), float(beta), float(k)))

    def _values(self):
        return self._header().split()[1:]

    @property
    def size(self):
        """The number of channels in each window (odd)."""
        return int(self._values()[0])

    @property
    def alpha(self):
        """α."""
        return float(self._values()[1])

    @property
    def beta(self):
        """β."""
        return float(self._values()[2])

    @property
    def k(self):
        """k."""
        return float(self._values()[3])
