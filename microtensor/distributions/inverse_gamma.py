"""``InverseGamma(concentration, rate)``: ``1 / X`` for ``X ~ Gamma(concentration, rate)``."""

from __future__ import annotations

import math
from typing import Any

import microtensor as mt
from microtensor.distributions import constraints
from microtensor.distributions.gamma import Gamma
from microtensor.distributions.transformed_distribution import TransformedDistribution
from microtensor.distributions.transforms import PowerTransform
from microtensor.tensor import Tensor

__all__ = ["InverseGamma"]


class InverseGamma(TransformedDistribution):
    """Density ``rate^a / Gamma(a) x^(-a-1) exp(-rate / x)``, as torch: Gamma and ``x^-1``.

    Args:
        concentration: the shape ``a`` (> 0).
        rate: the scale of ``x`` (> 0).
        validate_args: check the parameters and ``log_prob``'s values.

    Differs from PyTorch: draws as ``Gamma``'s (NumPy gammas; not torch's values).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import InverseGamma
        >>> InverseGamma(mt.tensor([2.0]), mt.tensor([1.0])).log_prob(mt.tensor([1.0]))
        tensor([-1.])
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive  # type: ignore[assignment]
    has_rsample = True  # type: ignore[assignment]

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        base_dist = Gamma(concentration, rate, validate_args=validate_args)
        neg_one = -mt.ones((), dtype=base_dist.rate.dtype)
        super().__init__(base_dist, PowerTransform(neg_one), validate_args=validate_args)

    @property
    def concentration(self) -> Tensor:
        """The Gamma's concentration ``a``."""
        return self.base_dist.concentration  # type: ignore[attr-defined]

    @property
    def rate(self) -> Tensor:
        """The Gamma's rate."""
        return self.base_dist.rate  # type: ignore[attr-defined]

    @property
    def mean(self) -> Tensor:
        """``rate / (a - 1)`` for ``a > 1``, else inf."""
        result = self.rate / (self.concentration - 1)
        return mt.where(self.concentration > 1, result, mt.full_like(result, math.inf))

    @property
    def mode(self) -> Tensor:
        """``rate / (a + 1)``."""
        return self.rate / (self.concentration + 1)

    @property
    def variance(self) -> Tensor:
        """``rate^2 / ((a - 1)^2 (a - 2))`` for ``a > 2``, else inf."""
        a = self.concentration
        result = self.rate.pow(2) / ((a - 1).pow(2) * (a - 2))
        return mt.where(a > 2, result, mt.full_like(result, math.inf))

    def entropy(self) -> Tensor:
        """``a + log(rate) + lgamma(a) - (1 + a) digamma(a)``."""
        a = self.concentration
        return a + self.rate.log() + a.lgamma() - (1 + a) * a.digamma()
