"""Inverse trigonometric and hyperbolic functions: asin, acos, atan, atan2, sinh, asinh, ...

Also cosh, acosh, atanh, and the ``arc*`` aliases (``arcsin`` ...).

Integer and bool inputs give the default float dtype, as in PyTorch. Outside an inverse
function's domain the result is NaN (no error or NumPy warning), and so is the gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import as_tensor_arg, binary, promote, to_float, values
from microtensor.ops._pointwise import check_numbers, float_input
from microtensor.tensor import Tensor

# fmt: off
__all__ = [
    "acos", "acosh", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh",
    "asin", "asinh", "atan", "atan2", "atanh", "cosh", "sinh",
]
# fmt: on


class Asin(Op):
    """z = asin(a);  dz/da = 1 / sqrt(1 - a**2)."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.arcsin(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        with np.errstate(invalid="ignore", divide="ignore"):
            return grad_out / dual.conj(dual.sqrt(1.0 - a * a))


class Acos(Op):
    """z = acos(a);  dz/da = -1 / sqrt(1 - a**2)."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.arccos(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        with np.errstate(invalid="ignore", divide="ignore"):
            return -grad_out / dual.conj(dual.sqrt(1.0 - a * a))


class Atan(Op):
    """z = atan(a);  dz/da = 1 / (1 + a**2)."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return np.arctan(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad_out / dual.conj(a * a + 1.0)


class Atan2(Op):
    """z = atan2(a, b), the angle of (b, a);  dz/da = b / (a**2 + b**2),  dz/db = -a / (...).

    At a = b = 0 both derivatives are 0, as PyTorch (instead of 0 / 0).
    """

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, b = ctx.saved_tensors
        squared = a * a + b * b
        origin = values(squared) == 0
        scale = dual.where(origin, 0.0, grad_out / dual.where(origin, 1.0, squared))
        grad_a = scale * b if ctx.needs_input_grad[0] else None
        grad_b = -scale * a if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Sinh(Op):
    """z = sinh(a);  dz/da = cosh(a)."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        with np.errstate(over="ignore"):
            return np.sinh(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad_out * dual.conj(_cosh(a))


class Cosh(Op):
    """z = cosh(a);  dz/da = sinh(a)."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        with np.errstate(over="ignore"):
            return np.cosh(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad_out * dual.conj(_sinh(a))


class Asinh(Op):
    """z = asinh(a);  dz/da = 1 / sqrt(a**2 + 1)."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return np.arcsinh(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad_out / dual.conj(dual.sqrt(a * a + 1.0))


class Acosh(Op):
    """z = acosh(a) for a >= 1;  dz/da = 1 / sqrt(a**2 - 1)."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.arccosh(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        with np.errstate(invalid="ignore", divide="ignore"):
            return grad_out / dual.conj(dual.sqrt(a * a - 1.0))


class Atanh(Op):
    """z = atanh(a) for |a| < 1;  dz/da = 1 / (1 - a**2)."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.arctanh(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        with np.errstate(invalid="ignore", divide="ignore"):
            return grad_out / dual.conj(1.0 - a * a)


def _sinh(x: Any) -> Any:
    return np.sinh(x) if dual.is_array(x) else Sinh.apply(x)


def _cosh(x: Any) -> Any:
    return np.cosh(x) if dual.is_array(x) else Cosh.apply(x)


def asin(input: Tensor) -> Tensor:  # noqa: A002
    """Arcsine, in ``[-pi/2, pi/2]``; NaN outside ``[-1, 1]``.

    Example:
        >>> import microtensor as mt
        >>> mt.asin(mt.tensor([0.0, 0.5, 1.0]))
        tensor([0.0000, 0.5236, 1.5708])
    """
    return Asin.apply(float_input("asin", input))  # type: ignore[no-any-return]


def acos(input: Tensor) -> Tensor:  # noqa: A002
    """Arccosine, in ``[0, pi]``; NaN outside ``[-1, 1]``.

    Example:
        >>> import microtensor as mt
        >>> mt.acos(mt.tensor([1.0, 0.0, -1.0]))
        tensor([0.0000, 1.5708, 3.1416])
    """
    return Acos.apply(float_input("acos", input))  # type: ignore[no-any-return]


def atan(input: Tensor) -> Tensor:  # noqa: A002
    """Arctangent, in ``(-pi/2, pi/2)``.

    Example:
        >>> import microtensor as mt
        >>> mt.atan(mt.tensor([0.0, 1.0]))
        tensor([0.0000, 0.7854])
    """
    return Atan.apply(float_input("atan", input))  # type: ignore[no-any-return]


def atan2(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The angle of the point ``(other, input)``: ``atan(input / other)`` in the right quadrant.

    Broadcasts; integer inputs give the default float dtype.

    Raises:
        RuntimeError: if the shapes do not broadcast.
        TypeError: if an argument is a Python number (as PyTorch: both must be tensors).

    Example:
        >>> import microtensor as mt
        >>> mt.atan2(mt.tensor([1.0, 1.0, -1.0]), mt.tensor([1.0, -1.0, 0.0]))
        tensor([ 0.7854,  2.3562, -1.5708])
    """
    check_numbers("atan2", input, other, "neither")
    a, b = promote(as_tensor_arg(input), as_tensor_arg(other))
    return binary(Atan2, "atan2", to_float(a), to_float(b))


def sinh(input: Tensor) -> Tensor:  # noqa: A002
    """Hyperbolic sine.

    Example:
        >>> import microtensor as mt
        >>> mt.sinh(mt.tensor([0.0, 1.0]))
        tensor([0.0000, 1.1752])
    """
    return Sinh.apply(float_input("sinh", input))  # type: ignore[no-any-return]


def cosh(input: Tensor) -> Tensor:  # noqa: A002
    """Hyperbolic cosine.

    Example:
        >>> import microtensor as mt
        >>> mt.cosh(mt.tensor([0.0, 1.0]))
        tensor([1.0000, 1.5431])
    """
    return Cosh.apply(float_input("cosh", input))  # type: ignore[no-any-return]


def asinh(input: Tensor) -> Tensor:  # noqa: A002
    """Inverse hyperbolic sine.

    Example:
        >>> import microtensor as mt
        >>> mt.asinh(mt.tensor([0.0, 1.0]))
        tensor([0.0000, 0.8814])
    """
    return Asinh.apply(float_input("asinh", input))  # type: ignore[no-any-return]


def acosh(input: Tensor) -> Tensor:  # noqa: A002
    """Inverse hyperbolic cosine; NaN below 1.

    Example:
        >>> import microtensor as mt
        >>> mt.acosh(mt.tensor([1.0, 2.0]))
        tensor([0.0000, 1.3170])
    """
    return Acosh.apply(float_input("acosh", input))  # type: ignore[no-any-return]


def atanh(input: Tensor) -> Tensor:  # noqa: A002
    """Inverse hyperbolic tangent; ``+-inf`` at ``+-1``, NaN beyond.

    Example:
        >>> import microtensor as mt
        >>> mt.atanh(mt.tensor([0.0, 0.5]))
        tensor([0.0000, 0.5493])
    """
    return Atanh.apply(float_input("atanh", input))  # type: ignore[no-any-return]


arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh
