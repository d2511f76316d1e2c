"""Adaptive average pooling: ``adaptive_avg_pool1d/2d/3d``, to a given output size.

One fused ``Resample`` op (``_resample_ops``) applying a constant averaging matrix per spatial
dim, with torch's node names.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.nn._functional._pooling_common import _batched, _check_output_size_rank
from microtensor.nn._functional._resample_ops import ADAPTIVE_AVG_POOLS
from microtensor.tensor import Tensor

__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d"]


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
