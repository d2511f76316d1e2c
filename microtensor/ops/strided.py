"""Elements at explicit strides: as_strided, as_strided_copy, as_strided_scatter.

The position of element ``(i0, i1, ...)`` is ``storage_offset + i0 * stride[0] + ...`` in the
input read as a flat, contiguous sequence. ``as_strided`` is a selection (``GetItem``) of the
flattened input at those positions, so its gradient adds up over positions used more than once;
``as_strided_scatter`` writes there (``IndexPut``).
Differs from PyTorch: positions refer to the input's elements in row-major order, not to the
memory of the storage underneath a non-contiguous view, and the results are copies.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.ops._common import int_sequence
from microtensor.ops.indexing import GetItem, IndexPut
from microtensor.ops.shape import reshape
from microtensor.tensor import Tensor

__all__ = ["as_strided", "as_strided_copy", "as_strided_scatter"]


class AsStrided(GetItem):
    """z[i] = a.flatten()[offset + i . stride]: GetItem at the computed flat positions."""


class AsStridedScatter(IndexPut):
    """z = a with z.flatten()[offset + i . stride] = v[i]: IndexPut at those positions."""


def _positions(op: str, input: Tensor, size: Any, stride: Any, offset: Any) -> np.ndarray:  # noqa: A002
    position = 3 if op == "as_strided_scatter" else 2  # of size, after input (and src)
    size = int_sequence(op, "size", position, size)
    stride = int_sequence(op, "stride", position + 1, stride)
    offset = 0 if offset is None else int(offset)
    if len(size) != len(stride):
        raise RuntimeError(
            f"{op}(): mismatch in length of strides and shape: got {len(size)} sizes and "
            f"{len(stride)} strides"
        )
    if any(n < 0 for n in size) or any(s < 0 for s in stride) or offset < 0:
        raise RuntimeError(
            f"{op}(): sizes, strides and storage_offset must be non-negative, got size={size}, "
            f"stride={stride}, storage_offset={offset}"
        )
    grids = np.indices(size, dtype=np.int64) if size else np.zeros((0,), np.int64)
    flat = offset + sum((g * s for g, s in zip(grids, stride, strict=True)), np.int64(0))
    flat = np.broadcast_to(np.asarray(flat, np.int64), size).copy()
    count = input._data.size
    if flat.size and flat.max() >= count:
        raise RuntimeError(
            f"{op}(): setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
            f"{offset} need {int(flat.max()) + 1} elements, but the input has {count}"
        )
    return flat


def as_strided(
    input: Tensor,  # noqa: A002
    size: Any,
    stride: Any,
    storage_offset: int | None = None,
) -> Tensor:
    """The elements at ``storage_offset + i . stride`` of the flat input, in shape ``size``.

    Raises:
        RuntimeError: for sizes and strides of different lengths, negative values, or
            positions past the end of the input.

    Example:
        >>> import microtensor as mt
        >>> mt.as_strided(mt.arange(6), (2, 2), (1, 2))
        tensor([[0, 2],
                [1, 3]])
    """
    flat = _positions("as_strided", input, size, stride, storage_offset)
    return AsStrided.apply(reshape(input, (-1,)), ((Ellipsis,), (flat,)))  # type: ignore[no-any-return]


def as_strided_copy(
    input: Tensor,  # noqa: A002
    size: Any,
    stride: Any,
    storage_offset: int | None = None,
) -> Tensor:
    """``as_strided`` (already a copy in microtensor).

    Example:
        >>> import microtensor as mt
        >>> mt.as_strided_copy(mt.arange(4), (2,), (2,))
        tensor([0, 2])
    """
    return as_strided(input, size, stride, storage_offset)


def as_strided_scatter(
    input: Tensor,  # noqa: A002
    src: Tensor,
    size: Any,
    stride: Any,
    storage_offset: int | None = None,
) -> Tensor:
    """A copy of ``input`` with ``src`` written at the positions ``as_strided`` would read.

    Raises:
        RuntimeError: as ``as_strided``, or if ``src`` does not have shape ``size``.

    Example:
        >>> import microtensor as mt
        >>> mt.as_strided_scatter(mt.zeros(4), mt.tensor([1.0, 2.0]), (2,), (2,))
        tensor([1., 0., 2., 0.])
    """
    flat = _positions("as_strided_scatter", input, size, stride, storage_offset)
    if tuple(src._data.shape) != tuple(flat.shape):
        raise RuntimeError(
            f"as_strided_scatter(): expected src to have a size equal to the slice of self. "
            f"src size = {list(src._data.shape)}, slice size = {list(flat.shape)}"
        )
    if src._data.dtype != input._data.dtype:
        src = src.to(input.dtype)
    out = AsStridedScatter.apply(reshape(input, (-1,)), ((Ellipsis,), (flat,)), src, False)
    return reshape(out, input._data.shape)
