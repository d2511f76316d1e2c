"""Trigonometric and hyperbolic functions: sin, cos, tan, tanh, and sigmoid (a scaled tanh).

Integer and bool inputs give the default float dtype, as in PyTorch. tan, tanh and sigmoid save
their output, from which the derivative is cheapest.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._pointwise import float_input
from microtensor.tensor import Tensor

__all__ = ["cos", "sigmoid", "sin", "tan", "tanh"]


class Sin(Op):
    """z = sin(a);  dz/da = cos(a)."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad_out * dual.cos(a)


class Cos(Op):
    """z = cos(a);  dz/da = -sin(a)."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return -grad_out * dual.sin(a)


class Tan(Op):
    """z = tan(a);  dz/da = 1 / cos(a)**2 = 1 + z**2."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = np.tan(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (z,) = ctx.saved_tensors
        return grad_out * (z * z + 1.0)


class Tanh(Op):
    """z = tanh(a);  dz/da = 1 - z**2."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (z,) = ctx.saved_tensors
        return grad_out * (1.0 - z * z)


class Sigmoid(Op):
    """z = 1 / (1 + exp(-a));  dz/da = z (1 - z)."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = np.asarray(dual.sigmoid(a))  # 2 passes; a stable 7-pass form cost W2 27%
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (z,) = ctx.saved_tensors
        return grad_out * (z * (1.0 - z))


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


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """Hyperbolic tangent.

    Example:
        >>> import microtensor as mt
        >>> mt.tanh(mt.tensor([0.0, 1.0]))
        tensor([0.0000, 0.7616])
    """
    return Tanh.apply(float_input("tanh", input))  # type: ignore[no-any-return]


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """Logistic function ``1 / (1 + exp(-input))``, without overflow for large ``|input|``.

    Example:
        >>> import microtensor as mt
        >>> mt.sigmoid(mt.tensor([0.0, 2.0, -1000.0]))
        tensor([0.5000, 0.8808, 0.0000])
    """
    return Sigmoid.apply(float_input("sigmoid", input))  # type: ignore[no-any-return]
