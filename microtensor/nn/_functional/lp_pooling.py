"""Power-average pooling: ``lp_pool1d/2d/3d``, ``(sum over the window of x**p) ** (1/p)``.

A composition of ``avg_pool`` (times the window size), as torch's.
"""

from __future__ import annotations

import math
from typing import Any

from microtensor import ops
from microtensor.nn._functional._pooling_common import _tuple
from microtensor.nn._functional.avg_pooling import _avg_pool
from microtensor.tensor import Tensor

__all__ = ["lp_pool1d", "lp_pool2d", "lp_pool3d"]


def _lp_pool(
    nd: int,
    input: Tensor,  # noqa: A002
    norm_type: float,
    kernel_size: Any,
    stride: Any,
    ceil_mode: bool,
) -> Tensor:
    op = f"lp_pool{nd}d"
    kernel = _tuple(kernel_size, nd, "kernel_size", op)
    pooled = _avg_pool(op, nd, input**norm_type, kernel, stride, 0, ceil_mode, True, None)
    # PyTorch's form: sign(out) * relu(|out|) (0 where the mean power is negative), times K
    out = ops.sign(pooled) * ops.relu(ops.abs(pooled)) * math.prod(kernel)
    return out ** (1.0 / norm_type)  # type: ignore[no-any-return]


def lp_pool1d(
    input: Tensor,  # noqa: A002
    norm_type: float,
    kernel_size: Any,
    stride: Any = None,
    ceil_mode: bool = False,
) -> Tensor:
    """Power-average pooling of ``(N, C, L)``: ``(sum of x**p over each window) ** (1/p)``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.lp_pool1d(mt.tensor([[[3.0, 4.0]]]), 2, 2)
        tensor([[[5.]]])
    """
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(
    input: Tensor,  # noqa: A002
    norm_type: float,
    kernel_size: Any,
    stride: Any = None,
    ceil_mode: bool = False,
) -> Tensor:
    """Power-average pooling of ``(N, C, H, W)``: ``(sum of x**p over each window) ** (1/p)``.

    Args:
        input: shape ``(N, C, H, W)`` or ``(C, H, W)``.
        norm_type: ``p``.
        kernel_size: int or ``(kH, kW)``.
        stride: int or pair (default: ``kernel_size``).
        ceil_mode: round the output size up.

    Returns:
        Shape ``(N, C, H_out, W_out)``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.lp_pool2d(mt.ones(1, 1, 2, 2), 1, 2)
        tensor([[[[4.]]]])
    """
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(
    input: Tensor,  # noqa: A002
    norm_type: float,
    kernel_size: Any,
    stride: Any = None,
    ceil_mode: bool = False,
) -> Tensor:
    """Power-average pooling of ``(N, C, D, H, W)``; as ``lp_pool2d``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.lp_pool3d(mt.ones(1, 1, 2, 2, 2), 1, 2)
        tensor([[[[[8.]]]]])
    """
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)
