"""``Poisson(rate)``: counts of events at a constant rate."""

from __future__ import annotations

import numbers
from typing import Any

import microtensor as mt
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["Poisson"]


class Poisson(Distribution):
    """``P(X = k) = rate^k exp(-rate) / k!`` for ``k = 0, 1, ...``.

    Args:
        rate: the rate (>= 0), also the mean and the variance.
        validate_args: check ``rate >= 0`` and ``log_prob``'s values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Poisson
        >>> Poisson(mt.tensor([2.0])).log_prob(mt.tensor([3.0]))
        tensor([-1.7123])
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        batch_shape = Size() if isinstance(rate, numbers.Number) else self.rate.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Poisson:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        return self._expanded(batch_shape, rate=0)  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        """The mean: ``rate``."""
        return self.rate

    @property
    def mode(self) -> Tensor:
        """The mode: ``floor(rate)``."""
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        """The variance: ``rate``."""
        return self.rate

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """``microtensor.poisson`` of the rate: torch's values for the same seed."""
        shape = self._extended_shape(sample_shape)
        with mt.no_grad():
            return mt.poisson(self.rate.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        """``value * log(rate) - rate - lgamma(value + 1)``."""
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()
