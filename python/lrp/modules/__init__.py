"""The LRP Toolbox's modules, computed by liblrp: Sequential and the layer classes."""

from .module import Module
from .sequential import Sequential
from .linear import Linear
from .convolution import Convolution
from .sumpool import SumPool
from .maxpool import MaxPool
from .flatten import Flatten
from .rect import Rect
from .tanh import Tanh
from .softmax import SoftMax

#: The module class for each layer name of the text format.
BY_NAME = {cls.__name__: cls for cls in (Linear, Convolution, SumPool, MaxPool, Flatten, Rect, Tanh, SoftMax)}

__all__ = ["Module", "Sequential", "Linear", "Convolution", "SumPool", "MaxPool", "Flatten", "Rect", "Tanh",
           "SoftMax"]
