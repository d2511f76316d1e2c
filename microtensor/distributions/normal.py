"""``Normal(loc, scale)``: the Gaussian distribution."""

from __future__ import annotations

import math
from typing import Any

import microtensor as mt
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["Normal"]


class Normal(Distribution):
    """The normal distribution with mean ``loc`` and standard deviation ``scale``.

    Args:
        loc: the mean (a Tensor or a number).
        scale: the standard deviation (> 0).
        validate_args: check ``scale > 0`` and ``log_prob``'s values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Normal
        >>> Normal(0.0, 1.0).log_prob(mt.tensor(0.0))
        tensor(-0.9189)
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Normal:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        return self._expanded(batch_shape, loc=0, scale=0)  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        """The mean."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """The mode."""
        return self.loc

    @property
    def stddev(self) -> Tensor:
        """The standard deviation."""
        return self.scale

    @property
    def variance(self) -> Tensor:
        """The variance."""
        return self.scale.pow(2)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draw ``sample_shape + batch_shape + event_shape`` values, outside the graph."""
        shape = self._extended_shape(sample_shape)
        with mt.no_grad():
            return mt.normal(self.loc.expand(shape), self.scale.expand(shape))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A reparameterised draw of ``sample_shape + batch_shape`` values (differentiable)."""
        shape = self._extended_shape(sample_shape)
        eps = mt.empty(shape, dtype=self.loc.dtype).normal_()
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        """The log of the density (or mass) at ``value``."""
        if self._validate_args:
            self._validate_sample(value)
        var = self.scale**2
        return (
            -((value - self.loc) ** 2) / (2 * var)
            - self.scale.log()
            - math.log(math.sqrt(2 * math.pi))
        )

    def cdf(self, value: Tensor) -> Tensor:
        """The cumulative distribution function at ``value``."""
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + mt.erf((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)))

    def icdf(self, value: Tensor) -> Tensor:
        """The inverse of the cumulative distribution function at ``value``."""
        return self.loc + self.scale * mt.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self) -> Tensor:
        """The entropy, per batch element."""
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()
