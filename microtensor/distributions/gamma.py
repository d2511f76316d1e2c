"""``Gamma(concentration, rate)``: the gamma distribution."""

from __future__ import annotations

import numbers
from typing import Any

import microtensor as mt
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions._standard_gamma import standard_gamma
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["Gamma"]


class Gamma(Distribution):
    """Density ``rate^c x^(c-1) exp(-rate x) / Gamma(c)`` for ``x >= 0``.

    Args:
        concentration: the shape ``c`` (> 0).
        rate: the inverse scale (> 0).
        validate_args: check the parameters and ``log_prob``'s values.

    Differs from PyTorch: draws come from NumPy's gamma sampler seeded from microtensor's
    generator (not torch's values); ``rsample``'s gradient is the implicit
    reparameterisation, computed as described in ``_standard_gamma``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Gamma
        >>> Gamma(mt.tensor([2.0]), mt.tensor([3.0])).log_prob(mt.tensor([1.0]))
        tensor([-0.8028])
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        scalar = isinstance(concentration, numbers.Number) and isinstance(rate, numbers.Number)
        batch_shape = Size() if scalar else self.concentration.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Gamma:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        return self._expanded(batch_shape, concentration=0, rate=0)  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        """The mean: ``c / rate``."""
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        """The mode: ``max(c - 1, 0) / rate``."""
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        """The variance: ``c / rate^2``."""
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A reparameterised draw: ``standard_gamma(c) / rate``, at least ``tiny``."""
        shape = self._extended_shape(sample_shape)
        value = standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        return value.clamp(min=mt.finfo(value.dtype).tiny)

    def log_prob(self, value: Tensor) -> Tensor:
        """``c log(rate) + (c - 1) log(value) - rate value - lgamma(c)``."""
        if self._validate_args:
            self._validate_sample(value)
        value = mt.as_tensor(value, dtype=self.rate.dtype)
        c, rate = self.concentration, self.rate
        return mt.xlogy(c, rate) + mt.xlogy(c - 1, value) - rate * value - c.lgamma()

    def cdf(self, value: Tensor) -> Tensor:
        """The regularised lower incomplete gamma function ``P(c, rate * value)``."""
        if self._validate_args:
            self._validate_sample(value)
        return mt.special.gammainc(self.concentration, self.rate * value)

    def entropy(self) -> Tensor:
        """``c - log(rate) + lgamma(c) + (1 - c) digamma(c)``."""
        c = self.concentration
        return c - self.rate.log() + c.lgamma() + (1.0 - c) * c.digamma()
