"""Drop-in replacement for the LRP Toolbox's data_io, computed by liblrp (see lrp.data_io)."""

import _liblrp_path  # noqa: F401
from lrp.data_io import *  # noqa: F401,F403
from lrp.data_io import __doc__  # noqa: F401
from lrp.data_io import read, write  # noqa: F401,E402
