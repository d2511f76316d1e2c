"""torch's CPU kernels for the in-place continuous distributions, on NumPy arrays.

Each takes from a ``Generator`` exactly the draws torch's kernel takes and applies the same
arithmetic (``TransformationHelper.h``), returning the ``n`` values in the order torch visits
the elements:

- ``uniform``: ``uniform_real_distribution`` in the dtype's opmath type (float32 for float16):
  ``x * (to - from) + from``, rounded once (torch's kernels are built with FMA), then to the
  dtype, where a value equal to ``to`` becomes ``from``.
- ``exponential``: ``-1 / lambda * log1p(-u)``, ``u`` a float64 uniform.
- ``geometric``: ``ceil(log(u) / log1p(-p))``, ``u`` a float64 uniform.
- ``cauchy``: ``median + sigma * tan(pi * (u - 0.5))``, ``u`` a float64 uniform.
- ``log_normal``: ``exp`` of torch's ``normal_distribution<double>(mean, std)`` (Box-Muller
  with the generator's cached second sample).

``log``, ``log1p`` and ``exp`` are glibc's own (``_libm``) for float64 results, so those equal
torch's bit for bit. Differs from PyTorch: ``cauchy`` takes NumPy's ``tan``, which differs
from the C library's by one ulp for about one input in 200 (glibc's ``tan`` is not ported),
so a float64 ``cauchy_`` value can differ from torch's in its last bit; float32 results,
rounded from float64, equal torch's.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from microtensor import _libm, _rng_normal
from microtensor._fma import fma32, fma64

if TYPE_CHECKING:
    from microtensor.random import Generator


def uniform(generator: Generator, n: int, dtype: Any, low: float, high: float) -> np.ndarray:
    """Torch's ``uniform_(from, to)`` kernel: ``n`` values of ``dtype``."""
    dtype = np.dtype(dtype)
    wide = dtype == np.float64
    x = generator._uniform(n, np.float64 if wide else np.float32)
    if low == 0 and high == 1:
        values = x.astype(dtype, copy=False)
        if dtype in (np.float32, np.float64):
            return values  # x < 1 holds in float32 and float64
    elif wide:
        values = fma64(x, high - low, low)
    else:  # float32 arithmetic, also for float16 (its opmath type), then one rounding
        low32, high32 = np.float32(low), np.float32(high)
        values = fma32(x, high32 - low32, low32).astype(dtype, copy=False)
    # torch 2.13: a value that rounded up to `to` in the dtype becomes `from`
    np.putmask(values, values == dtype.type(high), dtype.type(low))
    return values


def exponential(generator: Generator, n: int, lambd: float, exact: bool = True) -> np.ndarray:
    """Torch's ``exponential_(lambd)``: float64 values (cast them to the tensor's dtype).

    ``exact`` takes glibc's ``log1p`` (torch's float64 bits), else NumPy's, rounded to float32
    (for float32 and smaller: c10 rounds a double to half through float).
    """
    log1p = _libm.log1p if exact else np.log1p
    values = (-1.0 / lambd) * log1p(-generator._uniform(n, np.float64))
    return values if exact else values.astype(np.float32)  # torch: double -> float -> half


def geometric(generator: Generator, n: int, p: float) -> np.ndarray:
    """Torch's ``geometric_(p)``: float64 values, whole numbers >= 1."""
    with np.errstate(divide="ignore"):
        return np.ceil(_libm.log(generator._uniform(n, np.float64)) / math.log1p(-p))


def cauchy(generator: Generator, n: int, median: float, sigma: float) -> np.ndarray:
    """Torch's ``cauchy_(median, sigma)``: float64 values."""
    tangent = np.tan(np.pi * (generator._uniform(n, np.float64) - 0.5))
    return fma64(tangent, sigma, median)


def log_normal(
    generator: Generator, n: int, mean: float, std: float, exact: bool = True
) -> np.ndarray:
    """Torch's ``log_normal_(mean, std)``: float64 values (float32 without ``exact``)."""
    if exact:
        return _libm.exp(_rng_normal.normal_serial(generator, n, mean, std, exact))
    return np.exp(_rng_normal.normal_serial(generator, n, mean, std, exact)).astype(np.float32)
