"""Encodings of class indices: one_hot (``F.one_hot``), rows of zeros with a one; no gradient."""

from __future__ import annotations

import numpy as np

from microtensor.tensor import Tensor

__all__ = ["one_hot"]


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Each class index of ``tensor`` (int64) as a row of zeros with a 1 at that index.

    Args:
        tensor: class indices, an int64 tensor of any shape.
        num_classes: the row length; -1 means ``tensor.max() + 1``.

    Returns:
        An int64 tensor of shape ``(*tensor.shape, num_classes)``.

    Raises:
        RuntimeError: for a tensor that is not int64, a negative class, a class not smaller
            than ``num_classes``, or ``num_classes=-1`` with an empty tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.ops.one_hot(mt.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    data = tensor._data
    if data.dtype != np.int64:
        raise RuntimeError(
            f"one_hot(): one_hot is only applicable to index tensor of type LongTensor, got "
            f"{tensor.dtype}: convert it with .long()"
        )
    if num_classes == -1:
        if data.size == 0:
            raise RuntimeError(
                "one_hot(): Can not infer total number of classes from empty tensor; pass "
                "num_classes"
            )
        num_classes = int(data.max()) + 1
    if data.size and data.min() < 0:
        raise RuntimeError(f"one_hot(): Class values must be non-negative, got {data.min()}")
    if data.size and data.max() >= num_classes or num_classes < 0:
        raise RuntimeError(
            f"one_hot(): Class values must be smaller than num_classes ({num_classes}), got "
            f"{data.max() if data.size else num_classes}"
        )
    return Tensor._make((data[..., None] == np.arange(num_classes)).astype(np.int64))
