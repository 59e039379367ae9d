"""Convolution without padding (the toolbox's modules.Convolution)."""

import numpy as np

from .._capi import INT64, integers
from .module import ParameterModule


class Convolution(ParameterModule):
    """A 2-D convolution over N×H×W×D input: W of shape filtersize (h, w, d, n) drawn from
    N(0, 1/sqrt(h·w·d)), B zeros, `stride` (sh, sw)."""

    def __init__(self, filtersize=(5, 5, 3, 32), stride=(2, 2)):
        ParameterModule.__init__(self)
        fh, fw, fd, n = filtersize = tuple(integers(filtersize, "Convolution filtersize", INT64))
        stride = integers(stride, "Convolution stride", INT64)
        header = "Convolution %d %d %d %d %d %d" % (fh, fw, fd, n, stride[0], stride[1])
        self._own_layer(header, np.random.normal(0, 1. / (fh * fw * fd) ** .5, filtersize), np.zeros([n]))

    @property
    def stride(self):
        """(sh, sw)."""
        return self._dims()[4:6]

    @property
    def fh(self):
        """Filter height."""
        return self._dims()[0]

    @property
    def fw(self):
        """Filter width."""
        return self._dims()[1]

    @property
    def fd(self):
        """Filter depth (input channels)."""
        return self._dims()[2]

    @property
    def n(self):
        """Number of filters."""
        return self._dims()[3]
