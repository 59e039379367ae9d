"""modules.linear of the LRP Toolbox, computed by liblrp."""

from lrp.modules.linear import Linear  # noqa: F401
