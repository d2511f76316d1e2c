"""Max over irregular windows: ``adaptive_max_pool1d/2d/3d`` and ``fractional_max_pool2d/3d``.

The windows are listed in a constant table of flat input positions (one row per output
element, shorter windows padded with their own first position, which changes neither the
maximum nor which maximum comes first). Each window's first maximum (row-major order, as
PyTorch) is found on the arrays, and one ``PickMax`` op (``_window_max_ops``) reads it, with
torch's node; the gradient goes to that position, and double backward is the pick again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor import ops
from microtensor._random_factories import rand
from microtensor.nn._functional._pooling_common import _batched, _check_output_size_rank
from microtensor.nn._functional._window_max_ops import (
    AdaptiveMaxPool2D,
    AdaptiveMaxPool3D,
    FractionalMaxPool2D,
    FractionalMaxPool3D,
    PickMax,
)
from microtensor.tensor import Tensor

__all__ = [
    "adaptive_max_pool1d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d",
    "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d",
    "adaptive_max_pool3d_with_indices",
    "fractional_max_pool2d",
    "fractional_max_pool2d_with_indices",
    "fractional_max_pool3d",
    "fractional_max_pool3d_with_indices",
]


def _window_table(starts: list[np.ndarray], sizes: list[np.ndarray], shape: tuple[int, ...]) -> Any:
    """Flat input positions ``(..., *out, K)`` of each window, for per-dim starts and sizes.

    ``starts[d]`` and ``sizes[d]`` have shape ``(..., out_d)`` (leading dims broadcast).
    """
    nd = len(shape)
    longest = [int(s.max()) if s.size else 1 for s in sizes]
    per_dim = []
    for d in range(nd):
        offsets = np.arange(longest[d])
        # past a window's end, repeat its first position
        pos = starts[d][..., None] + np.where(offsets < sizes[d][..., None], offsets, 0)
        per_dim.append(pos)  # (..., out_d, K_d)
    strides = [math.prod(shape[d + 1 :]) for d in range(nd)]
    lead = np.broadcast_shapes(*[p.shape[:-2] for p in per_dim])
    out = [p.shape[-2] for p in per_dim]
    table = np.zeros((*lead, *out, *longest), dtype=np.int64)
    for d, pos in enumerate(per_dim):
        # place dim d's (out_d, K_d) axes at their spots in (*out, *K)
        view = [1] * (2 * nd)
        view[d], view[nd + d] = out[d], longest[d]
        table = table + strides[d] * pos.reshape((*pos.shape[:-2], *view))
    return table.reshape((*lead, *out, math.prod(longest)))


def _pool_table(
    x: Tensor, table: np.ndarray, out: tuple[int, ...], op: type[PickMax]
) -> tuple[Tensor, Tensor]:
    """Max of ``x``'s spatial values over each row of ``table``; the flat argmax positions.

    ``x`` is ``(N, C, *spatial)`` or ``(C, *spatial)``; the first maximum of each window (NaN
    counts as the largest, as torch) is found here, and ``op`` picks it (one graph node).
    """
    nd = len(out)
    lead = x.shape[: x.ndim - nd]
    rows, k = math.prod(lead), table.shape[-1]
    flat = x._data.reshape(rows, math.prod(x.shape[x.ndim - nd :]))
    full = np.broadcast_to(table, (*lead, *out, k)).reshape(rows, math.prod(out), k)
    values = np.take_along_axis(flat, full.reshape(rows, math.prod(out) * k), 1).reshape(full.shape)
    arg = np.argmax(values, -1)
    index = np.take_along_axis(full, arg[..., None], -1)[..., 0]
    y = op.apply(x, index, nd, out)
    return y, Tensor._make(index.reshape((*lead, *out)).astype(np.int64))


# --- adaptive max pooling --------------------------------------------------------------------


def _adaptive_max_pool(op: str, nd: int, input: Tensor, output_size: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    if nd > 1:
        _check_output_size_rank(op, input, output_size)
    x, unbatched = _batched(op, input, nd)
    for d in range(1, input.ndim):  # torch: an empty channel or spatial dim has no maximum
        if input.shape[d] == 0:
            raise RuntimeError(
                f"{op}(): Expected input to have non-zero size for non-batch dimensions, but "
                f"input has sizes {list(input.shape)} with dimension {d} being empty"
            )
    sizes = (output_size,) * nd if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != nd:
        raise RuntimeError(f"{op}(): output_size must have {nd} elements, got {output_size!r}")
    shape = tuple(x.shape[2:])
    sizes = tuple(n if s is None else int(s) for s, n in zip(sizes, shape, strict=True))
    if min(sizes) < 0 or (min(sizes) == 0 and x.numel()):
        raise RuntimeError(f"{op}(): elements of output_size must be greater than 0, got {sizes}")
    starts, lengths = [], []
    for n, out in zip(shape, sizes, strict=True):
        i = np.arange(out)
        start, end = (i * n) // out, -((-(i + 1) * n) // out)  # PyTorch's windows
        starts.append(start)
        lengths.append(end - start)
    table = _window_table(starts, lengths, shape)
    if nd == 1:  # torch pools the unsqueezed (.., 1, L) input in 2-D, then squeezes
        y, indices = _pool_table(ops.unsqueeze(input, -2), table, (1, *sizes), AdaptiveMaxPool2D)
        return ops.squeeze(y, -2), ops.squeeze(indices, -2)
    return _pool_table(input, table, sizes, AdaptiveMaxPool2D if nd == 2 else AdaptiveMaxPool3D)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Max of ``(N, C, L)`` over ``output_size`` near-equal windows; as ``adaptive_max_pool2d``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.adaptive_max_pool1d(mt.tensor([[[1.0, 3.0, 2.0]]]), 2)
        tensor([[[3., 3.]]])
    """
    y, indices = _adaptive_max_pool("adaptive_max_pool1d", 1, input, output_size)
    return (y, indices) if return_indices else y


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Max over windows chosen so the output has ``output_size``, as PyTorch.

    Output row ``i`` covers input rows ``floor(i * H / H_out)`` to
    ``ceil((i + 1) * H / H_out)`` (exclusive); likewise for columns. The gradient goes to the
    first maximum of each window.

    Args:
        input: shape ``(N, C, H, W)`` or ``(C, H, W)``.
        output_size: int or ``(H_out, W_out)``; None keeps that dim's input size.
        return_indices: also return the flat index (``h * W + w``) of each maximum.

    Returns:
        Shape ``(N, C, H_out, W_out)``, and the int64 indices with ``return_indices``.

    Raises:
        RuntimeError: for a wrong rank or a non-positive output size.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.adaptive_max_pool2d(mt.arange(9.0).reshape(1, 1, 3, 3), 2)
        tensor([[[[4., 5.],
                  [7., 8.]]]])
    """
    y, indices = _adaptive_max_pool("adaptive_max_pool2d", 2, input, output_size)
    return (y, indices) if return_indices else y


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Max of ``(N, C, D, H, W)`` over near-equal windows; as ``adaptive_max_pool2d``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.adaptive_max_pool3d(mt.arange(8.0).reshape(1, 1, 2, 2, 2), 1)
        tensor([[[[[7.]]]]])
    """
    y, indices = _adaptive_max_pool("adaptive_max_pool3d", 3, input, output_size)
    return (y, indices) if return_indices else y


def adaptive_max_pool1d_with_indices(
    input: Tensor,  # noqa: A002
    output_size: Any,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool1d`` returning ``(values, indices)`` always."""
    return _adaptive_max_pool("adaptive_max_pool1d", 1, input, output_size)


def adaptive_max_pool2d_with_indices(
    input: Tensor,  # noqa: A002
    output_size: Any,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool2d`` returning ``(values, indices)`` always."""
    return _adaptive_max_pool("adaptive_max_pool2d", 2, input, output_size)


def adaptive_max_pool3d_with_indices(
    input: Tensor,  # noqa: A002
    output_size: Any,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool3d`` returning ``(values, indices)`` always."""
    return _adaptive_max_pool("adaptive_max_pool3d", 3, input, output_size)


# --- fractional max pooling ------------------------------------------------------------------


def _intervals(sample: np.ndarray, n: int, out: int, pool: int) -> np.ndarray:
    """PyTorch's pseudo-random window starts: ``int((i + u) * a) - int(u * a)``."""
    starts = np.empty((*sample.shape, out), dtype=np.int64)
    if out > 1:
        alpha = sample.dtype.type(n - pool) / sample.dtype.type(out - 1)
        i = np.arange(out - 1, dtype=sample.dtype)
        first = (sample[..., None] * alpha).astype(np.int64)
        starts[..., :-1] = ((i + sample[..., None]) * alpha).astype(np.int64) - first
    starts[..., -1] = n - pool
    return starts


def _fractional_max_pool(
    op: str,
    nd: int,
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    output_size: Any,
    output_ratio: Any,
    samples: Tensor | None,
) -> tuple[Tensor, Tensor]:
    x, unbatched = _batched(op, input, nd)
    kernel = (kernel_size,) * nd if isinstance(kernel_size, int) else tuple(kernel_size)
    shape = tuple(x.shape[2:])
    if output_size is None:
        if output_ratio is None:
            raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
        ratios = (output_ratio,) * nd if isinstance(output_ratio, float | int) else output_ratio
        output_size = tuple(int(n * r) for n, r in zip(shape, ratios, strict=True))
    sizes = (output_size,) * nd if isinstance(output_size, int) else tuple(output_size)
    for n, out, k in zip(shape, sizes, kernel, strict=True):
        if out + k - 1 > n or (nd == 3 and out + k - 1 == n):  # torch: strict in 3-D
            raise RuntimeError(
                f"{op}(): output size {out} plus pool size {k} minus 1 is larger than the "
                f"input size {n} (input {list(input.shape)}): use a smaller kernel or output"
            )
    n, c = x.shape[:2]
    if samples is None:
        # torch.rand(N, C, nd, dtype=input.dtype) on the default generator, as torch draws them
        u = rand(n, c, nd, dtype=input.dtype)._data
    else:
        if samples._data.dtype != x._data.dtype:
            raise RuntimeError(
                f"Expect _random_samples to have the same dtype as input: got {samples.dtype} "
                f"and {input.dtype} (convert the samples with .to(input.dtype))"
            )
        u = samples._data.reshape((n, c, nd))
    # PyTorch's 2-d samples are in (W, H) order, its 3-d ones in (D, H, W) order
    order = [1, 0] if nd == 2 else list(range(nd))
    starts = [_intervals(u[..., order[d]], shape[d], sizes[d], kernel[d]) for d in range(nd)]
    lengths = [np.full(s.shape, k) for s, k in zip(starts, kernel, strict=True)]
    table = _window_table(starts, lengths, shape)
    if unbatched:  # the table has the batch dim of the samples
        table = table[0]
    pick = FractionalMaxPool2D if nd == 2 else FractionalMaxPool3D
    return _pool_table(input, table, sizes, pick)


def fractional_max_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Any:
    """Max over ``kH x kW`` windows at pseudo-random, increasing positions (Graham, 2014).

    Args:
        input: shape ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: int or ``(kH, kW)``.
        output_size: int or ``(H_out, W_out)``.
        output_ratio: instead of ``output_size``, a fraction of the input size.
        return_indices: also return the flat index of each maximum.
        _random_samples: ``(N, C, 2)`` numbers in [0, 1) that fix the windows (drawn from the
            default generator when None).

    Returns:
        Shape ``(N, C, H_out, W_out)``, and the indices with ``return_indices``.

    Raises:
        ValueError: if neither output_size nor output_ratio is given.
        RuntimeError: if the windows do not fit in the input.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> x = mt.arange(16.0).reshape(1, 1, 4, 4)
        >>> F.fractional_max_pool2d(x, 2, (2, 2), _random_samples=mt.zeros(1, 1, 2))
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """
    y, indices = _fractional_max_pool(
        "fractional_max_pool2d", 2, input, kernel_size, output_size, output_ratio,
        _random_samples,
    )  # fmt: skip
    return (y, indices) if return_indices else y


def fractional_max_pool3d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Any:
    """Fractional max pooling of ``(N, C, D, H, W)``; as ``fractional_max_pool2d``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> x = mt.arange(8.0).reshape(1, 1, 2, 2, 2)
        >>> F.fractional_max_pool3d(x, 1, 1, _random_samples=mt.zeros(1, 1, 3))
        tensor([[[[[7.]]]]])
    """
    y, indices = _fractional_max_pool(
        "fractional_max_pool3d", 3, input, kernel_size, output_size, output_ratio,
        _random_samples,
    )  # fmt: skip
    return (y, indices) if return_indices else y


def fractional_max_pool2d_with_indices(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """``fractional_max_pool2d`` returning ``(values, indices)`` always."""
    return _fractional_max_pool(
        "fractional_max_pool2d", 2, input, kernel_size, output_size, output_ratio,
        _random_samples,
    )  # fmt: skip


def fractional_max_pool3d_with_indices(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """``fractional_max_pool3d`` returning ``(values, indices)`` always."""
    return _fractional_max_pool(
        "fractional_max_pool3d", 3, input, kernel_size, output_size, output_ratio,
        _random_samples,
    )  # fmt: skip
