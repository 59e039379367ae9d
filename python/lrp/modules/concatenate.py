"""Concatenate: inputs joined along the last axis (Keras' Concatenate, Caffe's Concat over channels)."""

from .merge import MergeModule


class Concatenate(MergeModule):
    """Joins its inputs along the channel axis; relevance is split by position."""
