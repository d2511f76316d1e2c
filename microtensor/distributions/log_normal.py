"""``LogNormal(loc, scale)``: ``exp`` of a normal variable."""

from __future__ import annotations

from typing import Any

from microtensor.distributions import constraints
from microtensor.distributions.normal import Normal
from microtensor.distributions.transformed_distribution import TransformedDistribution
from microtensor.distributions.transforms import ExpTransform
from microtensor.tensor import Tensor

__all__ = ["LogNormal"]


class LogNormal(TransformedDistribution):
    """``Y = exp(X)`` with ``X ~ Normal(loc, scale)``, as torch: a TransformedDistribution.

    Args:
        loc: the mean of ``log Y``.
        scale: the standard deviation of ``log Y`` (> 0).
        validate_args: check ``scale > 0`` and ``log_prob``'s values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import LogNormal
        >>> LogNormal(0.0, 1.0).log_prob(mt.tensor(1.0))
        tensor(-0.9189)
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive  # type: ignore[assignment]
    has_rsample = True  # type: ignore[assignment]

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        base_dist = Normal(loc, scale, validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    @property
    def loc(self) -> Tensor:
        """The base normal's mean."""
        return self.base_dist.loc  # type: ignore[attr-defined]

    @property
    def scale(self) -> Tensor:
        """The base normal's standard deviation."""
        return self.base_dist.scale  # type: ignore[attr-defined]

    @property
    def mean(self) -> Tensor:
        """``exp(loc + scale^2 / 2)``."""
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self) -> Tensor:
        """``exp(loc - scale^2)``."""
        return (self.loc - self.scale.pow(2)).exp()

    @property
    def variance(self) -> Tensor:
        """``(exp(scale^2) - 1) exp(2 loc + scale^2)``."""
        scale2 = self.scale.pow(2)
        return scale2.expm1() * (2 * self.loc + scale2).exp()

    def entropy(self) -> Tensor:
        """The base's entropy plus ``loc``."""
        return self.base_dist.entropy() + self.loc
