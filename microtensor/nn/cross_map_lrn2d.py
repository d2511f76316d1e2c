"""``CrossMapLRN2d``: PyTorch's legacy (Lua Torch) local response normalisation across channels."""

from __future__ import annotations

import numpy as np

from microtensor import ops
from microtensor.nn.module import Module
from microtensor.tensor import Tensor

__all__ = ["CrossMapLRN2d"]


def _channel_windows(channels: int, size: int) -> np.ndarray:
    """``M[c, j] = 1`` where channel ``j``'s square enters channel ``c``'s scale.

    PyTorch's running-sum recurrence, quirks included: the window of channel 0 covers
    ``[0, (size - 1) // 2]`` and each next channel adds one channel at the front, but the sum
    only starts dropping channels after ``c > pre_pad``, so channel 0 is never dropped.
    """
    pre_pad = int((size - 1) / 2 + 1)
    windows = np.zeros((channels, channels))
    windows[0, : min(pre_pad, channels)] = 1
    for c in range(1, channels):
        windows[c] = windows[c - 1]
        if c < channels - pre_pad + 1:
            windows[c, c + pre_pad - 1] += 1
        if c > pre_pad:
            windows[c, c - pre_pad] -= 1
    return windows


class CrossMapLRN2d(Module):
    """``y = x * (k + alpha / size * sum_window x^2) ** -beta`` over a window of channels.

    The window of each channel is PyTorch's (see ``_channel_windows``), so the values equal
    PyTorch's. ``LocalResponseNorm`` is the modern layer; this one is kept for old models.

    Differs from PyTorch: the gradient is the exact derivative of this forward (and double
    backward works). PyTorch's hand-written backward assumes a symmetric window, so it differs
    from the derivative of its own forward (its gradcheck fails) and fails for ``size=1``.

    Args:
        size: the number of channels summed over.
        alpha: the multiplicative factor.
        beta: the exponent.
        k: the additive constant.

    Raises:
        ValueError: if the input is not 4-d.

    Shape:
        - Input: ``(N, C, H, W)``; Output: the same shape.

    Example:
        >>> import microtensor as mt
        >>> layer = mt.nn.CrossMapLRN2d(3, alpha=1.0, beta=1.0, k=1.0)
        >>> layer
        CrossMapLRN2d(3, alpha=1.0, beta=1.0, k=1.0)
        >>> layer(mt.ones(1, 2, 1, 1)).flatten()
        tensor([0.6000, 0.6000])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Normalise each channel by its window's sum of squares."""
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
        windows = Tensor._make(
            _channel_windows(input.shape[1], self.size).astype(input._data.dtype)
        )
        sums = ops.matmul(ops.movedim(input * input, 1, -1), windows.T)
        scale = ops.movedim(sums, -1, 1) * (self.alpha / self.size) + self.k
        return input * ops.pow(scale, -self.beta)

    def extra_repr(self) -> str:
        """``size, alpha=..., beta=..., k=...`` as PyTorch."""
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
