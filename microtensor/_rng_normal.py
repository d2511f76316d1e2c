"""Normal draws as torch's CPU ``normal_`` kernel makes them (``randn``, ``normal``, ``normal_``).

torch picks one of two paths:

- 16 or more elements of a contiguous tensor: draw one uniform per element, then Box-Muller in
  blocks of 16 (``u1 = 1 - x[i:i+8]``, ``u2 = x[i+8:i+16]``, radius ``sqrt(-2 log u1)``, angle
  ``2 pi u2``, cosines to the first half, sines to the second); when the size is not a multiple
  of 16 the last 16 are redrawn and redone. float32 runs this through torch's AVX2 functions
  (``_avx_mathfun``'s, fused here into one in-place pass over cache-sized chunks, with float64
  buffers for the fused multiply-adds and bit operations for the octant signs), float64
  through the C library's ``log``, ``cos`` and ``sin`` (``_libm.log``; NumPy's ``cos`` and
  ``sin`` give glibc's bits). float16 and
  bfloat16 take float32's kernel one block of 16 at a time and round its results: only whole
  blocks' uniforms are drawn before the redrawn last 16, so they take 16 fewer draws than
  float32 when the size is not a multiple of 16.
- fewer elements, or a non-contiguous tensor: ``normal_distribution<double>`` per element in
  memory order, a Box-Muller pair ``(r cos t, r sin t)`` from two double uniforms whose second
  value the generator keeps for the next call (with glibc's ``log1p``, ``_libm``, for float64).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from microtensor import _avx_mathfun, _libm
from microtensor._fma import fma32, fma64

if TYPE_CHECKING:
    from microtensor.random import Generator

_TWO_PI_F32 = np.float32(2.0 * np.pi)
_CHUNK = 2**16  # elements per pass of the Box-Muller kernels, a multiple of 16
_HALF_BLOCK = np.dtype((np.void, 64))  # 8 doubles: half a block, copied as one item
_F32 = np.float32
_HALF_BLOCK_F32 = np.dtype((np.void, 32))  # 8 floats: half a block, copied as one item
# torch's log256_ps and sincos256_ps constants (Cephes'), as _avx_mathfun has them
_LOG_P = [np.float64(_F32(c)) for c in _avx_mathfun._LOG_P]
_LOG_Q1, _LOG_Q2 = _avx_mathfun._LOG_Q1, _avx_mathfun._LOG_Q2
_SQRTHF_MANTISSA = 0x3504F3  # the mantissa bits of float32 sqrt(1/2)
_FOPI = _avx_mathfun._FOPI
_DP = _avx_mathfun._DP
_COSCOF = [np.float64(c) for c in _avx_mathfun._COSCOF]
_SINCOF = [np.float64(c) for c in _avx_mathfun._SINCOF]


class _Scratch:
    """The float32 kernel's buffers for ``size`` values of each half-block, reused per chunk."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.f32 = np.empty((6, size), dtype=np.float32)
        self.f64 = np.empty((4, size), dtype=np.float64)
        self.i32 = np.empty((3, size), dtype=np.int32)

    def cut(self, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.f32[:, :size], self.f64[:, :size], self.i32[:, :size]


def _fma_to(y64: np.ndarray, b64: np.ndarray, c: Any, y32: np.ndarray) -> None:
    """``y32 = y64 = fma(y64, b64, c)`` in float32: the product is exact in float64, one rounding.

    (As ``_fma.fma32``: torch's float32 fused multiply-adds; ``y64`` holds float32 values.)
    """
    y64 *= b64
    y64 += c
    np.copyto(y32, y64, casting="same_kind")
    np.copyto(y64, y32)


def _log_radius(x: np.ndarray, scratch: _Scratch) -> None:
    """``x = sqrt(-2 log x)`` in place, ``log`` torch's ``log256_ps`` (as ``_avx_mathfun.log``).

    For the Box-Muller inputs ``1 - u``, positive normal floats.
    """
    (e, y, z, e_q1, _, _), (x64, y64, z64, _), (exponent, not_below, _) = scratch.cut(x.size)
    bits = x.view(np.int32)
    np.right_shift(bits, 23, out=exponent)
    np.bitwise_and(bits, 0x7FFFFF, out=bits)
    # m = mantissa in [0.5, 1); m < sqrt(1/2): e -= 1 and x = 2m - 1, else x = m - 1 (exact)
    np.subtract(_SQRTHF_MANTISSA - 1, bits, out=not_below)
    np.right_shift(not_below, 31, out=not_below)  # -1 where m >= sqrt(1/2), else 0
    exponent -= 127
    exponent -= not_below
    np.copyto(e, exponent, casting="unsafe")
    bits |= 0x3F800000
    np.left_shift(not_below, 23, out=not_below)
    bits += not_below
    x -= _F32(1)
    np.multiply(x, x, out=z)
    np.copyto(x64, x)
    np.copyto(z64, z)
    np.multiply(x64, _LOG_P[0], out=y64)  # Horner's scheme, each step a float32 fma
    y64 += _LOG_P[1]
    np.copyto(y, y64, casting="same_kind")
    np.copyto(y64, y)
    for coefficient in _LOG_P[2:]:
        _fma_to(y64, x64, coefficient, y)
    y64 *= x64  # y *= x, exact in float64, rounded by the cast
    np.copyto(y, y64, casting="same_kind")
    np.copyto(y64, y)
    z *= _F32(0.5)
    y64 *= z64
    np.multiply(e, _LOG_Q1, out=e_q1)
    y64 += e_q1
    np.copyto(y, y64, casting="same_kind")
    y -= z  # z * 0.5 is exact, so fused or not gives the same
    x += y
    e *= _LOG_Q2  # e * 0.693359375 is exact (9 + 5 bits): this fma rounds as an addition
    x += e
    x *= _F32(-2)
    np.sqrt(x, out=x)


def _sincos_times(t: np.ndarray, radius: np.ndarray, scratch: _Scratch) -> None:
    """``radius = radius cos(2 pi t)``, ``t = radius sin(2 pi t)`` with torch's ``sincos256_ps``.

    (As ``_avx_mathfun.sincos``: Cephes' octant reduction, for ``2 pi t`` in [0, 2 pi).)
    """
    (y, z, c, s, _, _), (x64, z64, c64, s64), (j, sign, swap) = scratch.cut(t.size)
    x = t
    x *= _TWO_PI_F32
    np.multiply(x, _FOPI, out=y)
    np.copyto(j, y, casting="unsafe")  # truncation, as cvttps2dq
    j += 1
    j &= ~1  # the even octant j in {0, 2, 4, 6, 8}
    np.copyto(y, j)
    # x = ((x - y DP1) - y DP2) - y DP3; y DP1 and y DP2 are exact (8 and 11 bits, y <= 8),
    # so the first two fmas round as additions
    np.multiply(y, _DP[0], out=z)
    x += z
    np.multiply(y, _DP[1], out=z)
    x += z
    np.multiply(y, np.float64(_DP[2]), out=x64)
    x64 += x
    np.copyto(x, x64, casting="same_kind")
    np.copyto(x64, x)
    np.multiply(x, x, out=z)
    np.copyto(z64, z)
    np.multiply(z64, _COSCOF[0], out=c64)
    c64 += _COSCOF[1]
    np.copyto(c, c64, casting="same_kind")
    np.copyto(c64, c)
    _fma_to(c64, z64, _COSCOF[2], c)
    c *= z
    np.copyto(c64, c)
    np.multiply(z, _F32(-0.5), out=y)  # -(z * 0.5), exact
    c64 *= z64
    c64 += y
    np.copyto(c, c64, casting="same_kind")
    c += _F32(1)
    np.multiply(z64, _SINCOF[0], out=s64)
    s64 += _SINCOF[1]
    np.copyto(s, s64, casting="same_kind")
    np.copyto(s64, s)
    _fma_to(s64, z64, _SINCOF[2], s)
    s *= z
    np.copyto(s64, s)
    s64 *= x64
    s64 += x64
    np.copyto(s, s64, casting="same_kind")
    # octants 2 and 6 swap the polynomials; sin < 0 in octants 4 and 6, cos in 2 and 4 (bit
    # operations: a masked select or negation costs 20 times as much in NumPy)
    sin_bits, cos_bits = s.view(np.int32), c.view(np.int32)
    np.left_shift(j, 30, out=sign)
    np.right_shift(sign, 31, out=sign)  # -1 where j & 2 (the octants that swap), else 0
    np.bitwise_xor(sin_bits, cos_bits, out=swap)
    swap &= sign
    sin_bits ^= swap
    cos_bits ^= swap
    np.bitwise_and(j, 4, out=sign)
    np.left_shift(sign, 29, out=sign)
    sin_bits ^= sign
    j += 2
    np.bitwise_and(j, 4, out=sign)
    np.left_shift(sign, 29, out=sign)
    cos_bits ^= sign
    np.multiply(s, radius, out=t)
    radius *= c


def _box_muller_blocks_f32(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Torch's ``normal_fill_16_AVX2`` on every block of 16 float32 uniforms, in place."""
    halves = u.view(_HALF_BLOCK_F32).reshape(-1, 2)  # each block: 8 floats for u1, 8 for u2
    scratch = _Scratch(min(u.size, _CHUNK) // 2)
    radius, theta = np.empty((2, scratch.size), dtype=np.float32)
    for start in range(0, halves.shape[0], _CHUNK // 16):
        chunk = halves[start : start + _CHUNK // 16]
        r, t = radius[: 8 * chunk.shape[0]], theta[: 8 * chunk.shape[0]]
        np.copyto(r.view(_HALF_BLOCK_F32), chunk[:, 0])  # gather the halves: contiguous passes
        np.copyto(t.view(_HALF_BLOCK_F32), chunk[:, 1])
        np.subtract(_F32(1), r, out=r)
        _log_radius(r, scratch)
        _sincos_times(t, r, scratch)
        np.copyto(chunk[:, 0], r.view(_HALF_BLOCK_F32))
        np.copyto(chunk[:, 1], t.view(_HALF_BLOCK_F32))
    if mean != 0 or std != 1:  # torch's fmadd(n, std, mean)
        u[:] = fma32(u, np.float32(std), np.float32(mean))
    return u


def _box_muller_blocks(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Torch's generic ``normal_fill_16`` (float64) on every block of 16 uniforms, in place."""
    halves = u.view(_HALF_BLOCK).reshape(-1, 2)  # each block: 8 doubles for u1, 8 for u2
    radius = np.empty(u.size // 2)
    np.copyto(radius.view(_HALF_BLOCK), halves[:, 0])  # gather the halves: contiguous passes
    np.subtract(1, radius, out=radius)
    radius = _libm.log(radius)  # in one call: the fast log settles its leftovers once per call
    radius *= -2
    np.sqrt(radius, out=radius)
    theta = np.empty(min(u.size, _CHUNK) // 2)
    trig = np.empty_like(theta)
    for start in range(0, halves.shape[0], _CHUNK // 16):
        chunk = halves[start : start + _CHUNK // 16]
        size = 8 * chunk.shape[0]
        r, t, c = radius[8 * start : 8 * start + size], theta[:size], trig[:size]
        np.copyto(t.view(_HALF_BLOCK), chunk[:, 1])
        t *= 2.0 * np.pi
        np.cos(t, out=c)
        c *= r
        np.copyto(chunk[:, 0], c.view(_HALF_BLOCK))
        np.sin(t, out=t)
        t *= r
        np.copyto(chunk[:, 1], t.view(_HALF_BLOCK))
    if mean != 0 or std != 1:  # torch's radius * cos * std + mean, contracted to an fma
        u[:] = fma64(u, std, mean)
    return u


def normal_fill(generator: Generator, n: int, dtype: Any, mean: float, std: float) -> np.ndarray:
    """Torch's ``normal_fill``: ``n >= 16`` normal draws into a contiguous tensor."""
    dtype = np.dtype(dtype)
    whole = n - n % 16
    if dtype not in (np.float32, np.float64):  # float16, bfloat16: float32 math, rounded
        u = generator._uniform(whole + (16 if n % 16 else 0), np.float32)
        out32 = np.empty(n, dtype=np.float32)
        out32[:whole] = _box_muller_blocks_f32(u[:whole], mean, std)
        if n % 16:
            out32[n - 16 :] = _box_muller_blocks_f32(u[whole:], mean, std)
        return out32.astype(dtype)
    transform = _box_muller_blocks_f32 if dtype == np.float32 else _box_muller_blocks
    values = generator._uniform(n, dtype)
    transform(values[:whole], mean, std)  # in place: the normals overwrite their uniforms
    if n % 16:  # torch redraws the last 16 and redoes them
        values[n - 16 :] = transform(generator._uniform(16, dtype), mean, std)
    return values


def normal_serial(
    generator: Generator, n: int, mean: float, std: float, exact: bool = True
) -> np.ndarray:
    """``n`` draws of torch's ``normal_distribution<double>(mean, std)``, in float64.

    Each Box-Muller pair gives ``r cos t`` now and keeps ``r sin t`` in the generator for the
    next draw (also across calls), as torch does. ``exact`` takes glibc's ``log1p`` (torch's
    float64 bits); without it NumPy's, enough for a result rounded to float32.
    """
    out = np.empty(n, dtype=np.float64)
    if n == 0:
        return out
    start = 0
    if generator._normal_double is not None:
        out[0] = generator._normal_double
        generator._normal_double = None
        start = 1
    pairs = (n - start + 1) // 2
    u = generator._uniform(2 * pairs, np.float64).reshape(pairs, 2)
    log1p = _libm.log1p if exact else np.log1p
    radius = np.sqrt(-2.0 * log1p(-u[:, 1]))
    theta = 2.0 * np.pi * u[:, 0]
    values = np.empty((pairs, 2))
    values[:, 0] = radius * np.cos(theta)
    values[:, 1] = radius * np.sin(theta)
    flat = values.reshape(-1)
    out[start:] = flat[: n - start]
    if (n - start) % 2:
        generator._normal_double = float(flat[-1])
    if mean == 0 and std == 1:
        return out
    return fma64(out, std, mean)  # torch's val * std + mean, contracted to an fma


def normal_values(
    generator: Generator, shape: tuple[int, ...], dtype: Any, mean: float, std: float
) -> np.ndarray:
    """Torch's ``normal_(mean, std)`` on a new contiguous tensor of ``shape`` and ``dtype``."""
    n = int(np.prod(shape, dtype=np.int64))
    dtype = np.dtype(dtype)
    if n >= 16:
        return normal_fill(generator, n, dtype, mean, std).reshape(shape)
    exact = dtype == np.float64
    values = normal_serial(generator, n, mean, std, exact)
    if not exact:  # c10 rounds a double to half through float
        values = values.astype(np.float32)
    return values.astype(dtype, copy=False).reshape(shape)
