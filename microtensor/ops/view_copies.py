"""The ``*_copy`` ops: each view op's result as a tensor with its own memory.

PyTorch offers these functional twins of its view ops (``transpose_copy`` is
``transpose(...).clone()``). Each is the view op followed by ``clone``, so gradients and
second derivatives are the view op's.
"""

from __future__ import annotations

from typing import Any

from microtensor import ops
from microtensor._numpy_names import numpy_names
from microtensor.ops.rearrange import unfold
from microtensor.tensor import Tensor

# fmt: off
__all__ = [
    "alias_copy", "diagonal_copy", "expand_copy", "permute_copy", "split_with_sizes_copy",
    "squeeze_copy", "t_copy", "transpose_copy", "unbind_copy", "unfold_copy", "unsqueeze_copy",
    "view_copy",
]
# fmt: on


def alias_copy(input: Tensor) -> Tensor:  # noqa: A002
    """A copy of ``input`` (``alias`` is a view of the whole tensor).

    Example:
        >>> import microtensor as mt
        >>> mt.alias_copy(mt.tensor([1, 2]))
        tensor([1, 2])
    """
    return ops.clone(input)


def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """``diagonal(input, offset, dim1, dim2)`` as a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.diagonal_copy(mt.tensor([[1, 2], [3, 4]]))
        tensor([1, 4])
    """
    return ops.clone(ops.diagonal(input, offset, dim1, dim2))


def expand_copy(input: Tensor, size: Any) -> Tensor:  # noqa: A002
    """``input.expand(size)`` as a copy (each element written out).

    Example:
        >>> import microtensor as mt
        >>> mt.expand_copy(mt.tensor([[1], [2]]), (2, 2))
        tensor([[1, 1],
                [2, 2]])
    """
    return ops.clone(ops.expand(input, size))


def permute_copy(input: Tensor, dims: Any) -> Tensor:  # noqa: A002
    """``permute(input, dims)`` as a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.permute_copy(mt.ones(2, 3), (1, 0)).shape
        microtensor.Size([3, 2])
    """
    return ops.clone(ops.permute(input, dims))


@numpy_names
def squeeze_copy(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """``squeeze(input, dim)`` as a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.squeeze_copy(mt.ones(2, 1)).shape
        microtensor.Size([2])
    """
    return ops.clone(ops.squeeze(input, dim))


@numpy_names
def unsqueeze_copy(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """``unsqueeze(input, dim)`` as a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.unsqueeze_copy(mt.ones(2), 0).shape
        microtensor.Size([1, 2])
    """
    return ops.clone(ops.unsqueeze(input, dim))


def t_copy(input: Tensor) -> Tensor:  # noqa: A002
    """``t(input)`` as a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.t_copy(mt.ones(2, 3)).shape
        microtensor.Size([3, 2])
    """
    return ops.clone(ops.t(input))


def transpose_copy(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """``transpose(input, dim0, dim1)`` as a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.transpose_copy(mt.ones(2, 3), 0, 1).shape
        microtensor.Size([3, 2])
    """
    return ops.clone(ops.transpose(input, dim0, dim1))


def view_copy(input: Tensor, size: Any) -> Tensor:  # noqa: A002
    """``input.view(size)`` as a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.view_copy(mt.ones(2, 3), (3, 2)).shape
        microtensor.Size([3, 2])
    """
    return ops.clone(ops.view(input, size))


def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:  # noqa: A002
    """``input.unfold(dimension, size, step)`` (already a copy in microtensor).

    Example:
        >>> import microtensor as mt
        >>> mt.unfold_copy(mt.arange(4), 0, 2, 2)
        tensor([[0, 1],
                [2, 3]])
    """
    return unfold(input, dimension, size, step)


@numpy_names
def unbind_copy(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``unbind(input, dim)`` with each slice a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.unbind_copy(mt.tensor([[1, 2], [3, 4]]), 1)
        (tensor([1, 3]), tensor([2, 4]))
    """
    return tuple(ops.clone(t) for t in ops.unbind(input, dim))


@numpy_names
def split_with_sizes_copy(input: Tensor, split_sizes: Any, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``split_with_sizes(input, split_sizes, dim)`` with each piece a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.split_with_sizes_copy(mt.arange(3), [1, 2])
        (tensor([0]), tensor([1, 2]))
    """
    return tuple(ops.clone(t) for t in ops.split_with_sizes(input, split_sizes, dim))
