"""``promote_types``, ``result_type`` and ``can_cast``: PyTorch's type-promotion rules as functions.

The rules themselves live in ``microtensor.dtypes.result_type`` (used by every binary op);
these are the public questions a user asks of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.tensor import Tensor

__all__ = ["can_cast", "promote_types", "result_type"]


def promote_types(type1: Any, type2: Any) -> dtypes.dtype:
    """The smallest dtype to which both ``type1`` and ``type2`` convert without losing range.

    Example:
        >>> import microtensor as mt
        >>> mt.promote_types(mt.int32, mt.float16)
        microtensor.float16
        >>> mt.promote_types(mt.uint8, mt.int8)
        microtensor.int16
    """
    a, b = dtypes.to_dtype(type1), dtypes.to_dtype(type2)
    return dtypes.from_numpy_dtype(dtypes.result_type(np.empty(1, a.numpy), np.empty(1, b.numpy)))


def result_type(tensor1: Any, tensor2: Any) -> dtypes.dtype:
    """The dtype of an arithmetic op on ``tensor1`` and ``tensor2`` (tensors or numbers).

    Numbers are "weak" (they raise the category, never the width), and a 0-d tensor loses to a
    tensor with dimensions of the same category, as in every binary op.

    Example:
        >>> import microtensor as mt
        >>> mt.result_type(mt.tensor([1, 2], dtype=mt.int32), 2.5)
        microtensor.float32
        >>> mt.result_type(mt.tensor(1.0, dtype=mt.float64), mt.ones(2))
        microtensor.float32
    """
    a, b = _operand(tensor1), _operand(tensor2)
    if not isinstance(a, np.ndarray) and not isinstance(b, np.ndarray):
        kind = max(dtypes._scalar_category(a), dtypes._scalar_category(b))
        if kind == 3:
            return dtypes.from_numpy_dtype(dtypes.default_complex())
        return (dtypes.bool, dtypes.int64, dtypes.get_default_dtype())[kind]
    return dtypes.from_numpy_dtype(dtypes.result_type(a, b))


def can_cast(from_: Any, to: Any) -> bool:
    """Whether PyTorch's casting rules allow ``from_`` -> ``to`` in ops with an ``out=``.

    A cast may not lower the category: floating to integer and non-bool to bool are refused.

    Example:
        >>> import microtensor as mt
        >>> mt.can_cast(mt.float64, mt.float32), mt.can_cast(mt.float32, mt.int32)
        (True, False)
    """
    a, b = dtypes.to_dtype(from_), dtypes.to_dtype(to)
    return dtypes._CATEGORY[a.numpy.kind] <= dtypes._CATEGORY[b.numpy.kind]


def _operand(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, bool | int | float | complex | np.number | np.bool_):
        return x
    raise TypeError(f"result_type(): expected a Tensor or a number, got {type(x).__name__}")
