"""Max pooling: ``max_pool1d/2d/3d`` (and ``*_with_indices``).

One op (``_max_pool_ops.py``), with a fast path for windows that tile the input
(kernel == stride, the CNN case). Average, Lp and adaptive average pooling live in
``avg_pooling``, ``lp_pooling`` and ``adaptive_avg_pooling``; this module re-exports them, the
import path of ``nn.pooling``.
"""

from __future__ import annotations

from typing import Any

from microtensor import ops
from microtensor.nn._functional._max_pool_ops import MAX_POOLS
from microtensor.nn._functional._pooling_common import (
    _batched,
    _out_sizes,
    _strides,
    _tuple,
)
from microtensor.nn._functional.adaptive_avg_pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
)
from microtensor.nn._functional.avg_pooling import avg_pool1d, avg_pool2d, avg_pool3d
from microtensor.nn._functional.lp_pooling import lp_pool1d, lp_pool2d, lp_pool3d
from microtensor.tensor import Tensor

__all__ = [
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool2d",
    "max_pool2d_with_indices",
    "max_pool3d",
    "max_pool3d_with_indices",
]
# re-exported for nn.pooling
_REEXPORTED = (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    lp_pool1d,
    lp_pool2d,
    lp_pool3d,
)


def _max_pool(
    op: str,
    nd: int,
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    return_indices: bool,
) -> Any:
    x, unbatched = _batched(op, input, nd)
    if 0 in x.shape[1:]:
        raise RuntimeError(
            f"{op}(): Expected input's non-batch dimensions to have positive length, but input "
            f"has a shape of {list(input.shape)}: only the batch dim may be 0"
        )
    kernel = _tuple(kernel_size, nd, "kernel_size", op)
    strides = _strides(stride, kernel, op)
    pads = _tuple(padding, nd, "padding", op)
    dilations = _tuple(dilation, nd, "dilation", op)
    out, pairs = _out_sizes(op, tuple(x.shape), kernel, strides, pads, dilations, ceil_mode)
    result = MAX_POOLS[nd].apply(
        x,
        kernel=kernel,
        stride=strides,
        dilation=dilations,
        pads=pairs,
        out=out,
        with_indices=return_indices,
    )
    y, indices = result if return_indices else (result, None)
    if unbatched:
        y = ops.squeeze(y, 0)
        indices = None if indices is None else ops.squeeze(indices, 0)
    return (y, indices) if return_indices else y


def max_pool1d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Max over sliding windows of the last dim of ``(N, C, L)``; arguments as ``max_pool2d``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.max_pool1d(mt.tensor([[[1.0, 3.0, 2.0, 0.0, 5.0]]]), 2)
        tensor([[[3., 2.]]])
    """
    return _max_pool(
        "max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Max over sliding 2-D windows, as ``torch.nn.functional.max_pool2d``.

    The gradient goes to the first maximum of each window (row-major order), as in PyTorch.

    Args:
        input: shape ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: int or ``(kH, kW)``.
        stride: int or pair (default: ``kernel_size``).
        padding: implicit ``-inf`` on both sides, at most half the effective kernel.
        dilation: spacing between window elements.
        ceil_mode: round the output size up (windows may hang over the end).
        return_indices: also return the flat index (``h * W + w``) of each maximum.

    Returns:
        Shape ``(N, C, H_out, W_out)``, ``H_out = (H + 2 * pH - dH * (kH - 1) - 1) // sH + 1``
        (rounded up with ``ceil_mode``); with ``return_indices`` also an int64 tensor of
        indices of that shape.

    Raises:
        RuntimeError: for a wrong rank, too much padding, or an output size below 1.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.max_pool2d(mt.arange(16.0).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """
    return _max_pool(
        "max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool3d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Max over sliding 3-D windows of ``(N, C, D, H, W)``; arguments as ``max_pool2d``.

    Indices (with ``return_indices``) are flat over ``D * H * W``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.max_pool3d(mt.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
        tensor([[[[[7.]]]]])
    """
    return _max_pool(
        "max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool1d_with_indices(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """``max_pool1d`` returning ``(values, indices)`` always."""
    return _max_pool(  # type: ignore[no-any-return]
        "max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, True
    )


def max_pool2d_with_indices(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """``max_pool2d`` returning ``(values, indices)`` always."""
    return _max_pool(  # type: ignore[no-any-return]
        "max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, True
    )


def max_pool3d_with_indices(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """``max_pool3d`` returning ``(values, indices)`` always."""
    return _max_pool(  # type: ignore[no-any-return]
        "max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, True
    )
