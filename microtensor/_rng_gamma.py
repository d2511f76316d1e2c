"""torch's CPU ``_standard_gamma`` draws, element by element (``_sample_dirichlet``'s too).

torch samples each element in C order with Marsaglia and Tsang's method (2000) on the float64
streams of the CPU generator: ``uniform_real_distribution<double>`` (53 bits of a
``random64()``) and ``normal_distribution<double>`` (Box-Muller with the cached second value).
A concentration below 1 first takes one uniform ``u`` and is boosted to ``alpha + 1`` with the
draw scaled by ``(1 - u) ** (1 / alpha)``. How many draws an element takes depends on the values
drawn, so the chain is sequential: a Python loop per element (about 3 us an element).

For a float32 concentration torch computes ``1 / alpha``, ``alpha + 1`` and ``alpha - 1/3`` in
float32 and the rest in float64, and its constants ``1/3`` and ``0.0331`` are float32 literals
even for a float64 concentration; this module does the same. ``_sample_dirichlet`` is these
draws on the concentration cast to float64, normalised in float64, clamped to
``[tiny, nexttoward(1, 0)]`` of the dtype and cast back.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from microtensor._rng_normal import normal_serial

if TYPE_CHECKING:
    from microtensor.random import Generator

# torch's source writes these as float literals (1.0f / 3.0f, 0.0331f): float32 values, also
# when the arithmetic around them is float64
_THIRD = float(np.float32(1.0) / np.float32(3.0))
_SQUEEZE = float(np.float32(0.0331))


def _gamma_one(generator: Generator, alpha: float, single: bool) -> float:
    """One Gamma(alpha, 1) draw as torch's ``sample_gamma<scalar_t, double>``."""
    as_scalar = np.float32 if single else float
    scale = 1.0
    if alpha < 1.0:
        if alpha == 0.0:
            return 0.0
        u = float(generator._uniform(1, np.float64)[0])
        scale *= (1.0 - u) ** float(as_scalar(1.0) / as_scalar(alpha))
        alpha = float(as_scalar(alpha) + as_scalar(1.0))
    d = float(as_scalar(alpha) - as_scalar(_THIRD))
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        while True:
            x = float(normal_serial(generator, 1, 0.0, 1.0)[0])
            y = 1.0 + c * x
            if y > 0:
                break
        v = y * y * y
        u = 1.0 - float(generator._uniform(1, np.float64)[0])
        xx = x * x
        if u < 1.0 - _SQUEEZE * xx * xx:
            return scale * d * v
        if math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
            return scale * d * v


def standard_gamma(generator: Generator, concentration: np.ndarray) -> np.ndarray:
    """Torch's ``_standard_gamma``: one draw per element, clamped below at the dtype's tiny."""
    flat = np.ascontiguousarray(concentration).reshape(-1)
    single = flat.dtype != np.float64
    out = np.array([_gamma_one(generator, float(a), single) for a in flat], dtype=flat.dtype)
    return np.maximum(out, np.finfo(flat.dtype).tiny).reshape(concentration.shape)
