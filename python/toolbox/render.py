"""Drop-in replacement for the LRP Toolbox's render, computed by liblrp (see lrp.render)."""

import _liblrp_path  # noqa: F401
from lrp.render import *  # noqa: F401,F403
from lrp.render import __doc__  # noqa: F401
from lrp.render import digit_to_rgb, enlarge_image, hm_to_rgb, repaint_corner_pixels, save_image, vec2im  # noqa: F401,E402
