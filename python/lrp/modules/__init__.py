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

#: The toolbox's layer classes, by the names of its text format.
TOOLBOX = (Linear, Convolution, SumPool, MaxPool, Flatten, Rect, Tanh, SoftMax)

#: The module class for each layer name of liblrp's header lines ("Pad" is ZeroPadding).
BY_NAME = {cls.__name__: cls for cls in TOOLBOX + (AvgPool, Sigmoid, BatchNorm, GlobalAvgPool, Reshape, LRN, Add,
                                                    Concatenate)}
BY_NAME["Pad"] = ZeroPadding

__all__ = ["Module", "Network", "Sequential", "Graph", "Linear", "Convolution", "SumPool", "MaxPool", "AvgPool",
           "Flatten", "Rect", "Tanh", "Sigmoid", "SoftMax", "BatchNorm", "ZeroPadding", "GlobalAvgPool", "Reshape",
           "LRN", "Add", "Concatenate"]
