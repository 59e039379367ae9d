"""Where the examples find the toolbox modules (python/toolbox of this repository) and the shared files."""

import os
import sys

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(REPOSITORY), "shared")
sys.path.insert(0, os.path.join(REPOSITORY, "python", "toolbox"))
