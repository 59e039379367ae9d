"""ZeroPadding: rows and columns of zeros around each image (Keras' ZeroPadding2D)."""

from .._capi import INT64, integers
from .module import Module


class ZeroPadding(Module):
    """Pads N×H×W×C input with `padding` = (top, bottom, left, right) zeros; relevance on the padding is
    dropped."""

    def __init__(self, padding=(1, 1, 1, 1)):
        Module.__init__(self)
        self._own_layer("Pad %d %d %d %d" % tuple(integers(padding, "ZeroPadding padding", INT64)))

    @property
    def padding(self):
        """(top, bottom, left, right)."""
        return self._dims()
