"""Which NumPy ufuncs map to microtensor ops, so ``ndarray * tensor`` stays differentiable."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor import dtypes, ops
from microtensor.tensor import Tensor

_NAMES = {
    np.add: "add",
    np.subtract: "sub",
    np.multiply: "mul",
    np.true_divide: "div",
    np.floor_divide: "floor_divide",
    np.remainder: "remainder",
    np.power: "pow",
    np.matmul: "matmul",
    np.equal: "eq",
    np.not_equal: "ne",
    np.less: "lt",
    np.less_equal: "le",
    np.greater: "gt",
    np.greater_equal: "ge",
    np.negative: "neg",
    np.maximum: "maximum",
    np.minimum: "minimum",
    np.fmax: "fmax",
    np.fmin: "fmin",
    np.copysign: "copysign",
}


def ufunc_op(ufunc: Any) -> Callable[..., Any] | None:
    """The microtensor op for a NumPy ufunc call on tensors, or None to fall back to NumPy."""
    name = _NAMES.get(ufunc)
    op = None if name is None else getattr(ops, name, None)
    return None if op is None else functools.partial(_numbers_as_tensors, op)


def _numbers_as_tensors(op: Callable[..., Any], *args: Any) -> Any:
    """``op(*args)`` with Python numbers as 0-d tensors of the result dtype.

    NumPy's ufuncs take a number for any operand, where PyTorch's ``eq`` or ``maximum`` take
    tensors only; a 0-d tensor of the dtype the number would have promoted to gives the
    same result (and dtype) as the weak number.
    """
    tensors = [a._data for a in args if isinstance(a, Tensor)]
    if len(tensors) != 1 or all(isinstance(a, Tensor | np.ndarray) for a in args):
        return op(*args)
    converted = [
        Tensor._make(np.asarray(a, dtypes.result_type(tensors[0], a)))
        if isinstance(a, bool | int | float)
        else a
        for a in args
    ]
    return op(*converted)
