"""Top-level functions of torch that are a Tensor method or a plain alias.

``torch.detach(x)`` is ``x.detach()``, ``torch.moveaxis`` is ``movedim``, ``torch.fix`` is
``trunc``, ``torch.is_signed(x)`` is ``x.is_signed()``; ``unravel_index`` turns flat indices
into coordinates, as ``numpy.unravel_index`` with torch's wrap-around of out-of-range indices.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.tensor import Tensor

__all__ = [
    "detach",
    "detach_",
    "fix",
    "is_inference",
    "is_signed",
    "moveaxis",
    "unravel_index",
]


def detach(input: Tensor) -> Tensor:  # noqa: A002
    """torch.detach: ``input.detach()``, a tensor sharing the data, outside the graph."""
    return input.detach()


def detach_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.detach_: ``input.detach_()``; returns ``input``."""
    return input.detach_()


def fix(input: Tensor) -> Tensor:  # noqa: A002
    """torch.fix: an alias of ``trunc`` (round towards zero).

    Example:
        >>> import microtensor as mt
        >>> mt.fix(mt.tensor([-1.7, 1.7]))
        tensor([-1.,  1.])
    """
    return ops.trunc(input)  # type: ignore[no-any-return]


def is_signed(input: Tensor) -> builtins.bool:  # noqa: A002
    """torch.is_signed: ``input.is_signed()``, False for unsigned integers and bool."""
    return input.is_signed()


def is_inference(input: Tensor) -> builtins.bool:  # noqa: A002
    """torch.is_inference: ``input.is_inference()``.

    Differs from PyTorch: always False, as microtensor has no inference tensors (see
    ``inference_mode``).
    """
    return input.is_inference()


def moveaxis(input: Tensor, source: Any, destination: Any) -> Tensor:  # noqa: A002
    """torch.moveaxis: an alias of ``movedim``.

    Example:
        >>> import microtensor as mt
        >>> mt.moveaxis(mt.zeros(2, 3, 4), 0, -1).shape
        microtensor.Size([3, 4, 2])
    """
    return ops.movedim(input, source, destination)  # type: ignore[no-any-return]


def _unravel_shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, builtins.int | np.integer) and not isinstance(shape, builtins.bool):
        shape = (shape,)
    if not isinstance(shape, Sequence):
        raise TypeError(
            f"unravel_index(): expected 'shape' to be int or sequence of ints, got "
            f"{type(shape).__name__}"
        )
    for size in shape:
        if not isinstance(size, builtins.int | np.integer) or isinstance(size, builtins.bool):
            raise TypeError(f"expected 'shape' sequence to only contain ints, but got {type(size)}")
    if any(size < 0 for size in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {tuple(shape)}")
    return tuple(builtins.int(size) for size in shape)


def unravel_index(indices: Tensor, shape: Any) -> tuple[Tensor, ...]:
    """The coordinates in a tensor of ``shape`` of the flat (row-major) ``indices``.

    One int64 tensor per dim of ``shape``, each shaped like ``indices``. As torch (which
    does not check bounds), an index outside ``[0, numel)`` wraps around: coordinate ``d``
    is ``(index // stride_d) % shape[d]``.

    Raises:
        TypeError: for non-integer indices or shape entries.
        ValueError: for a negative size.
        RuntimeError: for a shape with a zero size (torch's ZeroDivisionError).

    Example:
        >>> import microtensor as mt
        >>> mt.unravel_index(mt.tensor([4, 5]), (2, 3))
        (tensor([1, 1]), tensor([1, 2]))
    """
    if not isinstance(indices, Tensor):
        raise TypeError(
            f"unravel_index(): expected 'indices' to be a Tensor, got {type(indices).__name__}"
        )
    if indices._data.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    sizes = _unravel_shape(shape)
    if 0 in sizes:
        raise RuntimeError(
            f"unravel_index(): shape {sizes} has no elements, so no index is inside it"
        )
    flat = indices._data.astype(np.int64)
    coordinates, stride = [], 1
    for size in reversed(sizes):
        coordinates.append(np.floor_divide(flat, stride) % size)
        stride *= size
    return tuple(Tensor._make(np.asarray(c, np.int64)) for c in reversed(coordinates))
