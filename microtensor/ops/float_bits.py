"""Floating-point representation: frexp, ldexp, copysign, signbit, nextafter.

Ops on the sign, exponent and neighbours of a floating-point number, with PyTorch's dtype
rules: frexp and nextafter accept only floating tensors; ldexp and copysign turn integers into
the default float dtype.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import values
from microtensor.ops._pointwise import (
    apply_binary,
    check_numbers,
    float_pair,
    tensor_input,
    tensor_pair,
    zeros_like,
)
from microtensor.tensor import Tensor

__all__ = ["copysign", "frexp", "ldexp", "nextafter", "signbit"]


class FrexpResult(NamedTuple):
    """``(mantissa, exponent)`` from ``frexp``, as ``torch.return_types.frexp``."""

    mantissa: Tensor
    exponent: Tensor

    def __repr__(self) -> str:
        return f"microtensor.return_types.frexp(\nmantissa={self[0]!r},\nexponent={self[1]!r})"


class Frexp(Op):
    """(m, e) with a = m 2^e, 0.5 <= |m| < 1 (or m = 0);  dm/da = 1 / 2^e, e has no gradient."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        mantissa, exponent = np.frexp(a)
        exponent = exponent.astype(np.int32, copy=False)
        # PyTorch divides by 2^e (2^-e would overflow for subnormal a; 2^1024 is inf, giving 0)
        with np.errstate(over="ignore"):
            ctx.power = np.ldexp(np.ones_like(a), exponent)
        ctx.mark_non_differentiable(exponent)
        return np.asarray(mantissa), np.asarray(exponent)

    @staticmethod
    def backward(ctx: Any, grad_mantissa: Any, grad_exponent: Any) -> Any:
        return grad_mantissa / ctx.power


class Copysign(Op):
    """z = |a| with the sign of b;  dz/da = z / a (0 at a = 0),  dz/db = 0."""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        out = np.asarray(np.copysign(a, b))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, z = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = None
        if need_a:
            # PyTorch's z / a with 0 at a = 0, from the graph's values (so it differentiates)
            at_zero = values(a) == 0
            safe = dual.where(at_zero, 1.0, a) if at_zero.any() else a
            ratio = z / safe
            grad_a = grad_out * (dual.where(at_zero, 0.0, ratio) if at_zero.any() else ratio)
        return grad_a, zeros_like(grad_out) if need_b else None


class Nextafter(Op):
    """z = the next floating-point number after a towards b.

    PyTorch's derivatives: dz/da = 1 where a != b (a one-ulp step), 0 where a = b (z = a is
    flat there); dz/db = 0.
    """

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.moved = a != b
        return np.asarray(np.nextafter(a, b))

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        need_a, need_b = ctx.needs_input_grad
        grad_a = dual.where(ctx.moved, grad_out, 0.0) if need_a else None
        return grad_a, (zeros_like(grad_out) if need_b else None)


def frexp(input: Tensor) -> FrexpResult:  # noqa: A002
    """Split each element into a mantissa in ``[0.5, 1)`` (by magnitude) and a power of two.

    ``input = mantissa * 2 ** exponent``; the exponent is int32, and the mantissa gets the
    gradient ``1 / 2 ** exponent``.

    Raises:
        TypeError: if ``input`` is not a Tensor.
        RuntimeError: if ``input`` is not a floating tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.frexp(mt.tensor([8.0, -0.75, 0.0]))
        microtensor.return_types.frexp(
        mantissa=tensor([ 0.5000, -0.7500,  0.0000]),
        exponent=tensor([4, 0, 0], dtype=microtensor.int32))
    """
    x = tensor_input("frexp", input)
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            f"torch.frexp() only supports floating-point dtypes, got {x.dtype}: convert with "
            ".float() first"
        )
    mantissa, exponent = Frexp.apply(x)
    return FrexpResult(mantissa, exponent)


def ldexp(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input * 2 ** other``, in a floating dtype (integers give the default float dtype).

    Raises:
        TypeError: if neither argument is a Tensor.
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.ldexp(mt.tensor([1.0, 3.0]), mt.tensor([3, -1]))
        tensor([8.0000, 1.5000])
    """
    check_numbers("ldexp", input, other, "neither")
    x, e = float_pair("ldexp", input, other)
    return x * 2.0**e  # type: ignore[no-any-return]


def copysign(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``|input|`` with the sign of ``other`` (the sign bit: -0.0 counts as negative).

    Integers give the default float dtype. The gradient flows to ``input`` only.

    Raises:
        TypeError: if neither argument is a Tensor.
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.copysign(mt.tensor([1.0, -2.0, 3.0]), mt.tensor([-1.0, 1.0, -0.0]))
        tensor([-1.,  2., -3.])
    """
    check_numbers("copysign", input, other, "other")
    a, b = float_pair("copysign", input, other)
    return apply_binary(Copysign, "copysign", a, b)


def nextafter(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """The next floating-point value after ``input`` in the direction of ``other``.

    Raises:
        TypeError: if an argument is not a Tensor.
        NotImplementedError: for integer or bool tensors.
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> one = mt.tensor([1.0], dtype=mt.float64)
        >>> (mt.nextafter(one, mt.tensor([2.0], dtype=mt.float64)) - one).item()
        2.220446049250313e-16
    """
    for name, value in (("input", input), ("other", other)):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"nextafter(): argument '{name}' must be Tensor, not {type(value).__name__}"
            )
    a, b = tensor_pair("nextafter", input, other)
    if a._data.dtype.kind != "f":
        raise NotImplementedError(
            f"nextafter(): not implemented for {a.dtype}: it takes floating tensors; convert "
            "with .float() or .double() first"
        )
    return apply_binary(Nextafter, "nextafter", a, b)


def signbit(input: Tensor) -> Tensor:  # noqa: A002
    """True where the sign bit is set: negative numbers, -0.0 and -inf (a bool tensor).

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.signbit(mt.tensor([-1.0, -0.0, 0.0, 2.0]))
        tensor([ True,  True, False, False])
    """
    return Tensor._make(np.signbit(tensor_input("signbit", input)._data))
