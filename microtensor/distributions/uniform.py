"""``Uniform(low, high)``: the uniform distribution on [low, high)."""

from __future__ import annotations

from typing import Any

import microtensor as mt
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["Uniform"]


class _Dependent(constraints.Constraint):
    """A constraint checked by the distribution itself (it depends on other parameters)."""

    is_dependent = True


class Uniform(Distribution):
    """Uniformly distributed values in the half-open interval ``[low, high)``.

    Args:
        low: the lower bound (inclusive).
        high: the upper bound (exclusive), greater than ``low``.
        validate_args: check ``low < high`` and ``log_prob``'s values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Uniform
        >>> Uniform(0.0, 4.0).entropy()
        tensor(1.3863)
    """

    arg_constraints = {"low": _Dependent(), "high": _Dependent()}
    has_rsample = True

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        self.low, self.high = broadcast_all(low, high)
        super().__init__(self.low.shape, validate_args=validate_args)
        if self._validate_args and not bool((self.low < self.high).all()):
            raise ValueError(
                f"Expected parameter low ({type(self.low).__name__} of shape "
                f"{tuple(self.low.shape)}) of distribution {self!r} to satisfy the constraint "
                f"LessThan(upper_bound=high), but found invalid values:\n{self.low}"
            )

    def expand(self, batch_shape: Any, _instance: Any = None) -> Uniform:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        return self._expanded(batch_shape, low=0, high=0)  # type: ignore[return-value]

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        """The values the distribution can take."""
        return constraints.interval(_number(self.low), _number(self.high))

    @property
    def mean(self) -> Tensor:
        """The mean."""
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        """The mode."""
        return mt.full_like(self.high, float("nan"))

    @property
    def stddev(self) -> Tensor:
        """The standard deviation."""
        return (self.high - self.low) / 12**0.5

    @property
    def variance(self) -> Tensor:
        """The variance."""
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A reparameterised draw of ``sample_shape + batch_shape`` values (differentiable)."""
        shape = self._extended_shape(sample_shape)
        rand = mt.rand(shape, dtype=self.low.dtype)
        return self.low + rand * (self.high - self.low)

    def log_prob(self, value: Tensor) -> Tensor:
        """The log of the density (or mass) at ``value``."""
        if self._validate_args:
            self._validate_sample(value)
        lower = self.low.le(value).type_as(self.low)
        upper = self.high.gt(value).type_as(self.low)
        return (lower * upper).log() - (self.high - self.low).log()

    def cdf(self, value: Tensor) -> Tensor:
        """The cumulative distribution function at ``value``."""
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value: Tensor) -> Tensor:
        """The inverse of the cumulative distribution function at ``value``."""
        return value * (self.high - self.low) + self.low

    def entropy(self) -> Tensor:
        """The entropy, per batch element."""
        return (self.high - self.low).log()


def _number(t: Tensor) -> Any:
    return t.item() if t.numel() == 1 else t
