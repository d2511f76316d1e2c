"""torch's AVX2 float32 ``log`` and ``sincos`` (``avx_mathfun.h``, Cephes polynomials), bit for bit.

``torch.randn`` of 16 or more float32 numbers runs Box-Muller through these two functions,
compiled with fused multiply-adds wherever a product feeds a sum. NumPy's own ``log``, ``sin`` and
``cos`` are more accurate and so differ from torch by an ulp or two; these ports repeat torch's
operations one by one in float32, each fused multiply-add rounded once (``_fma``), so that they
give torch's bits.
"""

from __future__ import annotations

import numpy as np

from microtensor._fma import fma32 as fma

_F32 = np.float32
_HALF_BITS = np.int32(0x3F000000)  # the bits of 0.5f: the mantissa of x becomes [0.5, 1)
_LOG_P = [
    7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
    -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
]  # fmt: skip
_LOG_Q1, _LOG_Q2 = _F32(-2.12194440e-4), _F32(0.693359375)
_SQRTHF = _F32(0.707106781186547524)
_FOPI = _F32(1.27323954473516)  # 4 / pi
_DP = [_F32(-0.78515625), _F32(-2.4187564849853515625e-4), _F32(-3.77489497744594108e-8)]
_COSCOF = [_F32(2.443315711809948e-5), _F32(-1.388731625493765e-3), _F32(4.166664568298827e-2)]
_SINCOF = [_F32(-1.9515295891e-4), _F32(8.3321608736e-3), _F32(-1.6666654611e-1)]


def log(x: np.ndarray) -> np.ndarray:
    """Torch's ``log256_ps``: float32 natural log of positive normal floats.

    (torch's clamp of denormals and NaN for ``x <= 0`` are left out: Box-Muller's ``1 - u``
    is always at least 2**-24.)
    """
    bits = x.view(np.int32)
    e = (bits >> 23).astype(_F32)
    e -= _F32(0x7F - 1)  # exponent + 1, exact in float32
    x = ((bits & np.int32(~0x7F800000)) | _HALF_BITS).view(_F32)
    below = x < _SQRTHF  # if x < sqrt(1/2): e -= 1, x = x + x - 1; else x = x - 1
    tmp = x * below
    x = x - _F32(1)
    e -= below
    x += tmp
    z = x * x
    y = fma(_LOG_P[0] * np.ones_like(x), x, _F32(_LOG_P[1]))
    for coefficient in _LOG_P[2:]:
        y = fma(y, x, _F32(coefficient))
    y *= x
    y = fma(y, z, e * _LOG_Q1)
    y -= z * _F32(0.5)  # z * 0.5 is exact, so fused or not gives the same
    x += y
    return fma(e, _LOG_Q2, x)


def sincos(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Torch's ``sincos256_ps``: float32 ``(sin(x), cos(x))`` by Cephes' octant reduction.

    For ``x >= 0`` (Box-Muller's angles ``2 pi u``); torch's sign handling of negative ``x``
    is left out.
    """
    j = (x * _FOPI).astype(np.int32)
    j += 1
    j &= np.int32(~1)  # j = (j + 1) & ~1: the even octant
    y = j.astype(_F32)
    sign_sin = (j & 4) != 0
    sign_cos = (~(j - 2) & 4) != 0
    poly_is_sin = (j & 2) == 0
    for dp in _DP:  # extended-precision reduction: x = ((x - y DP1) - y DP2) - y DP3
        x = fma(y, dp, x)
    z = x * x
    cos_poly = fma(_COSCOF[0] * np.ones_like(z), z, _COSCOF[1])
    cos_poly = fma(cos_poly, z, _COSCOF[2])
    cos_poly *= z
    cos_poly = fma(cos_poly, z, -(z * _F32(0.5)))
    cos_poly += _F32(1)
    sin_poly = fma(_SINCOF[0] * np.ones_like(z), z, _SINCOF[1])
    sin_poly = fma(sin_poly, z, _SINCOF[2])
    sin_poly *= z
    sin_poly = fma(sin_poly, x, x)
    sin = np.where(poly_is_sin, sin_poly, cos_poly)
    cos = np.where(poly_is_sin, cos_poly, sin_poly)
    np.negative(sin, out=sin, where=sign_sin)
    np.negative(cos, out=cos, where=sign_cos)
    return sin, cos
