"""Makes `lrp` importable for the toolbox shims: an installed package wins, else the one in this repository."""

import os
import sys

try:
    import lrp  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import lrp  # noqa: F401
