"""Grids and combinations of the elements of 1-d tensors: meshgrid, cartesian_prod, combinations.

Compositions of expand, reshape, stack and indexing, so they are differentiable.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.ops.indexing import GetItem
from microtensor.tensor import Tensor

__all__ = ["cartesian_prod", "combinations", "meshgrid"]


class Combinations(GetItem):
    """z[k] = (a[i1], ..., a[ir]) for the k-th index combination: GetItem at those indices."""


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids: for 0-d/1-d tensors of sizes n1, n2, ..., tensors of shape (n1, n2, ...).

    ``indexing='xy'`` swaps the first two dims (shape (n2, n1, ...)), as NumPy's default.
    Differs from PyTorch: no warning when ``indexing`` is left out ('ij', PyTorch's default).

    Raises:
        RuntimeError: for no tensors, a tensor with more than 1 dim, mixed dtypes, or an
            unknown ``indexing``.

    Example:
        >>> import microtensor as mt
        >>> rows, cols = mt.meshgrid(mt.tensor([1, 2]), mt.tensor([3, 4, 5]), indexing="ij")
        >>> rows
        tensor([[1, 1, 1],
                [2, 2, 2]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], Sequence):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid(): meshgrid expects a non-empty TensorList")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(
            f'meshgrid(): indexing must be one of "xy" or "ij", but received: {indexing}'
        )
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(
                f"meshgrid(): Expected 0D or 1D tensor in the tensor list but got shape "
                f"{list(t._data.shape)}"
            )
    if len({t._data.dtype for t in tensors}) > 1:
        raise RuntimeError(
            f"meshgrid(): meshgrid expects all tensors to have the same dtype, got "
            f"{[str(t.dtype) for t in tensors]}"
        )
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(tensors)
    for t, axis in zip(tensors, axes, strict=True):
        shape[axis] = t._data.size
    grids = []
    for t, axis in zip(tensors, axes, strict=True):
        view = [t._data.size if i == axis else 1 for i in range(len(shape))]
        grids.append(ops.expand(ops.reshape(t, view), tuple(shape)))
    return tuple(grids)


def _vector(op: str, t: Tensor) -> None:
    if t._data.ndim != 1:
        raise RuntimeError(f"{op}(): Expect a 1D vector, but got shape {list(t._data.shape)}")


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """All tuples of one element from each 1-d tensor, as rows (``itertools.product`` order).

    One tensor comes back as it is (1-d), as PyTorch.

    Raises:
        RuntimeError: for a tensor that is not 1-d.

    Example:
        >>> import microtensor as mt
        >>> mt.cartesian_prod(mt.tensor([1, 2]), mt.tensor([3, 4]))
        tensor([[1, 3],
                [1, 4],
                [2, 3],
                [2, 4]])
    """
    for t in tensors:
        _vector("cartesian_prod", t)
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return ops.stack([ops.reshape(g, (-1,)) for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:  # noqa: A002
    """All length-``r`` combinations of the elements of the 1-d ``input``, as rows.

    In ``itertools.combinations`` order (``combinations_with_replacement`` with
    ``with_replacement=True``); ``r=0`` gives an empty 1-d tensor.

    Raises:
        RuntimeError: for an input that is not 1-d, or a negative ``r``.

    Example:
        >>> import microtensor as mt
        >>> mt.combinations(mt.tensor([1, 2, 3]))
        tensor([[1, 2],
                [1, 3],
                [2, 3]])
    """
    _vector("combinations", input)
    if r < 0:
        raise RuntimeError(f"combinations(): Expect a non-negative number, but got {r}")
    if r == 0:
        return Tensor._make(np.zeros(0, input._data.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    index = np.array(list(pick(range(input._data.shape[0]), r)), np.int64).reshape(-1, r)
    return Combinations.apply(input, ((Ellipsis,), (index,)))  # type: ignore[no-any-return]
