"""``Cauchy(loc, scale)``: the Lorentz distribution, with no mean."""

from __future__ import annotations

import math
import numbers
from typing import Any

import microtensor as mt
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["Cauchy"]


class Cauchy(Distribution):
    """Density ``1 / (pi scale (1 + ((x - loc) / scale)^2))``.

    Args:
        loc: the median and mode.
        scale: the half width at half maximum (> 0).
        validate_args: check ``scale > 0`` and ``log_prob``'s values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Cauchy
        >>> Cauchy(0.0, 1.0).log_prob(mt.tensor(1.0))
        tensor(-1.8379)
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        scalar = isinstance(loc, numbers.Number) and isinstance(scale, numbers.Number)
        super().__init__(Size() if scalar else self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Cauchy:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        return self._expanded(batch_shape, loc=0, scale=0)  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        """Undefined: NaN."""
        return mt.full(self._extended_shape(), math.nan, dtype=self.loc.dtype)

    @property
    def mode(self) -> Tensor:
        """The mode: ``loc``."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """Infinite."""
        return mt.full(self._extended_shape(), math.inf, dtype=self.loc.dtype)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc + scale * eps`` with ``eps`` from ``Tensor.cauchy_`` (torch's stream)."""
        shape = self._extended_shape(sample_shape)
        eps = mt.empty(shape, dtype=self.loc.dtype).cauchy_()
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        """``-log(pi) - log(scale) - log(1 + ((value - loc) / scale)^2)``."""
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -math.log(math.pi) - self.scale.log() - z.pow(2).log1p()

    def cdf(self, value: Tensor) -> Tensor:
        """``atan((value - loc) / scale) / pi + 1/2``."""
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value: Tensor) -> Tensor:
        """``loc + scale * tan(pi (value - 1/2))``."""
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self) -> Tensor:
        """``log(4 pi) + log(scale)``."""
        return math.log(4 * math.pi) + self.scale.log()
