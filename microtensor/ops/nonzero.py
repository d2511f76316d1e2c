"""The positions of non-zero elements: nonzero, argwhere, nonzero_static.

Integer results that are not differentiable (as in torch, they carry no graph).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.tensor import Tensor

__all__ = ["argwhere", "nonzero", "nonzero_static"]


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:  # noqa: A002
    """The indices of the non-zero elements: an (n, ndim) int64 tensor, or one per dim.

    Example:
        >>> import microtensor as mt
        >>> mt.nonzero(mt.tensor([[0.0, 1.0], [2.0, 0.0]]))
        tensor([[0, 1],
                [1, 0]])
        >>> mt.nonzero(mt.tensor([0, 3, 4]), as_tuple=True)
        (tensor([1, 2]),)
    """
    data = input._data
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(data)))
    return Tensor._make(np.argwhere(data).astype(np.int64))


def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:  # noqa: A002
    """``nonzero(input)`` cut or padded (with ``fill_value`` rows) to exactly ``size`` rows.

    Raises:
        RuntimeError: for a negative ``size``.

    Example:
        >>> import microtensor as mt
        >>> mt.nonzero_static(mt.tensor([0, 3, 0, 4]), size=3)
        tensor([[ 1],
                [ 3],
                [-1]])
    """
    if size < 0:
        raise RuntimeError(f"nonzero_static(): 'size' must be an non-negative integer, got {size}")
    found = np.argwhere(input._data).astype(np.int64)[:size]
    pad = np.full((size - found.shape[0], found.shape[1]), fill_value, np.int64)
    return Tensor._make(np.concatenate([found, pad]))


def argwhere(input: Tensor) -> Tensor:  # noqa: A002
    """The indices of the non-zero elements as an (n, ndim) int64 tensor: ``nonzero(input)``.

    Example:
        >>> import microtensor as mt
        >>> mt.argwhere(mt.tensor([0.0, 2.0, 3.0]))
        tensor([[1],
                [2]])
    """
    return nonzero(input)
