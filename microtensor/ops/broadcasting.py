"""Broadcasting: broadcast_to, broadcast_shapes and broadcast_tensors.

PyTorch's broadcasting rules (align shapes at the right; a dim of 1 stretches): the
expanded tensors are views, as ``expand``'s (the ``Expand`` op in ``shape.py``).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor._size import Size
from microtensor.ops._common import broadcast_error
from microtensor.ops.shape import Expand, _expanded_shape, _ints, expand
from microtensor.tensor import Tensor

__all__ = ["broadcast_shapes", "broadcast_tensors", "broadcast_to"]


def broadcast_to(input: Tensor, size: Any) -> Tensor:  # noqa: A002
    """``input`` broadcast to ``size`` (same as ``expand``).

    Raises:
        RuntimeError: if ``input`` can't be broadcast to ``size``.

    Example:
        >>> import microtensor as mt
        >>> mt.broadcast_to(mt.tensor([1.0, 2.0]), (2, 2))
        tensor([[1., 2.],
                [1., 2.]])
    """
    shape = _expanded_shape("broadcast_to", input._data.shape, _ints("broadcast_to", "size", size))
    return Expand.apply(input, shape)  # type: ignore[no-any-return]


def broadcast_shapes(*shapes: Any) -> Any:
    """The shape that tensors of ``shapes`` broadcast to (ints count as 1-d shapes).

    Raises:
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.broadcast_shapes((2, 1), (3,), 1)
        microtensor.Size([2, 3])
    """
    as_tuples = [(s,) if isinstance(s, builtins.int) else tuple(s) for s in shapes]
    out: list[int] = []
    for i, shape in enumerate(as_tuples):
        if any(n < 0 for n in shape):
            raise RuntimeError(
                f"broadcast_shapes(): Trying to create tensor with negative dimension: {shape}"
            )
        for k, n in enumerate(reversed(shape)):
            if k == len(out):
                out.insert(0, n)
            elif out[-1 - k] == 1:
                out[-1 - k] = n
            elif n not in (1, out[-1 - k]):
                raise RuntimeError(
                    f"broadcast_shapes(): Attempting to broadcast a dimension of length {n} at "
                    f"{-1 - k}! Mismatching argument at index {i} had {shape}; but expected "
                    f"shape should be broadcastable to {out}"
                )
    return Size(out)


def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    """The tensors expanded to their common broadcast shape (views, as ``expand``).

    Raises:
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> a, b = mt.broadcast_tensors(mt.tensor([[1], [2]]), mt.tensor([3, 4, 5]))
        >>> a.shape, b.shape
        (microtensor.Size([2, 3]), microtensor.Size([2, 3]))
    """
    if len(tensors) == 1 and isinstance(tensors[0], Sequence):
        tensors = tuple(tensors[0])
    try:
        shape = tuple(np.broadcast_shapes(*(t._data.shape for t in tensors)))
    except ValueError:
        first, *rest = tensors
        for other in rest:
            try:
                np.broadcast_shapes(first._data.shape, other._data.shape)
            except ValueError:
                raise broadcast_error("broadcast_tensors", first, other) from None
        raise broadcast_error("broadcast_tensors", first, tensors[-1]) from None
    return tuple(t if t._data.shape == shape else expand(t, shape) for t in tensors)
