"""clamp (clip), clamp_min, clamp_max: limiting each element to a range.

The derivative is a mask: the gradient passes to ``input`` inside the range (bounds included,
PyTorch's choice at the kinks) and to a tensor bound where that bound was taken. Each overload
records torch's own node (ClampBackward0/1, ClampMinBackward0/1, ClampMaxBackward0/1). The bounds
take part in type promotion as torch's clamp does. Re-exported by ``elementwise.py``.
"""

from __future__ import annotations

from functools import reduce
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._out_argument import write_out
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import as_tensor_arg, values
from microtensor.ops._pointwise import broadcast_error3, refuse_complex, tensor_input
from microtensor.tensor import Tensor

__all__ = ["clamp", "clamp_max", "clamp_min", "clip"]


class Clamp(Op):
    """z = min(max(a, lo), hi);  dz/da = 1 for lo <= a <= hi (bounds included).

    dz/dlo = 1 where a < lo < hi;  dz/dhi = 1 where a > hi or hi < lo (z = hi when lo > hi).
    """

    _listed: tuple[int, ...] | None = (0, 1, 2)  # clamp.Tensor lists both bounds, None too

    @staticmethod
    def forward(ctx: Any, a: Any, lo: Any, hi: Any) -> Any:
        ctx.save_for_backward(a, lo, hi)
        return np.clip(a, lo, hi)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, lo, hi = (values(v) for v in ctx.saved_tensors)
        need_a, need_lo, need_hi = ctx.needs_input_grad
        grad_a = grad_lo = grad_hi = None
        if need_a:
            inside = a <= hi if lo is None else a >= lo if hi is None else (a >= lo) & (a <= hi)
            grad_a = dual.where(inside, grad_out, 0.0)
        if need_lo:
            below = a < lo if hi is None else (a < lo) & (lo < hi)
            grad_lo = dual.where(below, grad_out, 0.0)
        if need_hi:
            above = a > hi if lo is None else (a > hi) | (hi < lo)
            grad_hi = dual.where(above, grad_out, 0.0)
        return grad_a, grad_lo, grad_hi


# Clamp itself is torch's clamp.Tensor (ClampBackward0); the number overloads' nodes list only
# the input in next_functions.
class ClampScalar(Clamp, node_name="ClampBackward1"):
    """``clamp`` with number bounds."""

    _listed = None


class ClampMinScalar(Clamp, node_name="ClampMinBackward0"):
    """``clamp_min`` with a number."""

    _listed = None


class ClampMin(Clamp, node_name="ClampMinBackward1"):
    """``clamp_min`` with a tensor."""

    _listed = (0, 1)


class ClampMaxScalar(Clamp, node_name="ClampMaxBackward0"):
    """``clamp_max`` with a number."""

    _listed = None


class ClampMax(Clamp, node_name="ClampMaxBackward1"):
    """``clamp_max`` with a tensor."""

    _listed = (0, 2)


def _promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """The common dtype of two tensors with dims, by ``dtypes.result_type``'s rules."""
    return dtypes.result_type(np.empty(1, a), np.empty(1, b))


def _common_dtype(*operands: Any) -> np.dtype:
    """PyTorch's result dtype of several operands (Tensors, Python scalars, or None).

    Tensors with dims promote among themselves, then 0-d tensors, then scalars; a later group
    only wins with a higher category (bool < integer < float), as in ``dtypes.result_type``.
    """
    result: Any = None
    for wanted_ndim in (True, False):
        group = [
            v._data.dtype
            for v in operands
            if isinstance(v, Tensor) and bool(v._data.ndim) == wanted_ndim
        ]
        if group:
            dtype = reduce(_promote_types, group)
            result = (
                dtype
                if result is None
                else dtypes.result_type(np.empty(1, result), np.empty((), dtype))
            )
    for v in operands:
        if v is not None and not isinstance(v, Tensor):
            result = dtypes.result_type(np.empty(1, result), v)
    return np.dtype(result)


def clamp(input: Tensor, min: Any = None, max: Any = None, *, out: Any = None) -> Tensor:  # noqa: A002
    """Limit each element to ``[min, max]``; the bounds may be numbers or tensors (broadcast).

    The gradient passes to ``input`` where ``min <= input <= max`` (bounds included), to
    ``min`` where ``input < min`` and to ``max`` where ``input > max``. If ``min > max`` the
    result is ``max``.

    Args:
        input: the tensor.
        min: lower bound, or None for none.
        max: upper bound, or None for none.
        out: a tensor to write the result into, as torch's ``out=`` (no graph).

    Raises:
        RuntimeError: if both bounds are None, or if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.clamp(mt.tensor([-2.0, 0.5, 3.0]), min=0.0, max=1.0)
        tensor([0.0000, 0.5000, 1.0000])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, clamp(input, min, max), "clamp")
    return _clamp(input, min, max, Clamp, ClampScalar)


def _clamp(input: Tensor, min: Any, max: Any, op: type[Clamp], scalar_op: type[Clamp]) -> Tensor:  # noqa: A002
    """``clamp`` recorded as ``op``, or ``scalar_op`` when no bound is a tensor."""
    if min is None and max is None:
        raise RuntimeError("clamp(): at least one of 'min' or 'max' must not be None")
    refuse_complex(input, "clamp is not supported for complex types")
    lo = None if min is None else as_tensor_arg(min)
    hi = None if max is None else as_tensor_arg(max)
    target = _common_dtype(tensor_input("clamp", input), lo, hi)
    x, lo, hi = (v.to(target) if isinstance(v, Tensor) else v for v in (input, lo, hi))
    if not isinstance(lo, Tensor) and not isinstance(hi, Tensor):
        op = scalar_op
    try:
        return op.apply(x, lo, hi)  # type: ignore[no-any-return]
    except ValueError:
        raise broadcast_error3("clamp", x, lo, hi) from None


clip = clamp


def clamp_min(input: Tensor, min: Any) -> Tensor:  # noqa: A002
    """``clamp(input, min=min)``.

    Example:
        >>> import microtensor as mt
        >>> mt.clamp_min(mt.tensor([-1.0, 2.0]), 0.0)
        tensor([0., 2.])
    """
    return _clamp(input, min, None, ClampMin, ClampMinScalar)


def clamp_max(input: Tensor, max: Any) -> Tensor:  # noqa: A002
    """``clamp(input, max=max)``.

    Example:
        >>> import microtensor as mt
        >>> mt.clamp_max(mt.tensor([-1.0, 2.0]), 0.0)
        tensor([-1.,  0.])
    """
    return _clamp(input, None, max, ClampMax, ClampMaxScalar)
