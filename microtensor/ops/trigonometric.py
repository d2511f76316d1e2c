"""Trigonometric and hyperbolic functions: sin, cos, tan, sinc, tanh, and sigmoid (a scaled tanh).

Integer and bool inputs give the default float dtype, as in PyTorch. tan, tanh and sigmoid save
their output, from which the derivative is cheapest.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor._out_argument import write_out
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import values
from microtensor.ops._pointwise import float_input
from microtensor.tensor import Tensor

__all__ = ["cos", "deg2rad", "rad2deg", "sigmoid", "sin", "sinc", "tan", "tanh"]


class Sin(Op):
    """z = sin(a);  dz/da = cos(a)."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad_out * dual.conj(dual.cos(a))


class Cos(Op):
    """z = cos(a);  dz/da = -sin(a)."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return -grad_out * dual.conj(dual.sin(a))


class Sinc(Op):
    """z = sin(pi a) / (pi a), 1 at a = 0;  dz/da = (pi a cos(pi a) - sin(pi a)) / (pi a^2).

    The derivative is 0 at a = 0 (its limit), as in PyTorch. Differs from PyTorch: the second
    derivative at exactly a = 0 is 0 (PyTorch gives nan; the true value is -pi^2 / 3).
    """

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return np.sinc(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        raw = values(a)
        # PyTorch's mask: where pi a^2 underflows to 0 (a = 0 and |a| < 1e-162), the slope is 0
        at_zero = raw * raw * math.pi == 0
        safe = dual.where(at_zero, 1.0, a) if at_zero.any() else a
        pi_a = safe * math.pi
        slope = (pi_a * dual.cos(pi_a) - dual.sin(pi_a)) / (safe * pi_a)
        grad = grad_out * dual.conj(slope)
        return dual.where(at_zero, 0.0, grad) if at_zero.any() else grad


class Tan(Op):
    """z = tan(a);  dz/da = 1 / cos(a)**2 = 1 + z**2."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = np.tan(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (z,) = ctx.saved_tensors
        return grad_out * dual.conj(z * z + 1.0)


class Tanh(Op):
    """z = tanh(a);  dz/da = 1 - z**2."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (z,) = ctx.saved_tensors
        return grad_out * dual.conj(1.0 - z * z)


class Sigmoid(Op):
    """z = 1 / (1 + exp(-a));  dz/da = z (1 - z)."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = np.asarray(dual.sigmoid(a))  # 2 passes; a stable 7-pass form cost W2 27%
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (z,) = ctx.saved_tensors
        return grad_out * dual.conj(z * (1.0 - z))


def sin(input: Tensor) -> Tensor:  # noqa: A002
    """Sine (radians).

    Example:
        >>> import microtensor as mt
        >>> mt.sin(mt.tensor([0.0, 1.5707964]))
        tensor([0., 1.])
    """
    return Sin.apply(float_input("sin", input))  # type: ignore[no-any-return]


def cos(input: Tensor) -> Tensor:  # noqa: A002
    """Cosine (radians).

    Example:
        >>> import microtensor as mt
        >>> mt.cos(mt.tensor([0.0, 3.1415927]))
        tensor([ 1., -1.])
    """
    return Cos.apply(float_input("cos", input))  # type: ignore[no-any-return]


def tan(input: Tensor) -> Tensor:  # noqa: A002
    """Tangent (radians).

    Example:
        >>> import microtensor as mt
        >>> mt.tan(mt.tensor([0.0, 0.7853982]))
        tensor([0., 1.])
    """
    return Tan.apply(float_input("tan", input))  # type: ignore[no-any-return]


def sinc(input: Tensor) -> Tensor:  # noqa: A002
    """The normalized sinc function ``sin(pi * input) / (pi * input)``, and 1 at 0.

    Example:
        >>> import microtensor as mt
        >>> mt.sinc(mt.tensor([0.0, 0.5, 2.5]))
        tensor([1.0000, 0.6366, 0.1273])
    """
    return Sinc.apply(float_input("sinc", input))  # type: ignore[no-any-return]


def tanh(input: Tensor, *, out: Any = None) -> Tensor:  # noqa: A002
    """Hyperbolic tangent.

    Example:
        >>> import microtensor as mt
        >>> mt.tanh(mt.tensor([0.0, 1.0]))
        tensor([0.0000, 0.7616])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, tanh(input), "tanh")
    return Tanh.apply(float_input("tanh", input))  # type: ignore[no-any-return]


def sigmoid(input: Tensor, *, out: Any = None) -> Tensor:  # noqa: A002
    """Logistic function ``1 / (1 + exp(-input))``, without overflow for large ``|input|``.

    Example:
        >>> import microtensor as mt
        >>> mt.sigmoid(mt.tensor([0.0, 2.0, -1000.0]))
        tensor([0.5000, 0.8808, 0.0000])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, sigmoid(input), "sigmoid")
    return Sigmoid.apply(float_input("sigmoid", input))  # type: ignore[no-any-return]


def deg2rad(input: Tensor) -> Tensor:  # noqa: A002
    """Degrees to radians, ``input * pi / 180``; integers give the default float dtype.

    Example:
        >>> import microtensor as mt
        >>> mt.deg2rad(mt.tensor([180, 90]))
        tensor([3.1416, 1.5708])
    """
    return float_input("deg2rad", input) * (math.pi / 180.0)  # type: ignore[no-any-return]


def rad2deg(input: Tensor) -> Tensor:  # noqa: A002
    """Radians to degrees, ``input * 180 / pi``; integers give the default float dtype.

    Example:
        >>> import microtensor as mt
        >>> mt.rad2deg(mt.tensor([3.1415927, 1.0]))
        tensor([180.0000,  57.2958])
    """
    return float_input("rad2deg", input) * (180.0 / math.pi)  # type: ignore[no-any-return]
