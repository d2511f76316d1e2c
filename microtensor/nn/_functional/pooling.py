"""Pooling: ``max_pool1d/2d/3d``, ``avg_pool1d/2d/3d``, ``adaptive_avg_pool1d/2d/3d``, ``lp_pool``.

Max pooling is one op (``_max_pool_ops.py``), with a fast path for windows that tile the
input (kernel == stride, the CNN case). Average pooling is a composition: a convolution of
each channel with a kernel of ones, divided by the window sizes, so its derivatives of every
order come from the convolution ops. Adaptive average pooling is ``A_h @ x @ A_w^T`` with
constant averaging matrices.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.nn._functional._conv_ops import Conv, Geometry
from microtensor.nn._functional._max_pool_ops import MAX_POOLS
from microtensor.nn._functional._resample_ops import ADAPTIVE_AVG_POOLS
from microtensor.ops.arithmetic import Mul
from microtensor.tensor import Tensor

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool2d",
    "max_pool2d_with_indices",
    "max_pool3d",
    "max_pool3d_with_indices",
]


def _tuple(value: Any, nd: int, name: str, op: str) -> tuple[int, ...]:
    try:
        values = (value,) * nd if isinstance(value, int | np.integer) else tuple(value)
    except TypeError:
        raise TypeError(
            f"{op}(): {name} must be an int or a tuple of {nd} ints, got {value!r}"
        ) from None
    if len(values) == 1:
        values = values * nd
    if len(values) != nd:
        raise RuntimeError(f"{op}(): {name} must be an int or a tuple of {nd} ints, got {value!r}")
    if not all(isinstance(v, int | np.integer) for v in values):
        raise TypeError(f"{op}(): {name} must be an int or a tuple of {nd} ints, got {value!r}")
    return tuple(int(v) for v in values)


def _strides(stride: Any, kernel: tuple[int, ...], op: str) -> tuple[int, ...]:
    """The stride; None or an empty sequence (PyTorch's ``stride=()``) mean ``kernel_size``."""
    if stride is None or (isinstance(stride, list | tuple) and len(stride) == 0):
        return kernel
    return _tuple(stride, len(kernel), "stride", op)


def _batched(op: str, input: Any, nd: int) -> tuple[Tensor, bool]:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (nd + 1, nd + 2) or (input.ndim == nd + 2 and input.shape[1] == 0):
        raise RuntimeError(
            f"{op}(): Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with optional 0 dim "
            f"batch size for input, but got input of size: {list(input.shape)}"
        )
    unbatched = input.ndim == nd + 1
    return (ops.unsqueeze(input, 0) if unbatched else input), unbatched


def _check_output_size_rank(op: str, input: Any, output_size: Any) -> None:  # noqa: A002
    """Raise ValueError as torch does for a list ``output_size`` longer than input allows."""
    if isinstance(output_size, list | tuple) and isinstance(input, Tensor):
        if input.ndim <= len(output_size):
            raise ValueError(
                f"{op}(): Input dimension should be at least {len(output_size) + 1}, but got a "
                f"{input.ndim}-D input of shape {list(input.shape)} for output_size "
                f"{list(output_size)}"
            )


def _out_sizes(
    op: str,
    shape: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
    ceil_mode: bool,
) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """Output sizes and the (before, after) padding that makes every window fit."""
    sizes, pairs = [], []
    for n, k, s, p, d in zip(shape[2:], kernel, stride, padding, dilation, strict=True):
        extent = d * (k - 1) + 1
        if min(k, s, d) < 1 or p < 0 or p > k // 2:
            raise RuntimeError(
                f"{op}(): kernel_size, stride and dilation must be positive and pad at most "
                f"half of kernel size, but got pad={p}, kernel_size={k}, stride={s} and "
                f"dilation={d}"
            )
        span = n + 2 * p - extent
        out = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (out - 1) * s >= n + p:  # the last window must start inside the input
            out -= 1
        sizes.append(out)
        pairs.append((p, max(p, (out - 1) * s + extent - n - p)))
    if min(sizes) < 1:
        raise RuntimeError(
            f"{op}(): Given input size: ({'x'.join(map(str, shape[1:]))}). Calculated output "
            f"size: ({'x'.join(map(str, [shape[1], *sizes]))}). Output size is too small: "
            "use a smaller kernel or more padding"
        )
    return tuple(sizes), tuple(pairs)


# --- max pooling -----------------------------------------------------------------------------


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


# --- average pooling -------------------------------------------------------------------------


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


# --- adaptive average pooling ----------------------------------------------------------------


def _averaging_matrix(n: int, out: int, dtype: np.dtype) -> np.ndarray:
    """Row i averages x[floor(i * n / out) : ceil((i + 1) * n / out)], PyTorch's windows."""
    i = np.arange(out)
    start, end = (i * n) // out, -((-(i + 1) * n) // out)
    cols = np.arange(n)
    inside = (cols >= start[:, None]) & (cols < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _adaptive_avg_pool(op: str, nd: int, input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    if nd > 1:
        _check_output_size_rank(op, input, output_size)
    x, unbatched = _batched(op, input, nd)
    sizes = (output_size,) * nd if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != nd:
        raise RuntimeError(f"{op}(): output_size must have {nd} elements, got {output_size!r}")
    sizes = tuple(n if s is None else s for s, n in zip(sizes, x.shape[2:], strict=True))
    if min(sizes) < 0:
        raise RuntimeError(f"{op}(): elements of output_size must be >= 0, got {sizes}")
    spatial = tuple(range(input.ndim - nd, input.ndim))
    if nd > 1 and all(s == 1 for s in sizes) and input._data.dtype.kind in "fc":
        # torch reduces an output of size 1 to a mean over the spatial dims (MeanBackward1)
        return ops.mean(input, spatial, keepdim=True)
    dtype = x._data.dtype
    steps = tuple(
        (d, None, _averaging_matrix(n, out, dtype))
        for d, n, out in zip(spatial, input.shape[-nd:], sizes, strict=True)
    )
    return ADAPTIVE_AVG_POOLS[nd].apply(input, steps)  # type: ignore[no-any-return]


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average ``(N, C, L)`` over ``output_size`` near-equal windows; as ``adaptive_avg_pool2d``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.adaptive_avg_pool1d(mt.tensor([[[1.0, 2.0, 3.0]]]), 2)
        tensor([[[1.5000, 2.5000]]])
    """
    return _adaptive_avg_pool("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average over windows chosen so the output has ``output_size``, as PyTorch.

    Output row ``i`` averages input rows ``floor(i * H / H_out)`` to
    ``ceil((i + 1) * H / H_out)`` (exclusive); likewise for columns.

    Args:
        input: shape ``(N, C, H, W)`` or ``(C, H, W)``.
        output_size: int or ``(H_out, W_out)``; None keeps that dim's input size.

    Returns:
        Shape ``(N, C, H_out, W_out)``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.adaptive_avg_pool2d(mt.arange(9.0).reshape(1, 1, 3, 3), 2)
        tensor([[[[2., 3.],
                  [5., 6.]]]])
    """
    return _adaptive_avg_pool("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average ``(N, C, D, H, W)`` over near-equal windows; as ``adaptive_avg_pool2d``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.adaptive_avg_pool3d(mt.arange(8.0).reshape(1, 1, 2, 2, 2), 1)
        tensor([[[[[3.5000]]]]])
    """
    return _adaptive_avg_pool("adaptive_avg_pool3d", 3, input, output_size)
