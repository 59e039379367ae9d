"""modules.sequential of the LRP Toolbox, computed by liblrp."""

from lrp.modules.sequential import Sequential  # noqa: F401
