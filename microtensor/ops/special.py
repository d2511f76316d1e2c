"""The error function family and the normal distribution's functions.

erf, erfc, erfinv, erfcx (the scaled erfc), ndtr (the standard normal CDF), its inverse ndtri
and log_ndtr. Values come from ``scipy.special`` (imported on first use), computed in float64
and rounded back for float32 inputs (within one ulp of PyTorch's float32 kernels); integer
inputs give the default float dtype.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._pointwise import float_input, scipy_special
from microtensor.tensor import Tensor

__all__ = ["erf", "erfc", "erfinv"]
# only in microtensor.special, as in PyTorch: erfcx, log_ndtr, ndtr, ndtri

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0
_SQRT_TWO_PI = math.sqrt(2.0 * math.pi)


def _erf64(x: np.ndarray) -> np.ndarray:
    """The error function of a float64 array (nan stays nan, +-inf gives +-1)."""
    return np.asarray(scipy_special().erf(x))


def _erfc64(x: np.ndarray) -> np.ndarray:
    """The complementary error function of a float64 array (+inf gives 0, -inf 2)."""
    return np.asarray(scipy_special().erfc(x))


def _erfinv64(y: np.ndarray) -> np.ndarray:
    """The inverse error function of a float64 array: +-1 give +-inf, |y| > 1 and nan give nan."""
    return np.asarray(scipy_special().erfinv(y))


def _in_float64(fn: Any, a: np.ndarray) -> np.ndarray:
    """Apply a float64 kernel (a function, or a ``scipy.special`` name) in ``a``'s dtype."""
    kernel = getattr(scipy_special(), fn) if isinstance(fn, str) else fn
    return np.asarray(kernel(np.asarray(a, dtype=np.float64))).astype(a.dtype, copy=False)


class Erf(Op):
    """z = erf(a) = 2 / sqrt(pi) * integral_0^a exp(-t^2) dt;  dz/da = 2 / sqrt(pi) exp(-a^2)."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return _in_float64(_erf64, a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad_out * (dual.exp(-(a * a)) * _TWO_OVER_SQRT_PI)


class Erfc(Op):
    """z = erfc(a) = 1 - erf(a), accurate in the tail;  dz/da = -2 / sqrt(pi) exp(-a^2)."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return _in_float64(_erfc64, a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad_out * (dual.exp(-(a * a)) * -_TWO_OVER_SQRT_PI)


class Erfinv(Op):
    """z = erfinv(a), so erf(z) = a;  dz/da = sqrt(pi) / 2 * exp(z^2)."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = _in_float64(_erfinv64, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (z,) = ctx.saved_tensors
        return grad_out * (dual.exp(z * z) * _SQRT_PI_OVER_TWO)


class Erfcx(Op):
    """z = exp(a^2) erfc(a), without overflow;  dz/da = 2 a z - 2 / sqrt(pi)."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = _in_float64("erfcx", a)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, z = ctx.saved_tensors
        return grad_out * (a * z * 2.0 - _TWO_OVER_SQRT_PI)


class Ndtr(Op):
    """z = (1 + erf(a / sqrt 2)) / 2, the standard normal CDF;  dz/da = exp(-a^2/2) / sqrt(2 pi)."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return _in_float64("ndtr", a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad_out * (dual.exp(a * a * -0.5) / _SQRT_TWO_PI)


class Ndtri(Op):
    """z = ndtri(a), so ndtr(z) = a;  dz/da = sqrt(2 pi) exp(z^2 / 2)."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = _in_float64("ndtri", a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (z,) = ctx.saved_tensors
        return grad_out * (dual.exp(z * z * 0.5) * _SQRT_TWO_PI)


class LogNdtr(Op):
    """z = log(ndtr(a)), accurate far in the left tail;  dz/da = exp(-(z + a^2/2)) / sqrt(2 pi)."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = _in_float64("log_ndtr", a)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, z = ctx.saved_tensors
        return grad_out * (dual.exp(-(z + a * a * 0.5)) / _SQRT_TWO_PI)


def erf(input: Tensor) -> Tensor:  # noqa: A002
    """The error function ``2 / sqrt(pi) * integral from 0 to input of exp(-t^2) dt``.

    Accurate to double precision; ``erf(+-inf) = +-1``.

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.erf(mt.tensor([0.0, 0.5, -2.0]))
        tensor([ 0.0000,  0.5205, -0.9953])
    """
    return Erf.apply(float_input("erf", input))  # type: ignore[no-any-return]


def erfc(input: Tensor) -> Tensor:  # noqa: A002
    """The complementary error function ``1 - erf(input)``, without cancellation for large input.

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.erfc(mt.tensor([0.0, 10.0], dtype=mt.float64))
        tensor([1.0000e+00, 2.0885e-45], dtype=microtensor.float64)
    """
    return Erfc.apply(float_input("erfc", input))  # type: ignore[no-any-return]


def erfinv(input: Tensor) -> Tensor:  # noqa: A002
    """The inverse error function: ``erf(erfinv(y)) = y`` for ``-1 < y < 1``.

    ``erfinv(+-1) = +-inf``; values outside ``[-1, 1]`` give nan, as in PyTorch.

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.erfinv(mt.tensor([0.0, 0.5, -1.0]))
        tensor([0.0000, 0.4769,   -inf])
    """
    return Erfinv.apply(float_input("erfinv", input))  # type: ignore[no-any-return]


def erfcx(input: Tensor) -> Tensor:  # noqa: A002
    """The scaled complementary error function ``exp(input^2) * erfc(input)``.

    Finite where ``erfc`` underflows: ``erfcx(x)`` is about ``1 / (x sqrt(pi))`` for large x.

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.special.erfcx(mt.tensor([0.0, 1.0, 30.0]))
        tensor([1.0000, 0.4276, 0.0188])
    """
    return Erfcx.apply(float_input("erfcx", input))  # type: ignore[no-any-return]


def ndtr(input: Tensor) -> Tensor:  # noqa: A002
    """The standard normal cumulative distribution function ``(1 + erf(input / sqrt(2))) / 2``.

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.special.ndtr(mt.tensor([-1.0, 0.0, 1.96]))
        tensor([0.1587, 0.5000, 0.9750])
    """
    return Ndtr.apply(float_input("ndtr", input))  # type: ignore[no-any-return]


def ndtri(input: Tensor) -> Tensor:  # noqa: A002
    """The inverse of ``ndtr``: the standard normal quantile of a probability.

    ``ndtri(0) = -inf``, ``ndtri(1) = inf``, nan outside ``[0, 1]``.

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.special.ndtri(mt.tensor([0.0, 0.25, 0.5, 1.0]))
        tensor([   -inf, -0.6745,  0.0000,     inf])
    """
    return Ndtri.apply(float_input("ndtri", input))  # type: ignore[no-any-return]


def log_ndtr(input: Tensor) -> Tensor:  # noqa: A002
    """``log(ndtr(input))``, accurate far into the left tail where ndtr underflows.

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.special.log_ndtr(mt.tensor([-40.0, 0.0, 3.0]))
        tensor([-8.0461e+02, -6.9315e-01, -1.3508e-03])
    """
    return LogNdtr.apply(float_input("log_ndtr", input))  # type: ignore[no-any-return]
