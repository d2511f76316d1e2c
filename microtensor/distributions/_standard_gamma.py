"""``standard_gamma(concentration)``: Gamma(concentration, 1) draws with implicit gradients.

A draw ``x`` solves ``F(x; a) = u`` for a uniform ``u``, where ``F`` is the regularised lower
incomplete gamma function. Holding ``u`` fixed gives the reparameterised gradient
``dx/da = -(dF/da) / (dF/dx)``, with ``dF/dx = x^(a-1) e^-x / Gamma(a)`` (the density) and
``dF/da`` by a Richardson-extrapolated central difference of SciPy's ``gammainc``.

The draws are torch's: the same values from the same generator state, which ends where
torch's does (see ``microtensor._rng_gamma``). Differs from PyTorch: ``dx/da`` is the exact
implicit derivative to about 1e-9 relative, where torch's ``_standard_gamma_grad`` uses
series and asymptotic approximations. The derivative is itself treated as a constant (no
second derivative in ``concentration``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor._rng_gamma import standard_gamma as standard_gamma_draws
from microtensor.autograd.function import Op
from microtensor.ops._pointwise import scipy_special
from microtensor.random import _generator
from microtensor.tensor import Tensor

__all__ = ["standard_gamma", "standard_gamma_grad"]


def standard_gamma_grad(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``dx/da`` of a Gamma(a, 1) draw ``x`` at fixed quantile (arrays)."""
    sc = scipy_special()
    a64, x64 = np.asarray(a, dtype=np.float64), np.asarray(x, dtype=np.float64)
    h = 1e-3 * np.maximum(a64, 1e-2)  # a relative step; a > h always

    def central(step: np.ndarray) -> np.ndarray:
        return (sc.gammainc(a64 + step, x64) - sc.gammainc(a64 - step, x64)) / (2 * step)

    dF_da = (4 * central(h / 2) - central(h)) / 3  # Richardson: O(h^4)
    log_density = (a64 - 1) * np.log(x64) - x64 - sc.gammaln(a64)
    return np.asarray(-dF_da / np.exp(log_density), dtype=np.result_type(a, x))


class StandardGamma(Op):
    """x ~ Gamma(a, 1);  dx/da = -(dF/da) / f(x; a) (implicit reparameterisation)."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        draw = standard_gamma_draws(_generator(None), a)  # torch's sample_gamma, clamped to tiny
        ctx.grad_x = standard_gamma_grad(a, draw)
        return draw

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return grad_out * ctx.grad_x


def standard_gamma(concentration: Tensor) -> Tensor:
    """One Gamma(concentration, 1) draw per element, differentiable in ``concentration``."""
    return StandardGamma.apply(concentration)
