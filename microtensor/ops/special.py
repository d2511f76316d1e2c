"""Special functions: the error function ``erf``, its complement ``erfc`` and inverse ``erfinv``.

NumPy has no erf, so it is computed here in double precision with the piecewise rational
approximations of Sun's fdlibm ``s_erf.c`` (the method behind most C libraries' ``erf``),
vectorised: each interval's formula runs only on the elements that fall in it. Float32 inputs
are computed in float64 and rounded back; integer inputs give the default float dtype.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._pointwise import float_input
from microtensor.tensor import Tensor

__all__ = ["erf", "erfc", "erfinv"]

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0

# fdlibm s_erf.c coefficients (Sun Microsystems, 1993): erx is erf(1) rounded to float
_ERX = 8.45062911510467529297e-01
_EFX8 = 1.02703333676410069053e00  # 8 (2 / sqrt(pi) - 1)
# |x| < 0.84375:  erf(x) = x + x * pp(x^2) / qq(x^2)
_PP = (
    1.28379167095512558561e-01,
    -3.25042107247001499370e-01,
    -2.84817495755985104766e-02,
    -5.77027029648944159157e-03,
    -2.37630166566501626084e-05,
)
_QQ = (
    1.0,
    3.97917223959155352819e-01,
    6.50222499887672944485e-02,
    5.08130628187576562776e-03,
    1.32494738004321644526e-04,
    -3.96022827877536812320e-06,
)
# 0.84375 <= |x| < 1.25:  erf(|x|) = erx + pa(s) / qa(s),  s = |x| - 1
_PA = (
    -2.36211856075265944077e-03,
    4.14856118683748331666e-01,
    -3.72207876035701323847e-01,
    3.18346619901161753674e-01,
    -1.10894694282396677476e-01,
    3.54783043256182359371e-02,
    -2.16637559486879084300e-03,
)
_QA = (
    1.0,
    1.06420880400844228286e-01,
    5.40397917702171048937e-01,
    7.18286544141962662868e-02,
    1.26171219808761642112e-01,
    1.36370839120290507362e-02,
    1.19844998467991074170e-02,
)
# 1.25 <= |x| < 1 / 0.35:  erfc(|x|) = exp(-x^2 - 0.5625 + ra(s) / sa(s)) / |x|,  s = 1 / x^2
_RA = (
    -9.86494403484714822705e-03,
    -6.93858572707181764372e-01,
    -1.05586262253232909814e01,
    -6.23753324503260060396e01,
    -1.62396669462573470355e02,
    -1.84605092906711035994e02,
    -8.12874355063065934246e01,
    -9.81432934416914548592e00,
)
_SA = (
    1.0,
    1.96512716674392571292e01,
    1.37657754143519042600e02,
    4.34565877475229228821e02,
    6.45387271733267880336e02,
    4.29008140027567833386e02,
    1.08635005541779435134e02,
    6.57024977031928170135e00,
    -6.04244152148580987438e-02,
)
# 1 / 0.35 <= |x| < 28: the same form with rb / sb
_RB = (
    -9.86494292470009928597e-03,
    -7.99283237680523006574e-01,
    -1.77579549177547519889e01,
    -1.60636384855821916062e02,
    -6.37566443368389627722e02,
    -1.02509513161107724954e03,
    -4.83519191608651397019e02,
)
_SB = (
    1.0,
    3.03380607434824582924e01,
    3.25792512996573918826e02,
    1.53672958608443695994e03,
    3.19985821950859553908e03,
    2.55305040643316442583e03,
    4.74528541206955367215e02,
    -2.24409524465858183362e01,
)


def _poly(t: np.ndarray, coeffs: tuple[float, ...]) -> np.ndarray:
    """``c0 + c1 t + c2 t^2 + ...`` by Horner's rule (in place on one buffer)."""
    out = np.full_like(t, coeffs[-1])
    for c in coeffs[-2::-1]:
        out *= t
        out += c
    return out


def _small(x: np.ndarray) -> np.ndarray:
    """The ratio r with erf(x) = x + x r, for |x| < 0.84375."""
    z = x * x
    return _poly(z, _PP) / _poly(z, _QQ)


def _mid(ax: np.ndarray) -> np.ndarray:
    """``erf(|x|) - erx`` for 0.84375 <= |x| < 1.25."""
    s = ax - 1.0
    return _poly(s, _PA) / _poly(s, _QA)


def _tail(ax: np.ndarray, numerator: tuple[float, ...], denominator: tuple[float, ...]) -> Any:
    """``erfc(|x|)`` for 1.25 <= |x| < 28, with the interval's rational approximation."""
    s = 1.0 / (ax * ax)
    ratio = _poly(s, numerator) / _poly(s, denominator)
    # z is |x| with the low 32 mantissa bits cleared: z * z is exact, so exp(-x^2) keeps its
    # precision as exp(-z^2) * exp((z - x)(z + x)) (fdlibm's trick)
    z = (ax.view(np.uint64) & np.uint64(0xFFFFFFFF00000000)).view(np.float64)
    return np.exp(-z * z - 0.5625) * np.exp((z - ax) * (z + ax) + ratio) / ax


# the approximations' intervals, on both sides of 0 (erfc splits [-0.84375, 0.84375) at 0.25)
_EDGES = (-1.0 / 0.35, -1.25, -0.84375, 0.25, 0.84375, 1.25, 1.0 / 0.35)


def _regions(x: np.ndarray) -> list[Any]:
    """Each interval's ``(indices, values)``: x < -1/.35 (and nan), [-1/.35, -1.25), ...

    One stable sort of the interval numbers groups the indices: faster than a boolean mask or
    ``np.where`` per interval.
    """
    region = np.zeros(x.shape, np.int8)
    for edge in _EDGES:
        region += x >= edge
    order = np.argsort(region, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(region, minlength=8))])
    groups = [order[bounds[k] : bounds[k + 1]] for k in range(8)]
    return [(idx, x[idx]) for idx in groups]


def _erf64(x: np.ndarray) -> np.ndarray:
    """The error function of a 1-d float64 array (nan stays nan, +-inf gives +-1)."""
    out = np.empty_like(x)
    far_neg, near_neg, mid_neg, small_neg, small_pos, mid_pos, near_pos, far_pos = _regions(x)
    for idx, v in (small_neg, small_pos):
        r = v + v * _small(v)
        # below 2**-28, fdlibm's (8x + 8 efx x) / 8: x * _small(x) would lose subnormal bits
        tiny = np.flatnonzero(np.abs(v) < 2.0**-28)
        r[tiny] = (8.0 * v[tiny] + _EFX8 * v[tiny]) * 0.125
        out[idx] = r
    for (idx, v), sign in ((mid_neg, -1.0), (mid_pos, 1.0)):
        out[idx] = sign * (_ERX + _mid(np.abs(v)))
    for (idx, v), sign in ((near_neg, -1.0), (near_pos, 1.0)):
        out[idx] = sign * (1.0 - _tail(np.abs(v), _RA, _SA))
    # |x| >= 6: erf(x) = +-1 in double precision, as erf(6) is; nan stays nan
    for (idx, v), sign in ((far_neg, -1.0), (far_pos, 1.0)):
        out[idx] = sign * (1.0 - _tail(np.minimum(np.abs(v), 6.0), _RB, _SB))
    return out


def _erfc64(x: np.ndarray) -> np.ndarray:
    """The complementary error function of a 1-d float64 array (+inf gives 0, -inf 2)."""
    out = np.empty_like(x)
    far_neg, near_neg, mid_neg, small_neg, small_pos, mid_pos, near_pos, far_pos = _regions(x)
    idx, v = small_neg  # x < 0.25
    out[idx] = 1.0 - (v + v * _small(v))
    idx, v = small_pos  # 1 - erf(x) would cancel: 0.5 - (x - 0.5 + x r) keeps more bits
    out[idx] = 0.5 - (v - 0.5 + v * _small(v))
    idx, v = mid_neg
    out[idx] = 1.0 + (_ERX + _mid(-v))
    idx, v = mid_pos
    out[idx] = (1.0 - _ERX) - _mid(v)
    idx, v = near_neg
    out[idx] = 2.0 - _tail(-v, _RA, _SA)
    idx, v = near_pos
    out[idx] = _tail(v, _RA, _SA)
    # erfc(28) underflows to 0: clamping there gives erfc(+inf) = 0, erfc(-inf) = 2; nan stays
    idx, v = far_neg
    out[idx] = 2.0 - _tail(np.minimum(-v, 28.0), _RB, _SB)
    idx, v = far_pos
    out[idx] = _tail(np.minimum(v, 28.0), _RB, _SB)
    return out


# Giles (2010), "Approximating the erfinv function": a single-precision first guess,
# in w = -log(1 - y^2) on two ranges
_GILES_CENTRAL = (
    1.50140941,
    0.246640727,
    -0.00417768164,
    -0.00125372503,
    0.00021858087,
    -4.39150654e-06,
    -3.5233877e-06,
    3.43273939e-07,
    2.81022636e-08,
)
_GILES_TAIL = (
    2.83297682,
    1.00167406,
    0.00943887047,
    -0.0076224613,
    0.00573950773,
    -0.00367342844,
    0.00134934322,
    0.000100950558,
    -0.000200214257,
)


def _erfinv64(y: np.ndarray) -> np.ndarray:
    """The inverse error function of a float64 array: +-1 give +-inf, |y| > 1 and nan give nan."""
    ay = np.abs(y)
    out = np.where(ay == 1.0, np.copysign(np.inf, y), np.nan)
    inside = ay < 1.0
    yi, ai = y[inside], ay[inside]
    w = -np.log1p(-ai * ai)
    central = w < 5.0
    guess = np.where(
        central,
        _poly(w - 2.5, _GILES_CENTRAL),
        _poly(np.sqrt(np.maximum(w, 5.0)) - 3.0, _GILES_TAIL),
    )
    x = guess * ai
    # |y| < 0.5: Halley steps on f(x) = erf(x) - |y| (f'' / f' = -2x).
    # |y| >= 0.5: Newton steps on log(erfc(x)) - log(1 - |y|), nearly linear in the tail, with
    # 1 - |y| exact, so the result keeps relative precision up to |y| = 1 - 2**-53
    lower = ai < 0.5
    log_q = np.log1p(-ai)
    for _ in range(4):
        slope = _TWO_OVER_SQRT_PI * np.exp(-x * x)
        delta = (_erf64(x) - ai) / slope
        halley = x - delta / (1.0 + x * delta)
        tail = _erfc64(x)
        newton = x + (np.log(tail) - log_q) * tail / slope
        x = np.where(lower, halley, newton)
    out[inside] = np.copysign(x, yi)
    return out


def _in_float64(fn: Any, a: np.ndarray) -> np.ndarray:
    """Apply a float64 kernel and give the result in ``a``'s dtype (0-d arrays included)."""
    values = np.asarray(a, dtype=np.float64).ravel()
    return fn(values).reshape(np.shape(a)).astype(a.dtype, copy=False)


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


def erf(input: Tensor) -> Tensor:  # noqa: A002
    """The error function ``2 / sqrt(pi) * integral from 0 to input of exp(-t^2) dt``.

    Accurate to double precision (fdlibm's rational approximations); ``erf(+-inf) = +-1``.

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
