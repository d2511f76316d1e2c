"""``Weibull(scale, concentration)``: a power of an exponential variable."""

from __future__ import annotations

from typing import Any

import microtensor as mt
from microtensor.distributions import constraints
from microtensor.distributions.exponential import Exponential
from microtensor.distributions.gumbel import EULER_GAMMA
from microtensor.distributions.transformed_distribution import TransformedDistribution
from microtensor.distributions.transforms import AffineTransform, PowerTransform
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["Weibull"]


class Weibull(TransformedDistribution):
    """``scale * E^(1 / concentration)`` with ``E ~ Exponential(1)``, as torch builds it.

    Args:
        scale: the scale ``lambda`` (> 0).
        concentration: the shape ``k`` (> 0).
        validate_args: check the parameters and ``log_prob``'s values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Weibull
        >>> Weibull(mt.tensor([1.0]), mt.tensor([2.0])).log_prob(mt.tensor([1.0]))
        tensor([-0.3069])
    """

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive  # type: ignore[assignment]

    def __init__(self, scale: Any, concentration: Any, validate_args: bool | None = None) -> None:
        self.scale, self.concentration = broadcast_all(scale, concentration)
        self.concentration_reciprocal = self.concentration.reciprocal()
        base_dist = Exponential(mt.ones_like(self.scale), validate_args=validate_args)
        transforms = [
            PowerTransform(exponent=self.concentration_reciprocal),
            AffineTransform(loc=0, scale=self.scale),
        ]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Weibull:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        scale, concentration = (
            self.scale.expand(batch_shape),
            self.concentration.expand(batch_shape),
        )
        new = Weibull(scale, concentration, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """``scale Gamma(1 + 1/k)``."""
        return self.scale * (1 + self.concentration_reciprocal).lgamma().exp()

    @property
    def mode(self) -> Tensor:
        """``scale ((k - 1) / k)^(1/k)``."""
        k = self.concentration
        return self.scale * ((k - 1) / k) ** k.reciprocal()

    @property
    def variance(self) -> Tensor:
        """``scale^2 (Gamma(1 + 2/k) - Gamma(1 + 1/k)^2)``."""
        r = self.concentration_reciprocal
        return self.scale.pow(2) * ((1 + 2 * r).lgamma().exp() - (2 * (1 + r).lgamma()).exp())

    def entropy(self) -> Tensor:
        """``euler_gamma (1 - 1/k) + log(scale / k) + 1``."""
        return (
            EULER_GAMMA * (1 - self.concentration_reciprocal)
            + (self.scale * self.concentration_reciprocal).log()
            + 1
        )
