"""Add: the element-wise sum of several inputs (Keras' Add, Caffe's Eltwise SUM)."""

from .merge import MergeModule


class Add(MergeModule):
    """Sums its inputs; relevance is split over the summands in proportion to their contributions,
    stabilized like the epsilon rule."""
