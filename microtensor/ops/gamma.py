"""The gamma function family: lgamma, digamma, polygamma, mvlgamma, igamma/igammac, zeta.

Values come from ``scipy.special`` (imported on first use). Integer and bool inputs give the
default float dtype, as in PyTorch. Each derivative is the next function of the family
(``lgamma' = digamma``, ``polygamma(n)' = polygamma(n + 1)``), so every order differentiates.

Differs from PyTorch: SciPy's trigamma (``polygamma(1, x)``, the derivative of digamma) is
accurate to double precision; PyTorch's float64 trigamma is off by up to about 1e-9 relative
(and gives huge finite values instead of inf at the poles x = 0, -1, -2 ...).
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._pointwise import (
    apply_binary,
    check_numbers,
    float_input,
    float_pair,
    scipy_special,
)
from microtensor.tensor import Tensor

__all__ = ["digamma", "igamma", "igammac", "lgamma", "mvlgamma", "polygamma"]
# only in microtensor.special, as in PyTorch: zeta


def _polygamma_values(n: int, x: Any) -> Any:
    """polygamma(n, x) of an array, with PyTorch's values at the infinities."""
    sc = scipy_special()
    if n == 0:
        return sc.psi(x)
    out = np.asarray(sc.polygamma(n, x), dtype=x.dtype)
    # PyTorch gives nan at -inf for n = 1 and at +inf for n >= 2 (SciPy the limits inf and 0)
    return np.where(np.isinf(x) & ((x < 0) if n == 1 else (x > 0)), np.nan, out)


def _polygamma(n: int, x: Any) -> Any:
    """polygamma(n, x) of an array or a Tensor, for backward formulas."""
    return _polygamma_values(n, x) if dual.is_array(x) else PolyGamma.apply(x, n)


def _lgamma_values(a: Any) -> Any:
    """log|Gamma(a)| of an array; +inf at -inf, as PyTorch (and C's lgamma; SciPy gives -inf)."""
    return np.where(a == -np.inf, np.inf, scipy_special().gammaln(a)).astype(a.dtype)


class Lgamma(Op):
    """z = log|Gamma(a)|;  dz/da = digamma(a)."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return _lgamma_values(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad_out * _polygamma(0, a)


class PolyGamma(Op):
    """z = polygamma(n, a), the n-th derivative of digamma;  dz/da = polygamma(n + 1, a)."""

    n = 0

    @staticmethod
    def forward(ctx: Any, a: Any, n: int) -> Any:
        ctx.n = n
        ctx.save_for_backward(a)
        return _polygamma_values(n, a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad_out * _polygamma(ctx.n + 1, a), None

    def name(self) -> str:  # noqa: D102 - PyTorch's node names
        return "DigammaBackward0" if self.n == 0 else "PolygammaBackward0"


class MvLgamma(Op):
    """z = p(p-1)/4 log(pi) + sum_j lgamma(a - j/2), j < p;  dz/da = sum_j digamma(a - j/2)."""

    @staticmethod
    def forward(ctx: Any, a: Any, p: int) -> Any:
        ctx.p = p
        ctx.save_for_backward(a)
        # PyTorch's sum, without SciPy's multigammaln, which rejects a <= (p - 1) / 2
        terms = [_lgamma_values(a - j / 2.0) for j in range(p - 1, -1, -1)]
        return np.asarray(sum(terms) + p * (p - 1) / 4.0 * math.log(math.pi), dtype=a.dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        total = _polygamma(0, a)
        for j in range(1, ctx.p):
            total = total + _polygamma(0, a - j / 2.0)
        return grad_out * total, None


class Igamma(Op):
    """z = P(a, x) (or Q = 1 - P), the regularized incomplete gamma function.

    dz/dx = +-exp(-x) x^(a-1) / Gamma(a); the derivative in a is not implemented (as PyTorch).
    """

    @staticmethod
    def forward(ctx: Any, a: Any, x: Any, upper: bool) -> Any:
        ctx.upper = upper
        ctx.save_for_backward(a, x)
        sc = scipy_special()
        out = (sc.gammaincc if upper else sc.gammainc)(a, x)
        return np.asarray(out, dtype=np.result_type(a, x))

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, x = ctx.saved_tensors
        name = "igammac" if ctx.upper else "igamma"
        if ctx.needs_input_grad[0]:
            raise RuntimeError(
                f"the derivative for '{name}: input' is not implemented. Fix: detach() the "
                "first argument (the shape a); the gradient in the second argument exists"
            )
        density = dual.exp((a - 1.0) * dual.log(x) - x - _lgamma(a))
        return None, grad_out * (-density if ctx.upper else density), None


class Zeta(Op):
    """z = zeta(x, q) = sum over k >= 0 of (k + q)^-x (Hurwitz);  dz/dq = -x zeta(x + 1, q).

    The derivative in x is not implemented (as PyTorch).
    """

    @staticmethod
    def forward(ctx: Any, x: Any, q: Any) -> Any:
        ctx.save_for_backward(x, q)
        return np.asarray(scipy_special().zeta(x, q), dtype=np.result_type(x, q))

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        x, q = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise RuntimeError(
                "the derivative for 'zeta' is not implemented in its first argument. Fix: "
                "detach() x; the gradient in q exists"
            )
        return None, grad_out * -x * _zeta(x + 1.0, q)


def _zeta(x: Any, q: Any) -> Any:
    """zeta(x, q) of arrays (or numbers) or Tensors, for backward formulas."""
    if dual.is_array(q) and (dual.is_array(x) or isinstance(x, builtins.float)):
        return scipy_special().zeta(x, q)
    if not isinstance(x, Tensor):
        x = Tensor._make(np.asarray(x, dtype=q.dtype))
    return Zeta.apply(x, q)


def zeta(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The Hurwitz zeta function ``sum over k >= 0 of (k + other) ** -input``.

    ``zeta(x, 1)`` is Riemann's zeta function. nan for ``input < 1``, inf at ``input = 1``.
    Only ``other`` gets a gradient (as in PyTorch).

    Raises:
        TypeError: if neither argument is a Tensor.
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.special.zeta(mt.tensor([2.0, 3.0]), mt.tensor([1.0, 2.0]))
        tensor([1.6449, 0.2021])
    """
    x, q = float_pair("zeta", input, other)
    return apply_binary(Zeta, "zeta", x, q)


def _lgamma(x: Any) -> Any:
    """The lgamma of an array, Tensor or number, for backward formulas."""
    if dual.is_array(x) or isinstance(x, builtins.float | builtins.int):
        return scipy_special().gammaln(x)
    return Lgamma.apply(x)


def lgamma(input: Tensor) -> Tensor:  # noqa: A002
    """The natural logarithm of the absolute value of the gamma function.

    ``lgamma(n) = log((n - 1)!)``; +inf at the poles 0, -1, -2 ... and at +-inf.

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.lgamma(mt.tensor([0.5, 1.0, 5.0]))
        tensor([0.5724, 0.0000, 3.1781])
    """
    return Lgamma.apply(float_input("lgamma", input))  # type: ignore[no-any-return]


def digamma(input: Tensor) -> Tensor:  # noqa: A002
    """The logarithmic derivative of the gamma function, ``Gamma'(x) / Gamma(x)``.

    ``digamma(0) = -inf`` and nan at the negative integers, as in PyTorch.

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.digamma(mt.tensor([1.0, 0.5]))
        tensor([-0.5772, -1.9635])
    """
    return PolyGamma.apply(float_input("digamma", input), 0)  # type: ignore[no-any-return]


def polygamma(n: int, input: Tensor) -> Tensor:  # noqa: A002
    """The ``n``-th derivative of the digamma function (``polygamma(0, x) = digamma(x)``).

    Args:
        n: the order, a non-negative int.
        input: the points.

    Raises:
        TypeError: if ``n`` is not an int or ``input`` is not a Tensor.
        RuntimeError: if ``n`` is negative.

    Example:
        >>> import microtensor as mt
        >>> mt.polygamma(1, mt.tensor([1.0, 2.0]))
        tensor([1.6449, 0.6449])
    """
    if not isinstance(n, builtins.int | np.integer) or isinstance(n, builtins.bool):
        raise TypeError(f"polygamma(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n (got n = {n})")
    return PolyGamma.apply(float_input("polygamma", input), builtins.int(n))  # type: ignore[no-any-return]


def mvlgamma(input: Tensor, p: int) -> Tensor:  # noqa: A002
    """The log of the multivariate gamma function of dimension ``p``.

    ``mvlgamma(x, p) = p (p - 1) / 4 * log(pi) + sum over j < p of lgamma(x - j / 2)``.

    Args:
        input: the points; the function is defined for elements greater than ``(p - 1) / 2``
            (below, the sum of lgammas is returned, as PyTorch does).
        p: the dimension, an int >= 1.

    Raises:
        TypeError: if ``input`` is not a Tensor.
        RuntimeError: if ``p < 1``.

    Example:
        >>> import microtensor as mt
        >>> mt.mvlgamma(mt.tensor([2.5, 3.0]), 2)
        tensor([0.8570, 1.5502])
    """
    x = float_input("mvlgamma", input)
    if not isinstance(p, builtins.int | np.integer) or p < 1:
        raise RuntimeError(f"mvlgamma(): p has to be greater than or equal to 1, got p = {p}")
    return MvLgamma.apply(x, builtins.int(p))  # type: ignore[no-any-return]


def igamma(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The regularized lower incomplete gamma function ``P(input, other)``.

    ``P(a, x) = 1 / Gamma(a) * integral from 0 to x of t^(a-1) exp(-t) dt``, broadcasting
    ``a = input`` against ``x = other``. Only ``other`` gets a gradient (as in PyTorch).

    Raises:
        TypeError: if neither argument is a Tensor.
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.igamma(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 1.0]))
        tensor([0.6321, 0.2642])
    """
    check_numbers("igamma", input, other, "neither")
    a, x = float_pair("igamma", input, other)
    return apply_binary(Igamma, "igamma", a, x, False)


def igammac(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The regularized upper incomplete gamma function ``Q(input, other) = 1 - P(input, other)``.

    Raises:
        TypeError: if neither argument is a Tensor.
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.igammac(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 1.0]))
        tensor([0.3679, 0.7358])
    """
    check_numbers("igammac", input, other, "neither")
    a, x = float_pair("igammac", input, other)
    return apply_binary(Igamma, "igammac", a, x, True)
