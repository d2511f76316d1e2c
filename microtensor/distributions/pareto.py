"""``Pareto(scale, alpha)``: the power law, ``scale * exp(E)`` for an exponential ``E``."""

from __future__ import annotations

from typing import Any

from microtensor.distributions import constraints
from microtensor.distributions.exponential import Exponential
from microtensor.distributions.transformed_distribution import TransformedDistribution
from microtensor.distributions.transforms import AffineTransform, ExpTransform
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["Pareto"]


class Pareto(TransformedDistribution):
    """``scale * exp(E)`` with ``E ~ Exponential(alpha)``, as torch builds it.

    Density ``alpha scale^alpha / x^(alpha + 1)`` for ``x >= scale``.

    Args:
        scale: the minimum value (> 0).
        alpha: the tail index (> 0).
        validate_args: check the parameters and ``log_prob``'s values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Pareto
        >>> Pareto(mt.tensor([1.0]), mt.tensor([2.0])).log_prob(mt.tensor([2.0]))
        tensor([-1.3863])
    """

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}

    def __init__(self, scale: Any, alpha: Any, validate_args: bool | None = None) -> None:
        self.scale, self.alpha = broadcast_all(scale, alpha)
        base_dist = Exponential(self.alpha, validate_args=validate_args)
        transforms = [ExpTransform(), AffineTransform(loc=0, scale=self.scale)]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Pareto:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        new = Pareto(self.scale.expand(batch_shape), self.alpha.expand(batch_shape), False)
        new._validate_args = self._validate_args
        return new

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        """``x >= scale``."""
        return constraints.greater_than_eq(self.scale)

    @property
    def mean(self) -> Tensor:
        """``alpha scale / (alpha - 1)`` (inf for ``alpha <= 1``)."""
        a = self.alpha.clamp(min=1)
        return a * self.scale / (a - 1)

    @property
    def mode(self) -> Tensor:
        """The mode: ``scale``."""
        return self.scale

    @property
    def variance(self) -> Tensor:
        """``scale^2 alpha / ((alpha - 1)^2 (alpha - 2))`` (inf for ``alpha <= 2``)."""
        a = self.alpha.clamp(min=2)
        return self.scale.pow(2) * a / ((a - 1).pow(2) * (a - 2))

    def entropy(self) -> Tensor:
        """``log(scale / alpha) + 1 + 1/alpha``."""
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())
