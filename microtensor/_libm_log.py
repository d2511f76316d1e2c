"""Glibc's float64 ``log`` (``__ieee754_log_fma``, 2.36) bit for bit: the port and its fast path.

``log_port`` repeats glibc's operations one by one, each fused multiply-add emulated exactly
(``_fma.fma64``, ~18 NumPy passes each): ~130 ns a value. ``log_fast`` gives the same bits in
~25 ns (5x less) with Ziv's rounding test:

glibc's result is ``round(hi + t)``: ``hi = k ln2 + log c + r`` (the table's reduction), and a
tail ``t`` of fused multiply-adds, ``|t| <= 2**-16.99`` while ``|hi| >= 0.06`` off the near-1
range. ``log_fast`` computes ``hi`` exactly as glibc does (``r = fma(z, 1/c, -1)`` through
Dekker's exact product) and the tail ``t'`` with plain multiplies and adds, at most
``TAIL_ERROR_BOUND`` from ``t`` (the bound is worked out above it). With ``s = round(hi + t')``
and ``e = hi + t' - s`` (exact: Fast2Sum), ``hi + t`` lies within ``|e| + TAIL_ERROR_BOUND`` of
``s``; where that is below half of s's smaller ulp, glibc's result is ``s`` too. The near-1
series is screened the same way (``_near_one_fast``). The values the test does not settle
(about 1 in 1,000 off the near-1 range, 3% in it), subnormals, zero, negatives, inf and nan
take the port.
"""

from __future__ import annotations

import numpy as np

from microtensor._fma import fma64
from microtensor._libm_tables import INVC_LOGC as _INVC_LOGC

_LOG_LN2_HI = float.fromhex("0x1.62e42fefa3800p-1")
_LOG_LN2_LO = float.fromhex("0x1.ef35793c76730p-45")
_LOG_A = [float.fromhex(h) for h in (
    "-0x1.0000000000001p-1", "0x1.555555551305bp-2", "-0x1.fffffffeb4590p-3",
    "0x1.999b324f10111p-3", "-0x1.55575e506c89fp-3",
)]  # fmt: skip
_LOG_B = [float.fromhex(h) for h in (
    "-0x1p-1", "0x1.5555555555577p-2", "-0x1.ffffffffffdcbp-3", "0x1.999999995dd0cp-3",
    "-0x1.55555556745a7p-3", "0x1.24924a344de3p-3", "-0x1.fffffa4423d65p-4",
    "0x1.c7184282ad6cap-4", "-0x1.999eb43b068ffp-4", "0x1.78182f7afd085p-4",
    "-0x1.5521375d145cdp-4",
)]  # fmt: skip
_INVC_HIGH = (134217729.0 * _INVC_LOGC[:, 0]) - (
    (134217729.0 * _INVC_LOGC[:, 0]) - _INVC_LOGC[:, 0]
)
_INVC_SPLIT = (_INVC_HIGH, _INVC_LOGC[:, 0] - _INVC_HIGH)  # Veltkamp: 26 + 27 bits
_LOG_OFF = 0x3FE6000000000000
_NEAR_ONE_LO = 0x3FEE000000000000  # asuint64(1 - 0x1p-4)
_NEAR_ONE_SPAN = 0x3FF1090000000000 - _NEAR_ONE_LO  # up to asuint64(1 + 0x1.09p-4)


def _near_one_port(x: np.ndarray) -> np.ndarray:
    """log(x) for 1 - 2**-4 <= x < 1 + 0x1.09p-4: a degree-12 series in r = x - 1."""
    b = _LOG_B
    r = x - 1.0
    r2 = r * r
    r3 = r * r2
    head = fma64(r2, b[3], fma64(r, b[2], b[1]))
    middle = fma64(r2, b[6], fma64(r, b[5], b[4]))
    tail = fma64(r3, b[10], fma64(r2, b[9], fma64(r, b[8], b[7])))
    poly = fma64(fma64(tail, r3, middle), r3, head)
    # r = rhi + rlo with rhi on 26 bits, so that rhi * rhi * -0.5 is exact
    rhi = fma64(-(2.0**27), r, fma64(r, 2.0**27, r))
    rlo = r - rhi
    rhi2 = rhi * rhi
    hi = fma64(rhi2, b[0], r)
    lo = fma64(rhi2, b[0], r - hi)
    lo = fma64(b[0] * rlo, r + rhi, lo)
    return hi + fma64(poly, r3, lo)


def log_port(x: np.ndarray) -> np.ndarray:
    """Glibc's ``__ieee754_log_fma`` on one chunk of float64 ``x``, every operation ported."""
    ix = x.view(np.uint64)
    top = ix >> np.uint64(48)
    # subnormals: scale by 2**52 into the normal range (and take 52 from the exponent)
    subnormal = top < np.uint64(0x0010)
    if subnormal.any():
        scaled = (x * 2.0**52).view(np.uint64) - np.uint64(52 << 52)
        ix = np.where(subnormal, scaled, ix)
    tmp = ix - np.uint64(_LOG_OFF)
    i = ((tmp >> np.uint64(45)) & np.uint64(127)).astype(np.intp)
    kd = (tmp.view(np.int64) >> 52).astype(np.float64)
    z = (ix - (tmp & np.uint64(0xFFF << 52))).view(np.float64)
    a = _LOG_A
    # r = fma(z, invc, -1), |r| < 1/256: z * invc = p + e exactly (Dekker, invc split ahead),
    # p - 1 is exact (Sterbenz), so (p - 1) + e rounds once, as the fma
    invc_high, invc_low = _INVC_SPLIT[0][i], _INVC_SPLIT[1][i]
    product = z * _INVC_LOGC[i, 0]
    z_split = 134217729.0 * z  # Veltkamp's split of z into 26 + 27 bits
    z_high = z_split - (z_split - z)
    z_low = z - z_high
    error = ((z_high * invc_high - product) + z_high * invc_low + z_low * invc_high) + (
        z_low * invc_low
    )
    r = (product - 1.0) + error
    w = kd * _LOG_LN2_HI + _INVC_LOGC[i, 1]  # fma(kd, ln2hi, logc): k * ln2hi is exact
    hi = w + r
    lo = fma64(kd, _LOG_LN2_LO, (w - hi) + r)
    r2 = r * r
    poly = fma64(fma64(r, a[4], a[3]), r2, fma64(r, a[2], a[1]))
    out = fma64(r * r2, poly, fma64(r2, a[0], lo)) + hi
    near_one = (x.view(np.uint64) - np.uint64(_NEAR_ONE_LO)) < np.uint64(_NEAR_ONE_SPAN)
    if near_one.any():
        out[near_one] = _near_one_port(x[near_one])
    out[x == 1.0] = 0.0
    out[x == 0.0] = -np.inf
    out[(x < 0) | np.isnan(x)] = np.nan
    out[x == np.inf] = np.inf
    return out


# |t' - t| <= 6 * 2**-70 (u = 2**-53, |r| <= 2**-8 from the table, |kd| <= 1075):
#   lo = fma(kd, ln2lo, d), |lo| <= 2**-33.9: off by <= 3u 2**-33.9 < 2**-84
#   poly = fma(fma(r, a4, a3), r2, fma(r, a2, a1)), |poly| <= 0.336: off by <= 1.36u
#   q = fma(r2, a0, lo), |q| <= 2**-17 (1 + 2**-16): off by <= 3.0001u 2**-17 + 2**-84
#   t = fma(r r2, poly, q), |t| <= 1.003 2**-17: off by <= u 2**-17 (2 1.003 + 0.0027)
#                                                        + 2**-24 1.36u + the error of q
# doubled, so that the test's own rounding (|e| + bound, one addition) cannot matter
TAIL_ERROR_BOUND = 2.0**-66
# the near-1 tail's bound: these times |r|**3 and |r|, 3.5x what _near_one_fast proves
NEAR_ONE_ERROR_BOUND = (2.0**-49, 2.0**-99)
_CHUNK = 16384
_ABS_MASK = np.uint64(0x7FFFFFFFFFFFFFFF)
_SPECIAL_LO = np.uint64(0x0010 << 48)  # x - 2**-1022 wraps for zero, negatives and subnormals
_SPECIAL_SPAN = np.uint64((0x7FF0 - 0x0010) << 48)  # inf and nan at and above it
_TABLE = np.ascontiguousarray(_INVC_LOGC[:, 0]), _INVC_SPLIT[0], _INVC_SPLIT[1]
_LOGC = np.ascontiguousarray(_INVC_LOGC[:, 1])


class _Buffers:
    """The fast path's scratch arrays for chunks of up to ``size`` values."""

    def __init__(self, size: int) -> None:
        self.bits = np.empty((3, size), dtype=np.uint64)
        self.real = np.empty((9, size), dtype=np.float64)
        self.flags = np.empty((2, size), dtype=bool)


def _hi_and_r(x: np.ndarray, buf: _Buffers) -> tuple[np.ndarray, ...]:
    """Glibc's reduction ``x = 2**k z``, ``r = fma(z, 1/c, -1)``: ``(kd, r, logc)``, exact."""
    n = x.size
    tmp, index, _ = buf.bits[:, :n]
    invc, invc_high, invc_low, logc, kd, r, a, b, c = buf.real[:, :n]
    np.subtract(x.view(np.uint64), np.uint64(_LOG_OFF), out=tmp)
    np.right_shift(tmp, np.uint64(45), out=index)
    index &= np.uint64(127)
    slots = index.view(np.intp)
    for table, gathered in zip(_TABLE, (invc, invc_high, invc_low), strict=True):
        np.take(table, slots, out=gathered, mode="wrap")
    np.take(_LOGC, slots, out=logc, mode="wrap")
    np.right_shift(tmp.view(np.int64), 52, out=index.view(np.int64))
    np.copyto(kd, index.view(np.int64), casting="unsafe")
    tmp &= np.uint64(0xFFF << 52)
    np.subtract(x.view(np.uint64), tmp, out=tmp)
    z = tmp.view(np.float64)
    # r = (p - 1) + e with z * invc = p + e exactly (Dekker; Veltkamp's split of z into a, b)
    np.multiply(z, invc, out=r)
    np.multiply(z, 134217729.0, out=a)
    np.subtract(a, z, out=b)
    a -= b
    np.subtract(z, a, out=b)
    np.multiply(a, invc_high, out=c)
    c -= r
    a *= invc_low
    c += a
    np.multiply(b, invc_high, out=a)
    c += a
    b *= invc_low
    c += b
    r -= 1.0
    r += c
    return kd, r, logc


def _fast_chunk(x: np.ndarray, out: np.ndarray, buf: _Buffers) -> np.ndarray:
    """``out = log(x)`` where Ziv's test proves glibc's bits; returns the positions left."""
    n = x.size
    kd, r, logc = _hi_and_r(x, buf)
    _, _, _, _, _, _, a, b, c = buf.real[:, :n]
    tail, hi = buf.real[0, :n], buf.real[1, :n]  # the gathered 1/c is spent
    np.multiply(kd, _LOG_LN2_HI, out=a)
    a += logc  # w = kd ln2hi + logc; kd ln2hi is exact, so glibc's fma rounds as this
    np.add(a, r, out=hi)
    a -= hi
    a += r  # (w - hi) + r, as glibc
    kd *= _LOG_LN2_LO
    kd += a  # lo'
    np.multiply(r, r, out=a)  # r2
    coeffs = _LOG_A
    np.multiply(r, coeffs[4], out=b)
    b += coeffs[3]
    b *= a
    np.multiply(r, coeffs[2], out=c)
    c += coeffs[1]
    b += c  # poly'
    np.multiply(r, a, out=tail)  # r3
    tail *= b
    a *= coeffs[0]
    a += kd
    tail += a  # t'
    np.add(hi, tail, out=out)  # s
    np.subtract(out, hi, out=hi)
    np.subtract(tail, hi, out=hi)  # e = hi + t' - s (Fast2Sum: |hi| >= 0.06 > |t'|)
    np.abs(hi, out=hi)
    hi += TAIL_ERROR_BOUND
    bits, before, _ = buf.bits[:, :n]
    np.bitwise_and(out.view(np.uint64), _ABS_MASK, out=bits)
    np.subtract(bits, np.uint64(1), out=before)
    np.subtract(bits.view(np.float64), before.view(np.float64), out=a)  # s's smaller ulp
    a *= 0.5
    left, other = buf.flags[:, :n]
    np.greater_equal(hi, a, out=left)
    np.subtract(x.view(np.uint64), np.uint64(_NEAR_ONE_LO), out=bits)
    np.less(bits, np.uint64(_NEAR_ONE_SPAN), out=other)
    left |= other
    np.subtract(x.view(np.uint64), _SPECIAL_LO, out=bits)
    np.greater_equal(bits, _SPECIAL_SPAN, out=other)
    left |= other
    return np.flatnonzero(left)


def log_fast(x: np.ndarray) -> np.ndarray:
    """Glibc's ``log`` of float64 ``x`` (any shape): ``log_port``'s bits, several times faster."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty(x.shape)
    flat_x, flat_out = np.ascontiguousarray(x).reshape(-1), out.reshape(-1)
    buf = _Buffers(min(flat_x.size, _CHUNK))
    left = []
    with np.errstate(all="ignore"):
        for start in range(0, flat_x.size, _CHUNK):
            chunk, result = flat_x[start : start + _CHUNK], flat_out[start : start + _CHUNK]
            left.append(_fast_chunk(chunk, result, buf) + start)
        if flat_x.size:
            _finish(flat_x, flat_out, np.concatenate(left))
    return out


def _near_one_fast(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Glibc's near-1 series where Ziv's test proves its bits: ``(values, unproven mask)``.

    As ``_near_one_port`` with its tail ``fma(poly, r3, lo)`` in plain operations. With
    ``u = 2**-53`` and ``|r| <= 2**-3.95``: the plain polynomial is within 2.2u of glibc's
    (``|poly| <= 0.35``); ``lo`` (``|lo| <= 2**-25 r**2 + 1.04u |r|``) within
    ``3u 2**-25 r**2 + 2.1u**2 |r|``; so the tail is within
    ``3.25u |r|**3 + 5u 2**-25 r**2 + 4.2u**2 |r| <= |r| (4.5u r**2 + 2**-101)``, as
    ``r**2 <= (2**24 |r|**3 + 2**-24 |r|) / 2``. ``NEAR_ONE_ERROR_BOUND`` takes 3x that.
    """
    b = _LOG_B
    r = x - 1.0  # exact (Sterbenz)
    r2 = r * r
    r3 = r * r2
    head = (r * b[2] + b[1]) + r2 * b[3]
    middle = (r * b[5] + b[4]) + r2 * b[6]
    tail = ((r * b[8] + b[7]) + r2 * b[9]) + r3 * b[10]
    poly = (tail * r3 + middle) * r3 + head
    # glibc's fmas in rhi, hi and the first lo round as these plain operations: 2**27 r and
    # rhi**2 / 2 are exact, and lo is hi's exact rounding error (Fast2Sum)
    w = r * 2.0**27
    rhi = (r + w) - w
    w = rhi * rhi * b[0]
    hi = r + w
    lo = (r - hi) + w
    lo += (b[0] * (r - rhi)) * (r + rhi)
    tail = poly * r3 + lo
    s = hi + tail
    error = np.abs(tail - (s - hi))  # exact: |hi| > |tail| (for x == 1 both are 0)
    error += np.abs(r3) * NEAR_ONE_ERROR_BOUND[0] + np.abs(r) * NEAR_ONE_ERROR_BOUND[1]
    magnitude = s.view(np.uint64) & _ABS_MASK
    smaller_ulp = magnitude.view(np.float64) - (magnitude - np.uint64(1)).view(np.float64)
    # at x == 1, s == 0 and the ulp below it is nan: the comparison is false and 0 stays, as
    # glibc returns
    return s, error >= 0.5 * smaller_ulp


def _finish(x: np.ndarray, out: np.ndarray, left: np.ndarray) -> None:
    """``out[left] = log(x[left])`` for what ``_fast_chunk`` left: near-1 fast, the rest ported.

    All chunks' leftovers at once: a call costs ~1000 NumPy calls of fixed overhead.
    """
    x_left = x[left]
    near = (x_left.view(np.uint64) - np.uint64(_NEAR_ONE_LO)) < np.uint64(_NEAR_ONE_SPAN)
    values = np.empty_like(x_left)
    near_at = np.flatnonzero(near)
    for start in range(0, near_at.size, _CHUNK):
        at = near_at[start : start + _CHUNK]
        values[at], unproven = _near_one_fast(x_left[at])
        near[at[unproven]] = False
    far_at = np.flatnonzero(~near)
    for start in range(0, far_at.size, _CHUNK):
        at = far_at[start : start + _CHUNK]
        values[at] = log_port(x_left[at])
    out[left] = values
