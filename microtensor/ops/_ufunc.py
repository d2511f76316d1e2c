"""Which NumPy ufuncs map to microtensor ops, so ``ndarray * tensor`` stays differentiable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor import ops

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
    return None if name is None else getattr(ops, name, None)
