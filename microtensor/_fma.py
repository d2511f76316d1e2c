"""Fused multiply-add ``a * b + c`` with one rounding, in NumPy, for float32 and float64.

torch's CPU kernels are compiled with FMA contraction, so wherever a product feeds a sum (the
``x * (to - from) + from`` of ``uniform_``, the Cephes polynomials of its AVX2 ``log``) it
rounds once where plain NumPy would round twice. These functions round once too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_SPLIT = 134217729.0  # 2**27 + 1: Veltkamp's splitter for doubles
_SPLIT_LIMIT = 2.0**995  # beyond it _SPLIT * x overflows: split x * 2**-28, then scale back


def fma32(a: np.ndarray, b: np.ndarray | np.float32, c: np.ndarray | np.float32) -> np.ndarray:
    """float32 ``a * b + c``: the product of two floats is exact in double, then one rounding."""
    product = np.multiply(a, b, dtype=np.float64)
    product += c
    return product.astype(np.float32)


def _split(x: Any) -> tuple[Any, Any]:
    if np.ndim(x) == 0 and _SPLIT_LIMIT < abs(x) < np.inf:  # a huge scalar (uniform_ over 1e308)
        high, low = _split(x * 2.0**-28)
        return high * 2.0**28, low * 2.0**28  # powers of two: exact
    scaled = _SPLIT * x
    high = scaled - (scaled - x)
    return high, x - high


def fma64(a: Any, b: Any, c: Any) -> Any:
    """float64 ``a * b + c`` from error-free transformations (Dekker's product, Knuth's sum).

    Exact except when the exact result lies on a rounding midpoint (probability ~2**-50).
    ``a`` (an array) must stay below 2**995 in magnitude; ``b`` may be any finite scalar.
    """
    product = a * b
    a_high, a_low = _split(a)
    b_high, b_low = _split(np.float64(b))
    product_error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low
    total = product + c
    virtual = total - product
    sum_error = (product - (total - virtual)) + (c - virtual)
    return total + (sum_error + product_error)
