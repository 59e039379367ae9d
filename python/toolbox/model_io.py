"""Drop-in replacement for the LRP Toolbox's model_io, computed by liblrp (see lrp.model_io)."""

import _liblrp_path  # noqa: F401
from lrp.model_io import *  # noqa: F401,F403
from lrp.model_io import __doc__  # noqa: F401
from lrp.model_io import read, write  # noqa: F401,E402
