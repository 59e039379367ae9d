"""liblrp for Python: Layer-wise Relevance Propagation computed by liblrp, with the LRP Toolbox's API.

    from lrp import model_io, data_io, render
    nn = model_io.read('LeNet-5.txt')
    Y = nn.forward(X)
    R = nn.lrp(Y * (Y == Y.max(axis=1, keepdims=True)), 'epsilon', 1.)

`lrp.Model` is the direct interface to a liblrp model; `lrp.modules` holds the toolbox's classes.
"""

from ._capi import library_path, version
from .errors import (LRPArgumentError, LRPError, LRPFormatError, LRPIOError, LRPMemoryError, LRPShapeError,
                     LRPStateError, LRPUnsupportedError)
from .model import Model
from . import modules, model_io, data_io, evaluate

__version__ = "1.10.0"

__all__ = ["Model", "modules", "model_io", "data_io", "evaluate", "version", "library_path", "LRPError", "LRPArgumentError",
           "LRPIOError", "LRPFormatError", "LRPShapeError", "LRPStateError", "LRPUnsupportedError",
           "LRPMemoryError"]
