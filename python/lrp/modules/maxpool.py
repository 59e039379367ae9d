"""MaxPool (the toolbox's modules.maxpool.MaxPool)."""

from .module import PoolModule


class MaxPool(PoolModule):
    """Max pooling over each channel of N×H×W×D input, with window `pool` and `stride` (default 2×2, 2×2)."""
