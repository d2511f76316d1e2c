"""Normal draws as torch's CPU ``normal_`` kernel makes them (``randn``, ``normal``, ``normal_``).

torch picks one of two paths:

- 16 or more elements of a contiguous tensor: draw one uniform per element, then Box-Muller in
  blocks of 16 (``u1 = 1 - x[i:i+8]``, ``u2 = x[i+8:i+16]``, radius ``sqrt(-2 log u1)``, angle
  ``2 pi u2``, cosines to the first half, sines to the second); when the size is not a multiple
  of 16 the last 16 are redrawn and redone. float32 runs this through torch's AVX2 functions
  (``_avx_mathfun``), float64 through the C library's ``log``, ``cos`` and ``sin`` (glibc's
  ``log`` ported in ``_libm``; NumPy's ``cos`` and ``sin`` give glibc's bits). float16 and
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


def _box_muller_blocks_f32(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Torch's ``normal_fill_16_AVX2`` on every block of 16 float32 uniforms, in place."""
    out = u
    for start in range(0, u.size, _CHUNK):  # ~40 NumPy passes per chunk: keep them in cache
        chunk = u[start : start + _CHUNK].reshape(-1, 16)
        blocks = out[start : start + _CHUNK].reshape(-1, 16)
        radius = np.sqrt(np.float32(-2) * _avx_mathfun.log(np.float32(1) - chunk[:, :8]))
        sin, cos = _avx_mathfun.sincos(_TWO_PI_F32 * chunk[:, 8:])
        np.multiply(radius, cos, out=blocks[:, :8])
        np.multiply(radius, sin, out=blocks[:, 8:])
    if mean != 0 or std != 1:  # torch's fmadd(n, std, mean)
        out[:] = fma32(out, np.float32(std), np.float32(mean))
    return out


def _box_muller_blocks(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Torch's generic ``normal_fill_16`` (float64) on every block of 16 uniforms, in place."""
    halves = u.view(_HALF_BLOCK).reshape(-1, 2)  # each block: 8 doubles for u1, 8 for u2
    radius = np.empty(min(u.size, _CHUNK) // 2)
    theta, trig = np.empty_like(radius), np.empty_like(radius)
    for start in range(0, halves.shape[0], _CHUNK // 16):
        chunk = halves[start : start + _CHUNK // 16]
        size = 8 * chunk.shape[0]
        r, t, c = radius[:size], theta[:size], trig[:size]
        np.copyto(r.view(_HALF_BLOCK), chunk[:, 0])  # gather the halves: contiguous passes
        np.copyto(t.view(_HALF_BLOCK), chunk[:, 1])
        np.subtract(1, r, out=r)
        r[:] = _libm.log(r)
        r *= -2
        np.sqrt(r, out=r)
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
