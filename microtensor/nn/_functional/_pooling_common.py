"""Argument checks and output sizes shared by the pooling functions (max, average, Lp, adaptive)."""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.tensor import Tensor


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
