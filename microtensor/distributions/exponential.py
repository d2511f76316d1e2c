"""``Exponential(rate)``: waiting times of a Poisson process."""

from __future__ import annotations

import numbers
from typing import Any

import microtensor as mt
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["Exponential"]


class Exponential(Distribution):
    """The exponential distribution: density ``rate * exp(-rate * x)`` for ``x >= 0``.

    Args:
        rate: the rate (> 0); the mean is ``1 / rate``.
        validate_args: check ``rate > 0`` and ``log_prob``'s values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Exponential
        >>> Exponential(mt.tensor([2.0])).log_prob(mt.tensor([1.0]))
        tensor([-1.3069])
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        batch_shape = Size() if isinstance(rate, numbers.Number) else self.rate.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Exponential:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        return self._expanded(batch_shape, rate=0)  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        """The mean: ``1 / rate``."""
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        """The mode: 0."""
        return mt.zeros_like(self.rate)

    @property
    def stddev(self) -> Tensor:
        """The standard deviation: ``1 / rate``."""
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        """The variance: ``rate ** -2``."""
        return self.rate.pow(-2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A reparameterised draw ``E / rate`` with ``E ~ Exponential(1)`` (torch's stream)."""
        shape = self._extended_shape(sample_shape)
        return mt.empty(shape, dtype=self.rate.dtype).exponential_() / self.rate

    def log_prob(self, value: Tensor) -> Tensor:
        """``log(rate) - rate * value``."""
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value: Tensor) -> Tensor:
        """``1 - exp(-rate * value)``."""
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value: Tensor) -> Tensor:
        """``-log(1 - value) / rate``."""
        return -(-value).log1p() / self.rate

    def entropy(self) -> Tensor:
        """``1 - log(rate)``."""
        return 1.0 - self.rate.log()
