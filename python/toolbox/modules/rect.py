"""modules.rect of the LRP Toolbox, computed by liblrp."""

from lrp.modules.rect import Rect  # noqa: F401
