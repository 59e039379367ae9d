"""modules.flatten of the LRP Toolbox, computed by liblrp."""

from lrp.modules.flatten import Flatten  # noqa: F401
