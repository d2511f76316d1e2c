"""The C library's float64 ``log1p``, ``log`` and ``exp`` that torch calls, bit for bit, in NumPy.

torch's CPU kernels call glibc's libm: ``log1p`` (``exponential_``, Box-Muller's
``sqrt(-2 log1p(-u))`` in ``normal_distribution<double>``), ``log`` (the 16-at-a-time float64
Box-Muller of ``randn``/``normal_``, ``geometric_``) and ``exp`` (``log_normal_``). NumPy's own
functions differ from glibc's in the last bit for 0.3% (``log``) to 5% (``exp``) of the inputs.
These ports give glibc 2.36's bits, in the FMA build that glibc picks on CPUs with FMA and AVX2
(as this machine's): the same branches, the same constants and tables, each fused multiply-add
where glibc's machine code has one (``__log1p_fma``: fdlibm's algorithm; ``__ieee754_log_fma``
and ``__ieee754_exp_fma``: the table-based ones of glibc 2.28+). ``log1p`` and ``exp`` cost
15-80x NumPy's (``log1p`` runs its rare short series only on the values that take it);
``log`` checks a cheap evaluation against its error bound instead and ports only the doubtful
values (``_libm_log``: ~25 ns a value). The random kernels use them for float64 results only:
a float32 result rounded from either is the same. ``tan`` (``cauchy_``) is not ported.

NumPy runs kernels of its own for float64 ``log``, ``log1p`` and ``exp`` only on CPUs with
AVX-512F; elsewhere its loops call the C library, the same functions torch calls. There these
functions are NumPy's (fast, and the C library's bits whatever its version); ``ported=True``
runs the port anyway (the tests check it on every machine).
"""

from __future__ import annotations

import decimal
import functools
import importlib
from typing import Any

import numpy as np

from microtensor import _libm_log
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


def _chunked(kernel: Any, x: np.ndarray) -> np.ndarray:
    """``kernel`` over float64 ``x`` chunk by chunk, NumPy's float warnings off.

    A kernel is ~100 NumPy passes (the fused multiply-adds are emulated): a chunk stays in cache.
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    flat_x, flat_out = x.reshape(-1), out.reshape(-1)
    with np.errstate(all="ignore"):
        for start in range(0, flat_x.size, _CHUNK):
            flat_out[start : start + _CHUNK] = kernel(flat_x[start : start + _CHUNK])
    return out


@functools.cache
def numpy_calls_the_c_library() -> bool:
    """Whether NumPy's float64 log/log1p/exp call the C library here (no AVX-512F kernels)."""
    try:
        umath = importlib.import_module("numpy._core._multiarray_umath")
    except ImportError:  # NumPy 1.x keeps it in numpy.core
        umath = importlib.import_module("numpy.core._multiarray_umath")
    return not umath.__cpu_features__.get("AVX512F", False)


def _numpy(function: Any, x: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return function(np.asarray(x, dtype=np.float64))


def log1p(x: np.ndarray, *, ported: bool = False) -> np.ndarray:
    """Glibc's ``__log1p_fma`` for float64 ``x > -1`` (``-inf`` at -1)."""
    if not ported and numpy_calls_the_c_library():
        return _numpy(np.log1p, x)
    return _chunked(_log1p, x)


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
    # kf * ln2hi is exact (ln2hi has 32 bits, |k| <= 1024): glibc's fma rounds as this addition
    out = np.where(
        k == 0,
        f - (hfsq - product),
        kf * _LN2_HI - ((hfsq - (product + fma64(kf, _LN2_LO, c))) - f),
    )
    short = np.flatnonzero(hu == 0)  # |f| < 2**-20 after the reduction: rare, so a subset
    if short.size:
        out[short] = _log1p_short(f[short], kf[short], c[short], hfsq[short])
    # |x| < 2**-29: x - x^2 / 2, and x itself below 2**-54
    out = np.where(magnitude < 0x3E200000, x - (x * x) * 0.5, out)
    out = np.where(magnitude < 0x3C900000, x, out)
    return np.where(x == -1.0, -np.inf, out)


def _log1p_short(f: np.ndarray, kf: np.ndarray, c: np.ndarray, hfsq: np.ndarray) -> np.ndarray:
    """``_log1p`` where ``|f| < 2**-20``: a shorter series, and ``k ln2 + c`` for ``f == 0``."""
    lo = fma64(kf, _LN2_LO, c)
    short = hfsq * fma64(-f, 0.6666666666666666, 1.0)
    short_out = np.where(kf == 0, f - short, kf * _LN2_HI - ((short - lo) - f))
    exact_power = np.where(kf == 0, 0.0, kf * _LN2_HI + lo)
    return np.where(f == 0, exact_power, short_out)


def log(x: np.ndarray, *, ported: bool = False) -> np.ndarray:
    """Glibc's ``__ieee754_log_fma`` for float64 ``x``: the bits of C's ``log``.

    The port runs through its screened fast path (``_libm_log.log_fast``, the same bits).
    """
    if not ported and numpy_calls_the_c_library():
        return _numpy(np.log, x)
    return _libm_log.log_fast(np.asarray(x, dtype=np.float64))


# glibc 2.36's table-based exp (Szabolcs Nagy's, in the FMA build: every a * b + c that GCC
# fused in __ieee754_exp_fma is an fma64 here, the rest rounds twice)
_EXP_INV_LN2_N = float.fromhex("0x1.71547652b82fep+7")  # 128 / ln 2
_EXP_NEG_LN2_HI_N = float.fromhex("-0x1.62e42fefa0000p-8")
_EXP_NEG_LN2_LO_N = float.fromhex("-0x1.cf79abc9e3b3ap-47")
_EXP_C = [float.fromhex(h) for h in (
    "0x1.ffffffffffdbdp-2", "0x1.555555555543cp-3", "0x1.55555cf172b91p-5",
    "0x1.1111167a4d017p-7",
)]  # fmt: skip
_EXP_SHIFT = float.fromhex("0x1.8p52")


@functools.cache
def _exp_table() -> tuple[np.ndarray, np.ndarray]:
    """Glibc's ``__exp_data.tab``: 2**(i/128) = scale * (1 + tail), scale's bits less i << 45.

    Both are the float64 values nearest to the exact ones (checked against glibc 2.36's table).
    """
    decimal.getcontext().prec = 60
    tail, sbits = np.empty(128), np.empty(128, dtype=np.uint64)
    for i in range(128):
        exact = decimal.Decimal(2) ** (decimal.Decimal(i) / 128)
        scale = float(exact)
        tail[i] = float((exact - decimal.Decimal(scale)) / decimal.Decimal(scale))
        sbits[i] = np.float64(scale).view(np.uint64) - np.uint64(i << 45)
    return tail, sbits


def exp(x: np.ndarray, *, ported: bool = False) -> np.ndarray:
    """Glibc's ``__ieee754_exp_fma`` for float64 ``x``: the bits of C's ``exp``."""
    if not ported and numpy_calls_the_c_library():
        return _numpy(np.exp, x)
    return _chunked(_exp, x)


def _exp(x: np.ndarray) -> np.ndarray:
    # exp(x) = 2**(k/128) exp(r), x = k ln2/128 + r, |r| <= ln2/256
    abstop = (x.view(np.uint64) >> np.uint64(52)).astype(np.int64) & 0x7FF
    kd = fma64(x, _EXP_INV_LN2_N, _EXP_SHIFT)
    ki = kd.view(np.uint64)
    kd = kd - _EXP_SHIFT
    r = fma64(kd, _EXP_NEG_LN2_LO_N, fma64(kd, _EXP_NEG_LN2_HI_N, x))
    tail_table, sbits_table = _exp_table()
    idx = (ki & np.uint64(127)).astype(np.intp)
    sbits = sbits_table[idx] + (ki << np.uint64(45))
    c = _EXP_C
    r2 = r * r
    tmp = fma64(fma64(r, c[1], c[0]), r2, tail_table[idx] + r)
    tmp = fma64(r2 * r2, fma64(r, c[3], c[2]), tmp)
    out = fma64(sbits.view(np.float64), tmp, sbits.view(np.float64))
    special = (abstop - 0x3C9).astype(np.uint64) >= np.uint64(0x3F)
    if special.any():
        out[special] = _exp_special(x[special], abstop[special], tmp[special], sbits[special],
                                    ki[special])  # fmt: skip
    return out


def _exp_special(
    x: np.ndarray, abstop: np.ndarray, tmp: np.ndarray, sbits: np.ndarray, ki: np.ndarray
) -> np.ndarray:
    """Glibc's ``exp`` for |x| < 2**-54 (1 + x), |x| >= 512 (``specialcase``), inf and nan."""
    with np.errstate(over="ignore"):
        # k > 0: scale's exponent may have overflowed by <= 460
        scale = (sbits - np.uint64(1009 << 52)).view(np.float64)
        large = 2.0**1009 * fma64(scale, tmp, scale)
    # k < 0: in the subnormal range, round once at the end
    scale = (sbits + np.uint64(1022 << 52)).view(np.float64)
    scaled_tmp = scale * tmp
    y = scale + scaled_tmp
    hi = 1.0 + y
    lo = 1.0 - hi + y + (scale - y + scaled_tmp)
    y = np.where(y < 1.0, (hi + lo) - 1.0, y)
    small = 2.0**-1022 * np.where(y == 0.0, 0.0, y)
    out = np.where((ki & np.uint64(0x80000000)) == 0, large, small)
    out = np.where(abstop < 0x3C9, 1.0 + x, out)
    huge = abstop >= 0x409
    out = np.where(huge, np.where(x < 0, 0.0, np.inf), out)
    return np.where(np.isnan(x), x, out)
