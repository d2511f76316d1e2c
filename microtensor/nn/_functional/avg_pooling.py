"""Average pooling: ``avg_pool1d/2d/3d``.

A composition: a convolution of each channel with a kernel of ones, divided by the window
sizes, so its derivatives of every order come from the convolution ops. The last step (the
division) carries torch's node name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.nn._functional._conv_ops import Conv, Geometry
from microtensor.nn._functional._pooling_common import (
    _batched,
    _out_sizes,
    _strides,
    _tuple,
)
from microtensor.ops.arithmetic import Mul
from microtensor.tensor import Tensor

__all__ = ["avg_pool1d", "avg_pool2d", "avg_pool3d"]


# The last step of average pooling (window sums times 1 / window size) carries torch's node
# name: avg_pool2d/3d's, or the squeeze of avg_pool1d (which torch runs as avg_pool2d).
class AvgPool1D(Mul, node_name="SqueezeBackward1"):
    """``avg_pool1d``'s scaling of the window sums."""


class AvgPool2D(Mul, node_name="AvgPool2DBackward0"):
    """``avg_pool2d``'s scaling of the window sums."""


class AvgPool3D(Mul, node_name="AvgPool3DBackward0"):
    """``avg_pool3d``'s scaling of the window sums."""


_AVG_POOLS = {1: AvgPool1D, 2: AvgPool2D, 3: AvgPool3D}


def _divisors(
    shape: tuple[int, ...], kernel: Any, stride: Any, padding: Any, out: Any, include_pad: bool
) -> np.ndarray:
    """Window sizes per output position, as PyTorch counts them (clipped at the padded end)."""
    total = np.ones((), dtype=np.float64)
    for n, k, s, p, o in zip(shape[2:], kernel, stride, padding, out, strict=True):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        size = end - start if include_pad else np.minimum(end, n) - np.maximum(start, 0)
        total = np.multiply.outer(total, size)
    return total


def _avg_pool(
    op: str,
    nd: int,
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any,
    padding: Any,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int | None,
) -> Tensor:
    x, unbatched = _batched(op, input, nd)
    if 0 in x.shape[1:]:
        raise RuntimeError(
            f"{op}(): Expected input's non-batch dimensions to have positive length, but input "
            f"has a shape of {list(input.shape)}: only the batch dim may be 0"
        )
    kernel = _tuple(kernel_size, nd, "kernel_size", op)
    strides = _strides(stride, kernel, op)
    pads = _tuple(padding, nd, "padding", op)
    shape = tuple(x.shape)
    out, pairs = _out_sizes(op, shape, kernel, strides, pads, (1,) * nd, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{op}(): divisor must be not zero")
    dtype = x._data.dtype
    planes = x.reshape((shape[0] * shape[1], 1, *shape[2:]))
    ones = Tensor._make(np.ones((1, 1, *kernel), dtype=dtype))
    summed = Conv.apply(planes, ones, None, Geometry(strides, pairs, (1,) * nd, 1))
    summed = summed[(slice(None), 0, *[slice(0, n) for n in out])]
    summed = summed.reshape((*shape[:2], *out))
    if divisor_override is not None:
        y = summed / divisor_override
    else:
        div = _divisors(shape, kernel, strides, pads, out, count_include_pad)
        y = _AVG_POOLS[nd].apply(summed, Tensor._make((1.0 / div).astype(dtype)))
    return ops.squeeze(y, 0) if unbatched else y  # type: ignore[no-any-return]


def avg_pool1d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over sliding windows of the last dim of ``(N, C, L)``; as ``avg_pool2d``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.avg_pool1d(mt.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
        tensor([[[2., 1.]]])
    """
    return _avg_pool(
        "avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None
    )


def avg_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over sliding 2-D windows, as ``torch.nn.functional.avg_pool2d``.

    Args:
        input: shape ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: int or ``(kH, kW)``.
        stride: int or pair (default: ``kernel_size``).
        padding: implicit zeros on both sides, at most half the kernel.
        ceil_mode: round the output size up.
        count_include_pad: count the padding zeros in the divisor.
        divisor_override: divide every window sum by this instead.

    Returns:
        Shape ``(N, C, H_out, W_out)``.

    Raises:
        RuntimeError: for a wrong rank, too much padding, or an output size below 1.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.avg_pool2d(mt.arange(16.0).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 2.5000,  4.5000],
                  [10.5000, 12.5000]]]])
    """
    return _avg_pool(
        "avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
        divisor_override,
    )  # fmt: skip


def avg_pool3d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over sliding 3-D windows of ``(N, C, D, H, W)``; arguments as ``avg_pool2d``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.avg_pool3d(mt.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
        tensor([[[[[3.5000]]]]])
    """
    return _avg_pool(
        "avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
        divisor_override,
    )  # fmt: skip
