"""The LRP Toolbox's modules, computed by liblrp: Sequential, Graph and the layer classes."""

from .module import Module
from .network import Network
from .sequential import Sequential
from .graph import Graph
from .linear import Linear
from .convolution import Convolution
from .sumpool import SumPool
from .maxpool import MaxPool
from .avgpool import AvgPool
from .flatten import Flatten
from .rect import Rect
from .tanh import Tanh
from .sigmoid import Sigmoid
from .softmax import SoftMax
from .batchnorm import BatchNorm
from .zeropadding import ZeroPadding
from .globalavgpool import GlobalAvgPool
from .reshape import Reshape
from .lrn import LRN
from .add import Add
from .concatenate import Concatenate

from .. import _capi

#: The Python class of each kind of node whose class is not named like the kind.
_CLASS_NAMES = {"Pad": "ZeroPadding"}


def _class_of(kind):
    cls = globals().get(_CLASS_NAMES.get(kind, kind))
    if not (isinstance(cls, type) and issubclass(cls, Module)):
        raise ImportError("liblrp (%s) has layers of kind %s, which lrp.modules has no class for"
                          % (_capi.library_path, kind))
    return cls


_KINDS = _capi.layer_kinds()

#: The module class for each layer name of liblrp's header lines, from the library's list of kinds.
BY_NAME = {name: _class_of(name) for name, _, _ in _KINDS}

#: The toolbox's layer classes (what its text format holds), as the library marks them.
TOOLBOX = tuple(BY_NAME[name] for name, _, flags in _KINDS if "toolbox" in flags)

__all__ = ["Module", "Network", "Sequential", "Graph", "Linear", "Convolution", "SumPool", "MaxPool", "AvgPool",
           "Flatten", "Rect", "Tanh", "Sigmoid", "SoftMax", "BatchNorm", "ZeroPadding", "GlobalAvgPool", "Reshape",
           "LRN", "Add", "Concatenate"]
