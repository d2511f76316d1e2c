"""``VonMises(loc, concentration)``: the circular normal distribution on angles."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import microtensor as mt
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["VonMises"]

# Abramowitz & Stegun 9.8.1-9.8.4 polynomial fits of I0, I1 (torch's, so values match it)
_I0_COEF_SMALL = [1.0, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.360768e-1, 0.45813e-2]
_I0_COEF_LARGE = [
    0.39894228, 0.1328592e-1, 0.225319e-2, -0.157565e-2, 0.916281e-2,
    -0.2057706e-1, 0.2635537e-1, -0.1647633e-1, 0.392377e-2,
]  # fmt: skip
_I1_COEF_SMALL = [0.5, 0.87890594, 0.51498869, 0.15084934, 0.2658733e-1, 0.301532e-2, 0.32411e-3]
_I1_COEF_LARGE = [
    0.39894228, -0.3988024e-1, -0.362018e-2, 0.163801e-2, -0.1031555e-1,
    0.2282967e-1, -0.2895312e-1, 0.1787654e-1, -0.420059e-2,
]  # fmt: skip


def _eval_poly(y: Tensor, coef: list[float]) -> Any:
    result: Any = coef[-1]
    for c in reversed(coef[:-1]):
        result = c + y * result
    return result


def log_modified_bessel(x: Tensor, order: int = 0) -> Tensor:
    """``log I_order(x)`` for ``x > 0`` and order 0 or 1, by torch's polynomial fits.

    The fits are accurate to about 1e-7 relative (enough for a log-density).
    """
    small_coef, large_coef = (
        (_I0_COEF_SMALL, _I0_COEF_LARGE) if order == 0 else (_I1_COEF_SMALL, _I1_COEF_LARGE)
    )
    y = (x / 3.75) * (x / 3.75)
    small = _eval_poly(y, small_coef)
    if order == 1:
        small = x.abs() * small
    small = small.log()
    large = x - 0.5 * x.log() + _eval_poly(3.75 / x, large_coef).log()
    return mt.where(x < 3.75, small, large)


def _rejection_sample(loc: Tensor, concentration: Tensor, proposal_r: Tensor, x: Tensor) -> Tensor:
    """Best & Fisher (1979): three uniforms per round until every element is accepted."""
    done = mt.zeros(x.shape, dtype=mt.bool)
    while not bool(done.all()):
        u1, u2, u3 = mt.rand((3, *x.shape), dtype=loc.dtype).unbind()
        z = (math.pi * u1).cos()
        f = (1 + proposal_r * z) / (proposal_r + z)
        c = concentration * (proposal_r - f)
        with np.errstate(invalid="ignore"):  # log of c < 0: NaN, rejected by the >= test
            accept = ((c * (2 - c) - u2) > 0) | ((c / u2).log() + 1 - c >= 0)
        if bool(accept.any()):
            x = mt.where(accept, (u3 - 0.5).sign() * f.acos(), x)
            done = done | accept
    return (x + math.pi + loc) % (2 * math.pi) - math.pi


class VonMises(Distribution):
    """Density ``exp(k cos(x - loc)) / (2 pi I0(k))`` on angles (radians, modulo 2 pi).

    Args:
        loc: the mean angle.
        concentration: ``k`` (> 0); large ``k`` approaches ``Normal(loc, 1 / sqrt(k))``.
        validate_args: check the parameters and ``log_prob``'s values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import VonMises
        >>> VonMises(mt.tensor([0.0]), mt.tensor([1.0])).log_prob(mt.tensor([0.0]))
        tensor([-1.0738])
    """

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc: Any, concentration: Any, validate_args: bool | None = None) -> None:
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> VonMises:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        return self._expanded(batch_shape, loc=0, concentration=0)  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        """The circular mean: ``loc``."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """The mode: ``loc``."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """The circular variance: ``1 - I1(k) / I0(k)``."""
        k = self.concentration
        return 1 - (log_modified_bessel(k, 1) - log_modified_bessel(k, 0)).exp()

    def log_prob(self, value: Tensor) -> Tensor:
        """``k cos(value - loc) - log(2 pi) - log I0(k)``."""
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.concentration * (value - self.loc).cos()
        return log_prob - math.log(2 * math.pi) - log_modified_bessel(self.concentration, 0)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Best & Fisher's rejection sampler in float64, as torch (torch's values)."""
        shape = self._extended_shape(sample_shape)
        with mt.no_grad():
            loc = self.loc.to(mt.float64)
            kappa = self.concentration.to(mt.float64)
            tau = 1 + (1 + 4 * kappa**2).sqrt()
            rho = (tau - (2 * tau).sqrt()) / (2 * kappa)
            proposal_r = mt.where(kappa < 1e-5, 1 / kappa + kappa, (1 + rho**2) / (2 * rho))
            x = mt.empty(shape, dtype=mt.float64)
            return _rejection_sample(loc, kappa, proposal_r, x).to(self.loc.dtype)
