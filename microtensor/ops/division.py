"""Division with rounding: floor_divide, remainder, fmod, and div's rounding modes.

Each rounds the quotient a / b (floor or toward zero) or keeps what is left over; the rounded
quotient is piecewise constant, so its gradient is zero almost everywhere. Integer division by
zero raises, as torch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops._common import binary
from microtensor.ops._pointwise import check_numbers, refuse_complex
from microtensor.tensor import Tensor

__all__ = ["floor_divide", "fmod", "remainder"]


class Remainder(Op):
    """z = a - floor(a / b) * b (sign of b, Python's %);  dz/da = 1,  dz/db = -floor(a / b)."""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        _check_integer_divisor(a, b, "remainder")
        ctx.save_for_backward(np.floor_divide(a, b))
        return np.remainder(a, b)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (quotient,) = ctx.saved_tensors
        return grad_out, -grad_out * quotient if ctx.needs_input_grad[1] else None


class Fmod(Op):
    """z = a - trunc(a / b) * b (sign of a, C's fmod);  dz/da = 1,  dz/db = -trunc(a / b)."""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        _check_integer_divisor(a, b, "fmod")
        ctx.save_for_backward(np.trunc(np.true_divide(a, b)))
        return np.fmod(a, b)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (quotient,) = ctx.saved_tensors
        return grad_out, -grad_out * quotient if ctx.needs_input_grad[1] else None


class FloorDivide(Op):
    """z = floor(a / b): piecewise constant, so its gradient is zero almost everywhere."""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        _check_integer_divisor(a, b, "floor_divide")
        return np.floor_divide(a, b)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return grad_out * 0, grad_out * 0


class DivFloor(FloorDivide, node_name="DivBackward2"):
    """``div(rounding_mode="floor")`` (torch's div.Tensor_mode)."""


class DivTrunc(Op, node_name="DivBackward2"):
    """``div(rounding_mode="trunc")``: z = trunc(a / b), so its gradient is zero almost everywhere.

    Integers divide as C does (the quotient rounded toward zero) and stay integers, as torch's.
    """

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        if np.result_type(a, b).kind not in "iub":
            return np.trunc(np.true_divide(a, b))
        _check_integer_divisor(a, b, "div")
        floor = np.floor_divide(a, b)  # one less than trunc where the signs differ and b ∤ a
        return floor + ((np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0)))

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return grad_out * 0, grad_out * 0


def _check_integer_divisor(a: Any, b: Any, op: str) -> None:
    """Refuse an integer division by zero, as torch does (NumPy would give 0 and a warning)."""
    if np.result_type(a, b).kind in "iub" and not np.all(b):
        raise RuntimeError(
            f"ZeroDivisionError: {op}() divided integers by zero (a divisor is 0): integer "
            "results have no inf or nan; make the divisors nonzero or divide floating-point "
            "tensors"
        )


def _refuse_complex(kernel: str, input: Any, other: Any) -> None:  # noqa: A002
    for x in (input, other):
        refuse_complex(x, f"\"{kernel}\" not implemented for '{{}}'")


def floor_divide(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``floor(input / other)`` elementwise (gradient zero).

    Example:
        >>> import microtensor as mt
        >>> mt.floor_divide(mt.tensor([7, -7]), 2)
        tensor([ 3, -4])
    """
    _refuse_complex("div_floor_cpu", input, other)
    return binary(FloorDivide, "floor_divide", input, other)


def remainder(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Python's modulus ``input % other``: the result has the sign of ``other``.

    Example:
        >>> import microtensor as mt
        >>> mt.remainder(mt.tensor([-3.0, 3.0]), 2)
        tensor([1., 1.])
    """
    check_numbers("remainder", input, other, "either")
    _refuse_complex("remainder_cpu", input, other)
    return binary(Remainder, "remainder", input, other)


def fmod(input: Any, other: Any) -> Tensor:  # noqa: A002
    """C's ``fmod``: the remainder has the sign of ``input``.

    Example:
        >>> import microtensor as mt
        >>> mt.fmod(mt.tensor([-3.0, 3.0]), 2)
        tensor([-1.,  1.])
    """
    check_numbers("fmod", input, other, "other")
    _refuse_complex("fmod_cpu", input, other)
    return binary(Fmod, "fmod", input, other)
