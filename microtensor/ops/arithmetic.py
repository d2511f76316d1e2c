"""Arithmetic: add, sub, mul, div, neg, hypot, addcmul, addcdiv ... (powers are in ``power.py``).

Backward formulas return gradients shaped like the output; the engine sums them back to each
input's shape (broadcasting) with ``sum_to_shape``.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from microtensor._out_argument import write_out
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import binary, promote, to_float
from microtensor.ops._pointwise import check_numbers
from microtensor.ops.division import DivFloor, DivTrunc
from microtensor.ops.elementwise import reciprocal
from microtensor.tensor import Tensor

__all__ = [
    "add",
    "addcdiv",
    "addcmul",
    "div",
    "divide",
    "hypot",
    "mul",
    "multiply",
    "neg",
    "negative",
    "positive",
    "rsub",
    "sub",
    "subtract",
    "true_divide",
]


_BOOLS = (bool, np.bool_)


class Add(Op):
    """z = a + b;  dz/da = 1,  dz/db = 1."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    _listed = (0, 1)  # torch wraps a number operand as a tensor: (None, 0) for it
    _reflected = True  # 2 + x is recorded as x + 2, as torch's

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        return a + b

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return grad_out, grad_out


class Rsub(Op, node_name="RsubBackward1"):
    """z = b - a for a number b (``1 - x``, torch's rsub.Scalar);  dz/da = -1."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        return b - a

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return -grad_out, None


class Sub(Op):
    """z = a - b;  dz/da = 1,  dz/db = -1."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    _listed = (0, 1)  # torch wraps a number operand as a tensor: (None, 0) for it
    _reflected = Rsub  # 1 - x is recorded as rsub(x, 1), as torch's

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        return a - b

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return grad_out, -grad_out if ctx.needs_input_grad[1] else None


class Mul(Op):
    """z = a * b;  dz/da = b,  dz/db = a (conjugated for complex: grad_a = grad * conj(b))."""

    complex_grad = True

    _listed = (0, 1)  # torch wraps a number operand as a tensor: (None, 0) for it
    _reflected = True  # 2 * x is recorded as x * 2, as torch's

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        return a * b

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, b = ctx.saved_tensors
        grad_a = grad_out * dual.conj(b) if ctx.needs_input_grad[0] else None
        grad_b = grad_out * dual.conj(a) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Div(Op):
    """z = a / b;  dz/da = 1 / b,  dz/db = -a / b**2 = -z / b (conjugated for complex)."""

    complex_grad = True

    _listed = (0, 1)  # torch wraps a number operand as a tensor: (None, 0) for it

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        return a / b

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, b = ctx.saved_tensors
        grad_a = grad_out / dual.conj(b) if ctx.needs_input_grad[0] else None
        grad_b = -grad_out * dual.conj(a / (b * b)) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Neg(Op):
    """z = -a;  dz/da = -1."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        return -a

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return -grad_out


class Hypot(Op):
    """z = sqrt(a^2 + b^2), without overflow;  dz/da = a / z,  dz/db = b / z."""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        out = np.hypot(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, b, z = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad_out * a / z if need_a else None), (grad_out * b / z if need_b else None)


def add(input: Any, other: Any, *, alpha: Any = 1, out: Any = None) -> Tensor:  # noqa: A002
    """``input + alpha * other``, broadcasting.

    Args:
        input: a tensor (or number).
        other: a tensor or number.
        alpha: multiplier for ``other``.
        out: a tensor to write the result into, as torch's ``out=`` (no graph).

    Raises:
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.add(mt.tensor([1.0, 2.0]), 1.5)
        tensor([2.5000, 3.5000])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, add(input, other, alpha=alpha), "add")
    if alpha != 1:
        other = mul(other, alpha)
    return binary(Add, "add", input, other)


def sub(input: Any, other: Any, *, alpha: Any = 1, out: Any = None) -> Tensor:  # noqa: A002
    """``input - alpha * other``, broadcasting.

    Raises:
        RuntimeError: if the shapes do not broadcast, or for bool tensors (use logical ops).

    Example:
        >>> import microtensor as mt
        >>> mt.sub(mt.tensor([1.0, 2.0]), mt.tensor([0.5, 0.5]))
        tensor([0.5000, 1.5000])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, sub(input, other, alpha=alpha), "sub")
    if alpha != 1:
        other = mul(other, alpha)
    for x in (input, other):
        if isinstance(x, _BOOLS) or isinstance(x, Tensor) and x._data.dtype == np.bool_:
            raise RuntimeError(
                "Subtraction, the `-` operator, with a bool tensor is not supported. If you "
                "are trying to invert a mask, use the `~` or `logical_not()` operator instead."
            )
    return binary(Sub, "sub", input, other)


subtract = sub


def mul(input: Any, other: Any, *, out: Any = None) -> Tensor:  # noqa: A002
    """``input * other`` elementwise, broadcasting.

    Raises:
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.mul(mt.tensor([1.0, 2.0]), 3)
        tensor([3., 6.])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, mul(input, other), "mul")
    return binary(Mul, "mul", input, other)


multiply = mul


def div(input: Any, other: Any, *, rounding_mode: str | None = None, out: Any = None) -> Tensor:  # noqa: A002
    """``input / other`` (true division: integers give floats), broadcasting.

    Args:
        input: dividend.
        other: divisor.
        rounding_mode: None (true division), ``"trunc"`` or ``"floor"``.
        out: a tensor to write the result into, as torch's ``out=`` (no graph).

    Raises:
        RuntimeError: if the shapes do not broadcast.
        ValueError: for an unknown ``rounding_mode``.

    Example:
        >>> import microtensor as mt
        >>> mt.div(mt.tensor([1, 2]), 4)
        tensor([0.2500, 0.5000])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, div(input, other, rounding_mode=rounding_mode), "div")
    if rounding_mode == "floor":
        return binary(DivFloor, "div", input, other)
    if rounding_mode == "trunc":
        return binary(DivTrunc, "div", input, other)
    if rounding_mode is not None:
        raise ValueError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{rounding_mode}'"
        )
    if (
        isinstance(input, Tensor)
        and input._data.dtype.kind in "fV"
        and other.__class__ is builtins.float
    ):
        return binary(Div, "div", input, other)  # the common case: no promotion to decide
    input, other = promote(input, other)
    if not isinstance(input, Tensor) and isinstance(other, Tensor):  # 2 / x, as torch: 2 * (1 / x)
        return binary(Mul, "div", reciprocal(other), to_float(input))
    return binary(Div, "div", to_float(input), to_float(other))


divide = true_divide = div


def neg(input: Tensor, *, out: Any = None) -> Tensor:  # noqa: A002
    """``-input``.

    Raises:
        RuntimeError: for a bool tensor (as PyTorch: invert a mask with ``~``).

    Example:
        >>> import microtensor as mt
        >>> mt.neg(mt.tensor([1.0, -2.0]))
        tensor([-1.,  2.])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, neg(input), "neg")
    if input._data.dtype == np.bool_:
        raise RuntimeError(
            "neg(): Negation, the `-` operator, on a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return Neg.apply(input)  # type: ignore[no-any-return]


negative = neg


def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:  # noqa: A002
    """``input + value * tensor1 * tensor2``.

    Example:
        >>> import microtensor as mt
        >>> mt.addcmul(mt.zeros(2), mt.tensor([1.0, 2.0]), mt.tensor([3.0, 4.0]), value=0.5)
        tensor([1.5000, 4.0000])
    """
    return add(input, mul(tensor1, tensor2), alpha=value)


def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:  # noqa: A002
    """``input + value * tensor1 / tensor2``.

    Example:
        >>> import microtensor as mt
        >>> mt.addcdiv(mt.zeros(2), mt.tensor([1.0, 2.0]), mt.tensor([4.0, 4.0]))
        tensor([0.2500, 0.5000])
    """
    return add(input, div(tensor1, tensor2), alpha=value)


def hypot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The hypotenuse ``sqrt(input**2 + other**2)``, without overflow or underflow.

    Raises:
        TypeError: if an argument is not a Tensor.
        NotImplementedError: for integer or bool tensors (as PyTorch).
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.hypot(mt.tensor([3.0, 5.0]), mt.tensor([4.0, 12.0]))
        tensor([ 5., 13.])
    """
    for name, value in (("input", input), ("other", other)):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"hypot(): argument '{name}' must be Tensor, not {type(value).__name__}"
            )
    a, b = promote(input, other)
    if a._data.dtype.kind not in "fV":
        raise NotImplementedError(
            f"hypot(): not implemented for {a.dtype} tensors; convert with .float() first"
        )
    return binary(Hypot, "hypot", a, b)


def positive(input: Tensor) -> Tensor:  # noqa: A002
    """``+input``: the input itself (the same tensor, as in PyTorch).

    Raises:
        RuntimeError: for bool tensors, as PyTorch.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([-1.0, 2.0])
        >>> mt.positive(x) is x
        True
    """
    if isinstance(input, Tensor) and input._data.dtype == np.bool_:
        raise RuntimeError(
            "The `+` operator, on a bool tensor is not supported: convert with .int() first"
        )
    if not isinstance(input, Tensor):
        raise TypeError(f"positive(): argument 'input' must be Tensor, not {type(input).__name__}")
    return input


def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``other - alpha * input``: ``sub`` with the operands swapped.

    Example:
        >>> import microtensor as mt
        >>> mt.rsub(mt.tensor([1.0, 2.0]), mt.tensor([5.0, 5.0]), alpha=2)
        tensor([3., 1.])
    """
    check_numbers("rsub", input, other, "other")
    return sub(other, input, alpha=alpha)
