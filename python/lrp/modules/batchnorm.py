"""BatchNorm: batch normalization at inference, a per-channel affine map y = x·W + B over the last axis."""

import numpy as np

from .module import ParameterModule


class BatchNorm(ParameterModule):
    """y = x·scale + shift per channel (last axis). W holds the scale γ/sqrt(σ² + ε), B the shift β − μ·scale.
    Every rule treats it as a Linear layer with diagonal weights. `from_statistics` builds it from γ, β, μ, σ²."""

    def __init__(self, scale, shift=None):
        ParameterModule.__init__(self)
        scale = np.asarray(scale, dtype=np.float64).ravel()
        shift = np.zeros_like(scale) if shift is None else np.asarray(shift, dtype=np.float64).ravel()
        self._own_layer("BatchNorm %d" % scale.size, scale, shift)

    @classmethod
    def from_statistics(cls, gamma, beta, mean, variance, epsilon=1e-3):
        """The layer for trained statistics (Keras' BatchNormalization; epsilon defaults to Keras' 1e-3)."""
        scale = np.asarray(gamma, dtype=np.float64) / np.sqrt(np.asarray(variance, dtype=np.float64) + epsilon)
        return cls(scale, np.asarray(beta, dtype=np.float64) - np.asarray(mean, dtype=np.float64) * scale)

    @property
    def channels(self):
        """The number of channels."""
        return self._dims()[0]
