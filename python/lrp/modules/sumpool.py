"""SumPool (the toolbox's modules.sumpool.SumPool)."""

from .module import Module


class SumPool(Module):
    """Sum pooling scaled by 1/sqrt(ph·pw) over each channel of N×H×W×D input with window `pool` and `stride`."""

    def __init__(self, pool=(2, 2), stride=(2, 2)):
        Module.__init__(self)
        self._own_layer("SumPool %d %d %d %d" % (pool[0], pool[1], stride[0], stride[1]))

    @property
    def pool(self):
        """(ph, pw)."""
        return self._dims()[0:2]

    @property
    def stride(self):
        """(sh, sw)."""
        return self._dims()[2:4]
