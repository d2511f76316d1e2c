"""``local_response_norm``: each value divided by a power of its neighbouring channels' energy.

A composition of ``pad`` and ``avg_pool``, as torch's (its graph has torch's nodes).
"""

from __future__ import annotations

from microtensor import ops
from microtensor.nn._functional.avg_pooling import avg_pool2d, avg_pool3d
from microtensor.nn._functional.padding import pad
from microtensor.tensor import Tensor

__all__ = ["local_response_norm"]


def local_response_norm(
    input: Tensor,  # noqa: A002
    size: int,
    alpha: float = 1e-4,
    beta: float = 0.75,
    k: float = 1.0,
) -> Tensor:
    """Divide each value by ``(k + alpha * mean of x**2 over size neighbouring channels)**beta``.

    The channel window is centred (``size // 2`` before, ``(size - 1) // 2`` after) and zero
    padded, as PyTorch's composition of ``pad`` and ``avg_pool``.

    Args:
        input: shape ``(N, C, *)`` with at least 3 dims.
        size: the number of channels in the window.
        alpha: the multiplier of the mean square.
        beta: the exponent.
        k: the additive constant.

    Returns:
        Same shape as ``input``.

    Raises:
        ValueError: for fewer than 3 dims.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.local_response_norm(mt.ones(1, 2, 1), 2, alpha=1.0, beta=1.0)
        tensor([[[0.6667],
                 [0.5000]]])
    """
    if input.ndim < 3:
        raise ValueError(
            f"local_response_norm(): Expected 3D or higher dimensionality input (got "
            f"{input.ndim} dimensions)"
        )
    if input.numel() == 0:
        return input
    square = input * input
    if input.ndim == 3:
        div = pad(ops.unsqueeze(square, 1), (0, 0, size // 2, (size - 1) // 2))
        div = ops.squeeze(avg_pool2d(div, (size, 1), stride=1), 1)
    else:
        sizes = tuple(input.shape)
        div = ops.reshape(square, (sizes[0], 1, sizes[1], sizes[2], -1))
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = ops.reshape(ops.squeeze(avg_pool3d(div, (size, 1, 1), stride=1), 1), sizes)
    return input / (div * alpha + k) ** beta
