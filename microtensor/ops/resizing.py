"""Resizing a tensor in place: ``Tensor.resize_`` and ``resize_as_``.

A resize keeps the tensor's elements in memory order: shrinking keeps the first ``numel``
of them (sharing their memory, as PyTorch keeps the storage), growing keeps them all and
appends new elements. It is not differentiable (PyTorch refuses tensors that require grad).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor import memory_format as formats
from microtensor.tensor import Tensor

__all__ = ["resize_", "resize_as_"]

_RANKS = {"channels_last": 4, "channels_last_3d": 5}


def resize_(input: Tensor, size: Sequence[int], memory_format: Any = None) -> Tensor:  # noqa: A002
    """Give ``input`` the shape ``size`` in place, keeping its elements in memory order.

    The new elements of a grown tensor are zeros (PyTorch leaves them uninitialised).

    Args:
        input: the tensor to resize; it must not require grad.
        size: the new shape.
        memory_format: accepted as in PyTorch (``channels_last`` needs a 4-d size,
            ``channels_last_3d`` a 5-d one); the layout stays NumPy's.

    Returns:
        ``input``, resized.

    Raises:
        RuntimeError: if ``input`` requires grad, a size is negative, or the memory format
            needs another rank.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> x.resize_(2, 2)
        tensor([[1., 2.],
                [3., 4.]])
        >>> x.resize_(5)
        tensor([1., 2., 3., 4., 0.])
    """
    shape = tuple(int(s) for s in size)
    _check(input, shape, memory_format, "resize_")
    if shape == input._data.shape:  # PyTorch keeps the tensor as it is, strides included
        return input
    flat = np.ravel(input._data, order="K")  # memory order, a view where possible
    count = math.prod(shape)
    if count <= flat.size:
        data = flat[:count].reshape(shape)
    else:
        data = np.zeros(count, dtype=flat.dtype)
        data[: flat.size] = flat
        data = data.reshape(shape)
    input._data = data
    input._base = None  # the resized tensor is no longer a view of another tensor's shape
    input._view_key = None
    input._version_counter[0] += 1
    return input


def _check(input: Tensor, shape: tuple[int, ...], memory_format: Any, name: str) -> None:  # noqa: A002
    if input.requires_grad:
        raise RuntimeError(
            f"{name}(): cannot resize variables that require grad: resize a detached tensor "
            "(x.detach().resize_(...)) or build a new one"
        )
    if any(s < 0 for s in shape):
        raise RuntimeError(
            f"{name}(): Trying to create tensor with negative dimension {min(shape)}: "
            f"{list(shape)}: every size must be >= 0"
        )
    if isinstance(memory_format, formats.memory_format) and memory_format.name in _RANKS:
        rank = _RANKS[memory_format.name]
        if len(shape) != rank:
            raise RuntimeError(
                f"{name}(): required rank {rank} tensor to use {memory_format.name} format, "
                f"got size {list(shape)}: use memory_format=microtensor.contiguous_format"
            )


def resize_as_(
    input: Tensor,  # noqa: A002
    the_template: Tensor,
    *,
    memory_format: Any = None,
) -> Tensor:
    """Resize ``input`` in place to the shape of ``the_template`` (see ``Tensor.resize_``).

    Args:
        input: the tensor to resize; it must not require grad.
        the_template: the tensor whose shape ``input`` takes.
        memory_format: as in ``Tensor.resize_``.

    Returns:
        ``input``, resized.

    Raises:
        RuntimeError: if ``input`` requires grad.

    Example:
        >>> import microtensor as mt
        >>> mt.resize_as_(mt.tensor([1.0, 2.0, 3.0, 4.0]), mt.zeros(2, 2))
        tensor([[1., 2.],
                [3., 4.]])
    """
    return resize_(input, tuple(the_template.shape), memory_format)
