"""Image files as model inputs, with every preprocessing step explicit (Pillow reads and resizes them).

A step list as `Preprocessing` holds it: convert to grey or RGB by the model's channels; resize to the
input's height × width ("stretch": to exactly that size; "crop": the shorter side to it, then the centre cut
out, as ImageNet models are fed), with Pillow's bilinear filter; map 0…255 linearly onto [low, high]; subtract
the per-channel mean and divide by the std (in RGB order); reverse the channels for BGR models (Caffe). Its
`record()` is the JSON that reproduces it.
"""

import os

import numpy as np

from .errors import LRPArgumentError, LRPIOError

#: The file endings read as images in a folder.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")


class Preprocessing:
    """How image files become model inputs of shape (height, width, channels); see the module's doc."""

    def __init__(self, height, width, channels, resize="stretch", low=0.0, high=1.0, mean=None, std=None, bgr=False):
        if min(height, width) < 1 or channels not in (1, 3):
            raise LRPArgumentError("images need a size ≥ 1×1 and 1 or 3 channels, got %d×%d×%d" % (height, width, channels), 1)
        if resize not in ("stretch", "crop"):
            raise LRPArgumentError("resize must be 'stretch' or 'crop', got %r" % (resize,), 1)
        if not low < high:
            raise LRPArgumentError("the value range needs low < high, got [%s, %s]" % (low, high), 1)
        self.height, self.width, self.channels = int(height), int(width), int(channels)
        self.resize, self.low, self.high, self.bgr = resize, float(low), float(high), bool(bgr)
        self.mean = self._per_channel(mean, 0.0, "mean")
        self.std = self._per_channel(std, 1.0, "std")
        if np.any(self.std <= 0):
            raise LRPArgumentError("std must be positive, got %s" % (self.std.tolist(),), 1)

    def _per_channel(self, values, default, what):
        if values is None:
            return np.full(self.channels, default)
        v = np.asarray(values, dtype=np.float64).ravel()
        if v.size == 1:
            v = np.full(self.channels, v[0])
        if v.size != self.channels or not np.all(np.isfinite(v)):
            raise LRPArgumentError("%s needs 1 or %d finite values, got %s" % (what, self.channels, list(v)), 1)
        return v

    def picture(self, path):
        """The file as H×W×C values 0…255 after conversion and resizing (what the model sees, before scaling)."""
        from PIL import Image, UnidentifiedImageError
        try:
            with Image.open(path) as image:
                image = image.convert("L" if self.channels == 1 else "RGB")
                if self.resize == "crop":
                    scale = max(self.width / image.width, self.height / image.height)
                    size = (max(self.width, round(image.width * scale)), max(self.height, round(image.height * scale)))
                    image = image.resize(size, Image.BILINEAR)
                    left, top = (size[0] - self.width) // 2, (size[1] - self.height) // 2
                    image = image.crop((left, top, left + self.width, top + self.height))
                else:
                    image = image.resize((self.width, self.height), Image.BILINEAR)
                pixels = np.asarray(image, dtype=np.float64)
        except (OSError, UnidentifiedImageError, ValueError) as error:
            raise LRPIOError("cannot read the image %s: %s" % (path, error)) from None
        return pixels.reshape(self.height, self.width, self.channels)

    def inputs(self, pictures):
        """Model inputs N×H×W×C from pictures N×H×W×C of 0…255 values."""
        x = self.low + np.asarray(pictures, dtype=np.float64) / 255.0 * (self.high - self.low)
        x = (x - self.mean) / self.std
        return np.ascontiguousarray(x[..., ::-1] if self.bgr else x)

    def record(self):
        """The steps as JSON-ready values."""
        return {"height": self.height, "width": self.width, "channels": self.channels, "resize": self.resize,
                "filter": "bilinear (Pillow)", "range": [self.low, self.high], "mean": self.mean.tolist(),
                "std": self.std.tolist(), "channel_order": "BGR" if self.bgr else ("RGB" if self.channels == 3 else "grey")}


def image_files(paths):
    """The image files named by `paths` (files, or folders whose image files are taken in name order)."""
    files = []
    for path in paths:
        if os.path.isdir(path):
            found = sorted(os.path.join(path, f) for f in os.listdir(path) if f.lower().endswith(IMAGE_EXTENSIONS))
            if not found:
                raise LRPIOError("no image files (%s) in %s" % (", ".join(IMAGE_EXTENSIONS), path))
            files.extend(found)
        elif os.path.isfile(path):
            files.append(path)
        else:
            raise LRPIOError("no such file or directory: %s" % path)
    return files
