"""Elementwise math: exp and log families (exp2 included), roots, reciprocal, square, lerp.

Integer and bool inputs give the default float dtype, as in PyTorch. Where the derivative is
cheaper from the output (exp, sqrt ...) the output is saved instead of the input.

The other elementwise ops live in their own modules and are re-exported here, so this module
lists every elementwise function: ``trigonometric`` (sin, cos, tan, sinc, tanh, sigmoid),
``piecewise`` (abs, relu, maximum, minimum, where), ``clamp`` and ``rounding`` (sign, sgn, floor,
ceil, trunc, round).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor._out_argument import write_out
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import as_tensor_arg, promote, to_float
from microtensor.ops._pointwise import broadcast_error3, float_input, tensor_input
from microtensor.ops.clamp import clamp, clip
from microtensor.ops.piecewise import abs, absolute, maximum, minimum, relu, where
from microtensor.ops.rounding import angle, ceil, floor, frac, round, sgn, sign, trunc
from microtensor.ops.trigonometric import cos, deg2rad, rad2deg, sigmoid, sin, sinc, tan, tanh
from microtensor.tensor import Tensor

__all__ = [
    "abs",
    "absolute",
    "angle",
    "ceil",
    "clamp",
    "clip",
    "cos",
    "deg2rad",
    "exp",
    "exp2",
    "expm1",
    "floor",
    "frac",
    "lerp",
    "log",
    "log1p",
    "log2",
    "log10",
    "maximum",
    "minimum",
    "rad2deg",
    "reciprocal",
    "relu",
    "round",
    "sgn",
    "rsqrt",
    "sigmoid",
    "sign",
    "sin",
    "sinc",
    "sqrt",
    "square",
    "tan",
    "tanh",
    "trunc",
    "where",
]

_LN2, _LN10 = math.log(2.0), math.log(10.0)


class Exp(Op):
    """z = exp(a);  dz/da = z."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (z,) = ctx.saved_tensors
        return grad_out * dual.conj(z)


class Exp2(Op):
    """z = 2 ** a;  dz/da = z ln 2."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = np.exp2(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (z,) = ctx.saved_tensors
        return grad_out * dual.conj(z * _LN2)


class Expm1(Op):
    """z = exp(a) - 1, accurate near 0;  dz/da = exp(a) = z + 1."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = np.expm1(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (z,) = ctx.saved_tensors
        return grad_out * dual.conj(z + 1.0)


class Log(Op):
    """z = log(a);  dz/da = 1 / a."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad_out / dual.conj(a)


class Log1p(Op, node_name="Log1PBackward0"):
    """z = log(1 + a), accurate near 0;  dz/da = 1 / (1 + a)."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return np.log1p(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad_out / dual.conj(a + 1.0)


class Log2(Op):
    """z = log2(a);  dz/da = 1 / (a ln 2)."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return np.log2(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad_out / dual.conj(a * _LN2)


class Log10(Op):
    """z = log10(a);  dz/da = 1 / (a ln 10)."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return np.log10(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad_out / dual.conj(a * _LN10)


class Sqrt(Op):
    """z = sqrt(a);  dz/da = 1 / (2 z)."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (z,) = ctx.saved_tensors
        return grad_out / dual.conj(z * 2.0)


class Rsqrt(Op):
    """z = 1 / sqrt(a);  dz/da = -a ** -1.5 / 2 = -z**3 / 2."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = 1.0 / np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (z,) = ctx.saved_tensors
        return grad_out * dual.conj(z * z * z) * -0.5


class Reciprocal(Op):
    """z = 1 / a;  dz/da = -1 / a**2 = -z**2."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = 1.0 / a
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (z,) = ctx.saved_tensors
        return -grad_out * dual.conj(z * z)


class Square(Op, node_name="PowBackward0"):
    """z = a * a;  dz/da = 2 a (torch's square is pow(x, 2): its node is PowBackward0)."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad_out * dual.conj(a) * 2.0


class Lerp(Op):
    """z = a + w (b - a);  dz/da = 1 - w,  dz/db = w,  dz/dw = b - a."""

    complex_grad = True  # complex: the derivatives conjugated

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any, w: Any) -> Any:
        ctx.save_for_backward(a, b, w)
        diff = b - a
        # PyTorch's two-sided form: exactly a at w = 0 and exactly b at w = 1
        if isinstance(w, np.ndarray):
            return np.where(np.abs(w) < 0.5, a + w * diff, b - diff * (1.0 - w))
        small = np.abs(w) < 0.5 if isinstance(w, complex) else -0.5 < w < 0.5
        return a + w * diff if small else b - diff * (1.0 - w)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, b, w = ctx.saved_tensors
        need_a, need_b, need_w = ctx.needs_input_grad
        grad_a = grad_out * dual.conj(1.0 - w) if need_a else None
        grad_b = grad_out * dual.conj(w) if need_b else None
        grad_w = grad_out * dual.conj(b - a) if need_w else None
        return grad_a, grad_b, grad_w


class LerpTensor(Lerp, node_name="LerpBackward1"):
    """``lerp`` with a tensor weight (torch's lerp.Tensor)."""


def exp(input: Tensor, *, out: Any = None) -> Tensor:  # noqa: A002
    """``e ** input``, elementwise.

    Example:
        >>> import microtensor as mt
        >>> mt.exp(mt.tensor([0.0, 1.0]))
        tensor([1.0000, 2.7183])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, exp(input), "exp")
    return Exp.apply(float_input("exp", input))  # type: ignore[no-any-return]


def exp2(input: Tensor) -> Tensor:  # noqa: A002
    """``2 ** input``, elementwise; integers give the default float dtype.

    Example:
        >>> import microtensor as mt
        >>> mt.exp2(mt.tensor([0, 3, -1]))
        tensor([1.0000, 8.0000, 0.5000])
    """
    return Exp2.apply(float_input("exp2", input))  # type: ignore[no-any-return]


def expm1(input: Tensor) -> Tensor:  # noqa: A002
    """``exp(input) - 1``, accurate for small ``input``.

    Example:
        >>> import microtensor as mt
        >>> mt.expm1(mt.tensor([0.0, 1.0]))
        tensor([0.0000, 1.7183])
    """
    return Expm1.apply(float_input("expm1", input))  # type: ignore[no-any-return]


def log(input: Tensor, *, out: Any = None) -> Tensor:  # noqa: A002
    """Natural logarithm (nan below 0, -inf at 0).

    Example:
        >>> import microtensor as mt
        >>> mt.log(mt.tensor([1.0, 2.0]))
        tensor([0.0000, 0.6931])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, log(input), "log")
    return Log.apply(float_input("log", input))  # type: ignore[no-any-return]


def log1p(input: Tensor) -> Tensor:  # noqa: A002
    """``log(1 + input)``, accurate for small ``input``.

    Example:
        >>> import microtensor as mt
        >>> mt.log1p(mt.tensor([0.0, 1.0]))
        tensor([0.0000, 0.6931])
    """
    return Log1p.apply(float_input("log1p", input))  # type: ignore[no-any-return]


def log2(input: Tensor) -> Tensor:  # noqa: A002
    """Base-2 logarithm.

    Example:
        >>> import microtensor as mt
        >>> mt.log2(mt.tensor([1, 8]))
        tensor([0., 3.])
    """
    return Log2.apply(float_input("log2", input))  # type: ignore[no-any-return]


def log10(input: Tensor) -> Tensor:  # noqa: A002
    """Base-10 logarithm.

    Example:
        >>> import microtensor as mt
        >>> mt.log10(mt.tensor([1.0, 10.0]))
        tensor([0., 1.])
    """
    return Log10.apply(float_input("log10", input))  # type: ignore[no-any-return]


def sqrt(input: Tensor, *, out: Any = None) -> Tensor:  # noqa: A002
    """Square root (nan below 0).

    Example:
        >>> import microtensor as mt
        >>> mt.sqrt(mt.tensor([4.0, 2.0]))
        tensor([2.0000, 1.4142])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, sqrt(input), "sqrt")
    return Sqrt.apply(float_input("sqrt", input))  # type: ignore[no-any-return]


def rsqrt(input: Tensor) -> Tensor:  # noqa: A002
    """``1 / sqrt(input)``.

    Example:
        >>> import microtensor as mt
        >>> mt.rsqrt(mt.tensor([4.0, 0.25]))
        tensor([0.5000, 2.0000])
    """
    return Rsqrt.apply(float_input("rsqrt", input))  # type: ignore[no-any-return]


def reciprocal(input: Tensor) -> Tensor:  # noqa: A002
    """``1 / input``; integers give floats.

    Example:
        >>> import microtensor as mt
        >>> mt.reciprocal(mt.tensor([2, 4]))
        tensor([0.5000, 0.2500])
    """
    return Reciprocal.apply(float_input("reciprocal", input))  # type: ignore[no-any-return]


def square(input: Tensor) -> Tensor:  # noqa: A002
    """``input * input``; integers stay integers (bools become int64, as PyTorch).

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.square(mt.tensor([-3, 2]))
        tensor([9, 4])
    """
    if tensor_input("square", input)._data.dtype == np.bool_:
        input = input.to("int64")
    return Square.apply(input)  # type: ignore[no-any-return]


def lerp(input: Tensor, end: Any, weight: Any) -> Tensor:  # noqa: A002
    """Linear interpolation ``input + weight * (end - input)``, broadcasting all three.

    Differs from PyTorch: mixed dtypes are promoted (PyTorch requires equal dtypes) and
    integer tensors are converted to the default float dtype (PyTorch raises).

    Args:
        input: the start points.
        end: the end points (a tensor or number).
        weight: a number or a tensor; 0 gives ``input`` and 1 gives ``end`` exactly.

    Raises:
        TypeError: if ``input`` is not a Tensor.
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.lerp(mt.tensor([0.0, 10.0]), mt.tensor([10.0, 20.0]), 0.25)
        tensor([ 2.5000, 12.5000])
    """
    input, end = promote(float_input("lerp", input), to_float(as_tensor_arg(end)))
    weight = as_tensor_arg(weight)
    if isinstance(weight, Tensor):
        input, weight = promote(input, to_float(weight))
        input, end = promote(input, end)
    op = LerpTensor if isinstance(weight, Tensor) else Lerp
    try:
        return op.apply(input, end, weight)  # type: ignore[no-any-return]
    except ValueError:
        raise broadcast_error3("lerp", input, end, weight) from None
