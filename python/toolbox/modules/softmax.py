"""modules.softmax of the LRP Toolbox, computed by liblrp."""

from lrp.modules.softmax import SoftMax  # noqa: F401
