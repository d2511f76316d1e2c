"""Arithmetic: add, sub, mul, div, neg, pow, float_power, hypot, addcmul ...

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
from microtensor.ops._common import as_tensor_arg, binary, promote, to_float, values
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
    "float_power",
    "hypot",
    "mul",
    "multiply",
    "neg",
    "negative",
    "positive",
    "pow",
    "rsub",
    "sub",
    "subtract",
    "true_divide",
]


_BOOLS = (bool, np.bool_)
_TENSOR_OR_INT = (Tensor, int)


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


class Pow(Op):
    """z = a ** b;  dz/da = b * a ** (b - 1),  dz/db = z * log(a).

    PyTorch's conventions at the edges: dz/da is 0 where b == 0 (even at a == 0), and dz/db is
    0 where a == 0 and b >= 0 (instead of 0 * log(0) = nan). Complex: both conjugated.
    """

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, b, out = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = dual.where(values(b) == 0, 0.0, grad_out * dual.conj(b * a ** (b - 1)))
        if ctx.needs_input_grad[1] and isinstance(a, builtins.float | builtins.int) and a != 0:
            # a number base: log(a) is a Python number, which keeps the gradient's dtype
            # (complex for a negative base of a complex power: log|a| + i pi)
            with np.errstate(invalid="ignore"):
                if a < 0 and values(out).dtype.kind == "c":
                    log_a: Any = np.log(builtins.complex(a))
                else:
                    log_a = builtins.float(np.log(builtins.float(a)))  # type: ignore[arg-type]
                grad_b = grad_out * dual.conj(out * log_a)
        elif ctx.needs_input_grad[1]:
            a_values = values(a)
            safe_a = dual.where(a_values == 0, 1.0, a)  # log(0) would give 0 * -inf = nan
            grad_b = dual.where(
                (a_values == 0) & (values(b) >= 0),
                0.0,
                grad_out * dual.conj(out * dual.log(safe_a)),
            )
        return grad_a, grad_b


# Pow itself is torch's pow.Tensor_Scalar (x ** 2): PowBackward0 lists the base only.
class PowTensor(Pow, node_name="PowBackward1"):
    """``x ** y`` of two tensors."""


class PowScalarBase(Pow, node_name="PowBackward2"):
    """``2 ** x``: a number base (next_functions lists the exponent only)."""


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


def pow(input: Any, exponent: Any, *, out: Any = None) -> Tensor:  # noqa: A001, A002
    """``input ** exponent``, elementwise; either may be a number.

    Raises:
        RuntimeError: if the shapes do not broadcast, or for integers to negative integer
            powers.

    Example:
        >>> import microtensor as mt
        >>> mt.pow(mt.tensor([2.0, 3.0]), 2)
        tensor([4., 9.])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, pow(input, exponent), "pow")
    check_numbers("pow", input, exponent, "either")
    input, exponent = as_tensor_arg(input), as_tensor_arg(exponent)
    base_int = not isinstance(input, Tensor) or input._data.dtype.kind in "iub"
    exp_int = not isinstance(exponent, Tensor) or exponent._data.dtype.kind in "iub"
    if (
        base_int
        and exp_int
        and isinstance(input, _TENSOR_OR_INT)
        and np.any(np.asarray(exponent._data if isinstance(exponent, Tensor) else exponent) < 0)
    ):
        raise RuntimeError(
            "pow(): integers to negative integer powers are not allowed; "
            "convert the base to float first"
        )
    op = (
        Pow
        if not isinstance(exponent, Tensor)
        else PowTensor
        if isinstance(input, Tensor)
        else PowScalarBase
    )
    return binary(op, "pow", input, exponent)


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


def float_power(input: Any, exponent: Any) -> Tensor:  # noqa: A002
    """``input ** exponent`` in double precision: float64, or complex128 if either is complex.

    Either argument may be a number (at least one is a Tensor); gradients flow back to each
    tensor in its own dtype.

    Raises:
        TypeError: if neither argument is a Tensor.
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.float_power(mt.tensor([2, 3]), 2)
        tensor([4., 9.], dtype=microtensor.float64)
    """
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(
            f"float_power(): expected a Tensor argument, got {type(input).__name__} and "
            f"{type(exponent).__name__}; wrap a number in microtensor.tensor(...)"
        )
    is_complex = any(
        v._data.dtype.kind == "c" if isinstance(v, Tensor) else isinstance(v, complex)
        for v in (input, exponent)
    )
    dtype, number = ("complex128", complex) if is_complex else ("float64", float)
    base, power = (
        v.to(dtype) if isinstance(v, Tensor) else number(as_tensor_arg(v))
        for v in (input, exponent)
    )
    return binary(Pow, "float_power", base, power)


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
