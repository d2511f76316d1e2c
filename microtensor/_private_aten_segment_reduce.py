"""``torch.segment_reduce`` (alias ``torch._segment_reduce``): reduce segments of one dim.

The segments are consecutive runs of the dim, given by their lengths or offsets.

The reduction is written densely: a constant ``(segments, length)`` membership mask picks
each segment's elements out of the dim (``where``, the rest set to the reduction's identity),
and an ordinary reduction over the dim finishes it. The gradients therefore come from
``where`` and ``sum``/``amax``/``amin``/``prod``: they are torch's (the upstream gradient to
each member, divided by the length for ``mean``, to the extreme element for max and min).
The memory is ``segments * length`` per row, fine for the segment counts this op sees.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor import creation, ops
from microtensor.ops._pointwise import tensor_input
from microtensor.tensor import Tensor

__all__ = ["_segment_reduce", "segment_reduce"]

_REDUCTIONS = ("max", "mean", "min", "sum", "prod")
_IDENTITY = {"max": -math.inf, "min": math.inf, "prod": 1.0, "sum": 0.0, "mean": 0.0}


def _segments(
    data: Tensor, lengths: Any, offsets: Any, axis: int, unsafe: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Each segment's start and length, shaped ``data.shape[:axis] + (segments,)``."""
    if (lengths is None) == (offsets is None):
        raise RuntimeError(
            "segment_reduce(): exactly one of lengths or offsets must be given (indices "
            "based reduction is not supported)"
        )
    name, given = ("lengths", lengths) if lengths is not None else ("offsets", offsets)
    bounds = np.asarray(given._data if isinstance(given, Tensor) else given)
    if bounds.dtype.kind not in "iu":
        raise RuntimeError(
            f"segment_reduce(): {name} must be an integer tensor, got {bounds.dtype}"
        )
    if bounds.ndim != axis + 1 or bounds.shape[:axis] != tuple(data.shape[:axis]):
        raise RuntimeError(
            f"segment_reduce(): Expected axis to be the last dimension of {name} but got "
            f"{axis} ({name} of shape {list(bounds.shape)}, data of shape {list(data.shape)})"
        )
    bounds = bounds.astype(np.int64)
    if lengths is not None:
        counts = bounds
        starts = np.cumsum(counts, axis=-1) - counts
    else:
        starts, counts = bounds[..., :-1], np.diff(bounds, axis=-1)
    if not unsafe:
        if counts.size and counts.min() < 0:
            raise RuntimeError(f"segment_reduce(): {name} gives a negative length")
        if not np.all(counts.sum(axis=-1) == data.shape[axis]):
            raise RuntimeError(
                f"segment_reduce(): Expected all rows of {name} along axis to cover "
                f"data.size({axis}) = {data.shape[axis]} when not unsafe"
            )
    return starts, counts


def segment_reduce(
    data: Tensor,
    reduce: str,
    *,
    lengths: Tensor | None = None,
    indices: Tensor | None = None,
    offsets: Tensor | None = None,
    axis: int = 0,
    unsafe: bool = False,
    initial: float | None = None,
) -> Tensor:
    """Reduce consecutive segments of dim ``axis`` of ``data``.

    The segments of row ``r`` (an index into ``data.shape[:axis]``) are given by
    ``lengths[r]`` (consecutive, starting at 0) or by ``offsets[r]`` (segment ``s`` is
    ``offsets[r, s]:offsets[r, s + 1]``). Each segment reduces to one value: the reduction
    starts from ``initial`` (default the identity: -inf for max, inf for min, 1 for prod, 0
    for sum and mean); ``mean`` divides the sum (with ``initial``) by the length, and an
    empty segment's mean is ``initial``, or NaN without one.

    Args:
        data: the values.
        reduce: ``"max"``, ``"mean"``, ``"min"``, ``"sum"`` or ``"prod"``.
        lengths: integer tensor of shape ``data.shape[:axis] + (segments,)``.
        indices: not supported (torch's neither): must be None.
        offsets: integer tensor of shape ``data.shape[:axis] + (segments + 1,)``.
        axis: the dim that is segmented.
        unsafe: skip the checks that the lengths are non-negative and cover the dim.
        initial: the starting value of every segment's reduction.

    Returns:
        Shape ``data.shape[:axis] + (segments,) + data.shape[axis + 1:]``.

    Raises:
        RuntimeError: for an unknown ``reduce``, ``indices``, both or neither of lengths and
            offsets, their wrong shape or dtype, or (unless ``unsafe``) negative lengths or
            lengths that do not sum to the size of dim ``axis``.
        IndexError: for an ``axis`` out of range.

    Example:
        >>> import microtensor as mt
        >>> data = mt.tensor([1.0, 2.0, 3.0, 4.0])
        >>> segment_reduce(data, "sum", lengths=mt.tensor([1, 0, 3]))
        tensor([1., 0., 9.])
    """
    tensor_input("segment_reduce", data)
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"segment_reduce(): unsupported reduction given! {reduce!r}")
    if indices is not None:
        raise RuntimeError("segment_reduce(): indices based reduction is not supported yet.")
    if not -data.ndim <= axis < max(data.ndim, 1):
        raise IndexError(
            f"segment_reduce(): axis {axis} out of range for data of dimension {data.ndim}"
        )
    axis %= max(data.ndim, 1)
    starts, counts = _segments(data, lengths, offsets, axis, unsafe)
    trailing = (1,) * (data.ndim - axis - 1)
    position = np.arange(data.shape[axis])
    member = (position >= starts[..., None]) & (position < (starts + counts)[..., None])
    member_t = Tensor._make(member.reshape(member.shape + trailing))
    x = ops.unsqueeze(data, axis)  # (*lead, 1, length, *rest) against (*lead, S, length, 1...)
    start = _IDENTITY[reduce] if initial is None else float(initial)
    if reduce in ("sum", "mean"):
        out = ops.sum(ops.where(member_t, x, 0.0), dim=axis + 1)
        if initial is not None:
            out = out + start
        if reduce == "sum":
            return out
        count = counts.reshape(counts.shape + trailing)
        out = out / Tensor._make(np.maximum(count, 1).astype(data._data.dtype))
        empty = Tensor._make(count == 0)
        return ops.where(empty, math.nan if initial is None else start, out)
    picked = ops.where(member_t, x, _IDENTITY[reduce])
    seed_shape = (*picked.shape[: axis + 1], 1, *picked.shape[axis + 2 :])
    seed = creation.full(seed_shape, start, dtype=data.dtype)
    stacked = ops.cat([seed, picked], axis + 1)
    if reduce == "max":
        return ops.amax(stacked, dim=axis + 1)
    if reduce == "min":
        return ops.amin(stacked, dim=axis + 1)
    return ops.prod(stacked, dim=axis + 1)


_segment_reduce = segment_reduce  # torch._segment_reduce is torch.segment_reduce
