"""``max_unpool1d/2d/3d``: put each value back at the index its max pooling recorded.

A composition: ``scatter`` of the values into a zero tensor over the flattened spatial dims,
so the gradient is the upstream gradient gathered at the same indices.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.tensor import Tensor

__all__ = ["max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _tuple(value: Any, nd: int) -> tuple[int, ...]:
    values = (value,) * nd if isinstance(value, int) else tuple(value)
    return tuple(int(v) for v in (values * nd if len(values) == 1 else values))


def _output_size(
    input: Tensor,  # noqa: A002
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    output_size: Any,
) -> tuple[int, ...]:
    nd = len(kernel)
    spatial = tuple(input.shape[input.ndim - nd :])
    default = [(n - 1) * s + k - 2 * p for n, s, k, p in zip(spatial, stride, kernel, padding,
                                                               strict=True)]  # fmt: skip
    if output_size is None:
        return tuple(default)
    sizes = tuple(output_size)
    if len(sizes) == nd + 2:
        sizes = sizes[2:]
    if len(sizes) != nd:
        raise ValueError(
            f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it "
            f"has a length of '{len(sizes)}'"
        )
    for d, (size, base, s) in enumerate(zip(sizes, default, stride, strict=True)):
        if not base - s < size < base + s:
            raise ValueError(
                f'invalid output_size "{list(sizes)}" (dim {d} must be between {base - s} and '
                f"{base + s})"
            )
    return tuple(int(s) for s in sizes)


def _max_unpool(
    op: str,
    nd: int,
    input: Tensor,  # noqa: A002
    indices: Tensor,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    output_size: Any,
) -> Tensor:
    kernel = _tuple(kernel_size, nd)
    strides = kernel if stride is None else _tuple(stride, nd)
    pads = _tuple(padding, nd)
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"{op}(): Input to max_unpooling{nd}d should be a {nd + 1}d or {nd + 2}d Tensor, "
            f"but got a tensor with {input.ndim} dimensions."
        )
    if tuple(indices.shape) != tuple(input.shape) or indices._data.dtype != np.int64:
        raise RuntimeError(
            f"{op}(): Expected shape of indices to be same as that of the input tensor "
            f"({list(input.shape)}) and indices of dtype int64, but got indices of shape "
            f"{list(indices.shape)} and dtype {indices.dtype}"
        )
    sizes = _output_size(input, kernel, strides, pads, output_size)
    unbatched = input.ndim == nd + 1
    x = ops.unsqueeze(input, 0) if unbatched else input
    idx = indices._data[None] if unbatched else indices._data
    n, c = x.shape[:2]
    plane = math.prod(sizes)
    if idx.size and (idx.min() < 0 or idx.max() >= plane):
        bad = int(idx.min() if idx.min() < 0 else idx.max())
        raise RuntimeError(
            f"{op}(): Found an invalid max index: {bad} (output volumes are of size "
            f"{'x'.join(map(str, sizes))})"
        )
    zeros = Tensor._make(np.zeros((n, c, plane), dtype=x._data.dtype))
    flat = ops.reshape(x, (n, c, -1))
    out = ops.scatter(zeros, 2, Tensor._make(idx.reshape((n, c, -1))), flat)
    out = ops.reshape(out, (n, c, *sizes))
    return ops.squeeze(out, 0) if unbatched else out


def max_unpool1d(
    input: Tensor,  # noqa: A002
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """Undo ``max_pool1d``: zeros except the maxima at their indices; as ``max_unpool2d``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.max_unpool1d(mt.tensor([[[3.0, 5.0]]]), mt.tensor([[[1, 2]]]), 2)
        tensor([[[0., 3., 5., 0.]]])
    """
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding,
                       output_size)  # fmt: skip


def max_unpool2d(
    input: Tensor,  # noqa: A002
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """Undo ``max_pool2d``: a zero image with each value put back at its flat index.

    Args:
        input: the pooled values, ``(N, C, H, W)`` or ``(C, H, W)``.
        indices: the flat indices ``max_pool2d(..., return_indices=True)`` returned.
        kernel_size: the pooling's kernel size.
        stride: the pooling's stride (default: ``kernel_size``).
        padding: the pooling's padding.
        output_size: the size to restore (default ``(H - 1) * s + k - 2 * p``), within
            one stride of the default.

    Returns:
        Shape ``(N, C, H_out, W_out)``.

    Raises:
        ValueError: for an output_size of the wrong length or out of range.
        RuntimeError: for a wrong rank, indices not shaped like the input, or an index
            outside the output.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.max_unpool2d(mt.tensor([[[[4.0]]]]), mt.tensor([[[[3]]]]), 2)
        tensor([[[[0., 0.],
                  [0., 4.]]]])
    """
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding,
                       output_size)  # fmt: skip


def max_unpool3d(
    input: Tensor,  # noqa: A002
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """Undo ``max_pool3d``; as ``max_unpool2d``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.max_unpool3d(mt.tensor([[[[[4.0]]]]]), mt.tensor([[[[[7]]]]]), 2).flatten()
        tensor([0., 0., 0., 0., 0., 0., 0., 4.])
    """
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding,
                       output_size)  # fmt: skip
