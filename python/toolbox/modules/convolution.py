"""modules.convolution of the LRP Toolbox, computed by liblrp."""

from lrp.modules.convolution import Convolution  # noqa: F401
