"""The C library's float64 ``log1p`` that torch calls, bit for bit, in NumPy.

torch's CPU kernels call glibc's ``log1p`` (``exponential_``, and Box-Muller's
``sqrt(-2 log1p(-u))`` in ``normal_distribution<double>``). NumPy's own ``log1p`` differs from
it in the last bit for several percent of the inputs; this port of glibc's (fdlibm's algorithm,
in the FMA build that glibc picks on CPUs with FMA and AVX2, as this machine's) gives its bits:
the same branches, the same constants, each fused multiply-add where glibc fuses one (read
from glibc 2.36's machine code). It costs ~15x NumPy's ``log1p``, so the random kernels use it
for float64 results only: a float32 result rounded from either is the same.
"""

from __future__ import annotations

import numpy as np

from microtensor._fma import fma64

_CHUNK = 8192
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_LP = (
    6.666666666666735130e-01,
    3.999999999940941908e-01,
    2.857142874366239149e-01,
    2.222219843214978396e-01,
    1.818357216161805012e-01,
    1.531383769920937332e-01,
    1.479819860511658591e-01,
)


def _high_word(x: np.ndarray) -> np.ndarray:
    return (x.view(np.uint64) >> np.uint64(32)).astype(np.uint32).view(np.int32)


def _with_high_word(x: np.ndarray, high: np.ndarray) -> np.ndarray:
    low = x.view(np.uint64) & np.uint64(0xFFFFFFFF)
    return (low | (high.astype(np.uint64) << np.uint64(32))).view(np.float64)


def _reduce(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``1 + x = 2**k (1 + f)`` with ``sqrt(2)/2 <= 1 + f < sqrt(2)``.

    Returns ``(k, f, c, hu)``: ``c`` corrects the rounding of ``1 + x``, ``hu`` holds f's
    high mantissa bits.
    """
    u = 1.0 + x
    hu = _high_word(u).astype(np.int64)
    k = (hu >> 20) - 1023
    c = np.where(k > 0, 1.0 - (u - x), x - (u - 1.0)) / u
    huge = _high_word(x) >= 0x43400000  # 1 + x is x: no correction
    c = np.where(huge, 0.0, c)
    hu &= 0x000FFFFF
    below = hu < 0x6A09E
    u = np.where(below, _with_high_word(u, hu | 0x3FF00000), _with_high_word(u, hu | 0x3FE00000))
    k = np.where(below, k, k + 1)
    hu = np.where(below, hu, (0x00100000 - hu) >> 2)
    return k, u - 1.0, c, hu


def log1p(x: np.ndarray) -> np.ndarray:
    """Glibc's ``__log1p_fma`` for float64 ``x > -1`` (``-inf`` at -1)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    flat_x, flat_out = x.reshape(-1), out.reshape(-1)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # ~100 NumPy passes (the fused multiply-adds are emulated): keep each chunk in cache
        for start in range(0, flat_x.size, _CHUNK):
            flat_out[start : start + _CHUNK] = _log1p(flat_x[start : start + _CHUNK])
    return out


def _log1p(x: np.ndarray) -> np.ndarray:
    hx = _high_word(x)
    magnitude = hx & 0x7FFFFFFF
    # -0.2929 < x < 0.41422: no reduction (k = 0, f = x)
    direct = (hx < 0x3FDA827A) & ((hx > 0) | (hx <= np.int32(-0x402D413C)))
    k, f, c, hu = _reduce(x)
    k, f = np.where(direct, 0, k), np.where(direct, x, f)
    c, hu = np.where(direct, 0.0, c), np.where(direct, 1, hu)
    kf = k.astype(np.float64)
    hfsq = 0.5 * f * f
    s = f / (2.0 + f)
    z = s * s
    z2 = z * z
    z4 = z2 * z2
    series = fma64(z, _LP[0], z2 * fma64(z, _LP[2], _LP[1]))
    series = fma64(z4, fma64(z, _LP[4], _LP[3]), series)
    series = fma64(z2 * z4, fma64(z, _LP[6], _LP[5]), series)
    product = s * (hfsq + series)
    out = np.where(
        k == 0,
        f - (hfsq - product),
        fma64(kf, _LN2_HI, -((hfsq - (product + fma64(kf, _LN2_LO, c))) - f)),
    )
    # |f| < 2**-20 after the reduction: a shorter series
    short = hfsq * fma64(-f, 0.6666666666666666, 1.0)
    short_out = np.where(
        k == 0, f - short, fma64(kf, _LN2_HI, -((short - fma64(kf, _LN2_LO, c)) - f))
    )
    exact_power = np.where(k == 0, 0.0, fma64(kf, _LN2_HI, fma64(kf, _LN2_LO, c)))
    out = np.where(hu == 0, np.where(f == 0, exact_power, short_out), out)
    # |x| < 2**-29: x - x^2 / 2, and x itself below 2**-54
    out = np.where(magnitude < 0x3E200000, x - (x * x) * 0.5, out)
    out = np.where(magnitude < 0x3C900000, x, out)
    return np.where(x == -1.0, -np.inf, out)
