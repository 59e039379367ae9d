"""SumPool (the toolbox's modules.sumpool.SumPool)."""

from .module import PoolModule


class SumPool(PoolModule):
    """Sum pooling scaled by 1/sqrt(ph·pw) over each channel of N×H×W×D input, with window `pool` and `stride` (default 2×2, 2×2)."""
