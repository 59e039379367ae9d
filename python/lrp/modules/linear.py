"""Linear: Y = X·W + B (the toolbox's modules.Linear)."""

import numpy as np

from .._capi import INT64, integer
from .module import ParameterModule


class Linear(ParameterModule):
    """A fully connected layer of m inputs and n outputs: W (m×n) drawn from N(0, 1/sqrt(m)), B zeros."""

    def __init__(self, m, n):
        ParameterModule.__init__(self)
        m, n = integer(m, "Linear m", INT64), integer(n, "Linear n", INT64)
        self._own_layer("Linear %d %d" % (m, n), np.random.normal(0, 1.0 * m ** (-.5), [m, n]), np.zeros([n]))

    @property
    def m(self):
        """The number of inputs."""
        return self._dims()[0]

    @property
    def n(self):
        """The number of outputs."""
        return self._dims()[1]
