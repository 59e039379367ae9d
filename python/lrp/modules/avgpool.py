"""AvgPool: the mean over each window (Keras' AveragePooling2D, Caffe's AVE pooling)."""

from .._capi import INT64, integers
from .module import PoolModule


class AvgPool(PoolModule):
    """Average pooling over each channel of N×H×W×D input with window `pool` and `stride`. `padding`: None
    ('valid'), 'same' (Keras) or (top, bottom, left, right); `divisor`: 'window' (ph·pw), 'inside' (the real
    pixels of the window, Keras 'same') or 'padded' (the window clipped to the padded input, Caffe);
    `round_up`: Caffe's output-size rounding. Relevance is that of SumPool (the divisor cancels)."""

    def __init__(self, pool=(2, 2), stride=(2, 2), padding=None, divisor="window", round_up=False):
        pad = None if padding is None else ("pad=same" if padding == "same" else "pad=%d,%d,%d,%d" % tuple(integers(padding, "AvgPool padding", INT64)))
        PoolModule.__init__(self, pool, stride, pad, "round=up" if round_up else None,
                            None if divisor == "window" else "divisor=%s" % divisor)

    @property
    def divisor(self):
        """'window', 'inside' or 'padded'."""
        return self._options().get("divisor", "window")
