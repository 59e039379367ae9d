"""modules.sumpool of the LRP Toolbox, computed by liblrp."""

from lrp.modules.sumpool import SumPool  # noqa: F401
