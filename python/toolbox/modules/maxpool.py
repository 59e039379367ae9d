"""modules.maxpool of the LRP Toolbox, computed by liblrp."""

from lrp.modules.maxpool import MaxPool  # noqa: F401
