"""modules.module of the LRP Toolbox, computed by liblrp."""

from lrp.modules.module import Module  # noqa: F401
