"""Drop-in replacement for the LRP Toolbox's modules package, computed by liblrp (see lrp.modules)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import _liblrp_path  # noqa: E402,F401

from lrp.modules import (Convolution, Flatten, Linear, MaxPool, Module, Rect, Sequential, SoftMax,  # noqa: E402,F401
                         SumPool, Tanh)
