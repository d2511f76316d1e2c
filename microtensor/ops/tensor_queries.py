"""Questions about tensors, as in PyTorch's "Tensors" section.

``is_tensor``, ``is_storage``, ``is_floating_point``, ``is_nonzero``, ``numel``,
``is_same_size`` and ``typename``.
"""

from __future__ import annotations

import sys
from typing import Any

from microtensor._tensor_methods import _TYPE_NAMES
from microtensor.ops._pointwise import tensor_input
from microtensor.tensor import Tensor

__all__ = [
    "is_floating_point",
    "is_nonzero",
    "is_same_size",
    "is_storage",
    "is_tensor",
    "numel",
    "typename",
]


def is_tensor(obj: Any) -> bool:
    """True if ``obj`` is a microtensor Tensor (a Parameter is one too) or a sparse tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.is_tensor(mt.ones(2)), mt.is_tensor([1.0]), mt.is_tensor(mt.eye(2).to_sparse())
        (True, False, True)
    """
    if isinstance(obj, Tensor):
        return True
    # sparse tensors (COO, and CSR/CSC/BSR/BSC): none can exist before their module is loaded
    coo = sys.modules.get("microtensor.sparse.coo")
    compressed = sys.modules.get("microtensor.sparse.compressed")
    return (coo is not None and isinstance(obj, coo.SparseTensor)) or (
        compressed is not None and isinstance(obj, compressed.SparseCompressedTensor)
    )


def is_storage(obj: Any) -> bool:
    """Always False: microtensor tensors hold NumPy arrays, not separate storage objects.

    Example:
        >>> import microtensor as mt
        >>> mt.is_storage(mt.ones(2))
        False
    """
    return False


def is_floating_point(input: Any) -> bool:  # noqa: A002
    """True if ``input``'s dtype is a floating type (float16, bfloat16, float32, float64).

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.is_floating_point(mt.ones(2)), mt.is_floating_point(mt.arange(2))
        (True, False)
    """
    return tensor_input("is_floating_point", input)._data.dtype.kind in "fV"  # V: bfloat16


def is_nonzero(input: Any) -> bool:  # noqa: A002
    """Whether a one-element tensor holds a value other than zero (``bool(input)``).

    Raises:
        RuntimeError: for an empty tensor or one with more than one element.

    Example:
        >>> import microtensor as mt
        >>> mt.is_nonzero(mt.tensor([0.0])), mt.is_nonzero(mt.tensor(3))
        (False, True)
    """
    data = tensor_input("is_nonzero", input)._data
    if data.size == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if data.size > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(data.reshape(()).item() != 0)


def numel(input: Any) -> int:  # noqa: A002
    """The number of elements of ``input``.

    Example:
        >>> import microtensor as mt
        >>> mt.numel(mt.ones(2, 3))
        6
    """
    return int(tensor_input("numel", input)._data.size)


def is_same_size(input: Any, other: Any) -> bool:  # noqa: A002
    """True if the two tensors have the same shape.

    Example:
        >>> import microtensor as mt
        >>> mt.is_same_size(mt.ones(2), mt.ones(2, 1))
        False
    """
    return tensor_input("is_same_size", input).shape == tensor_input("is_same_size", other).shape


def typename(obj: Any) -> str:
    """The type's name: ``'microtensor.FloatTensor'`` for a float32 tensor, else its class's.

    Other objects give their class's qualified name (``'int'``,
    ``'microtensor.nn.linear.Linear'``).

    Differs from PyTorch: the prefix is ``microtensor.`` where torch says ``torch.``.

    Example:
        >>> import microtensor as mt
        >>> mt.typename(mt.ones(2, dtype=mt.int64)), mt.typename(3)
        ('microtensor.LongTensor', 'int')
    """
    if isinstance(obj, Tensor):
        return "microtensor." + _TYPE_NAMES[obj._data.dtype.name]
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module in ("builtins", "__builtin__") else f"{module}.{name}"
