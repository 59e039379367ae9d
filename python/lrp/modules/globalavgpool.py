"""GlobalAvgPool: the mean of each channel over the whole image (Keras' GlobalAveragePooling2D)."""

from .module import Module


class GlobalAvgPool(Module):
    """N×H×W×C to N×C by averaging; relevance as for average pooling over the whole image."""

    def __init__(self):
        Module.__init__(self)
        self._own_layer("GlobalAvgPool")
