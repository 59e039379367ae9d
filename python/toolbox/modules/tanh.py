"""modules.tanh of the LRP Toolbox, computed by liblrp."""

from lrp.modules.tanh import Tanh  # noqa: F401
