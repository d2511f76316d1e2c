"""``HalfNormal(scale)`` and ``HalfCauchy(scale)``: ``|X|`` for a centred normal or Cauchy."""

from __future__ import annotations

import math
from typing import Any

import microtensor as mt
from microtensor.distributions import constraints
from microtensor.distributions.cauchy import Cauchy
from microtensor.distributions.normal import Normal
from microtensor.distributions.transformed_distribution import TransformedDistribution
from microtensor.distributions.transforms import AbsTransform
from microtensor.tensor import Tensor

__all__ = ["HalfCauchy", "HalfNormal"]


class _Folded(TransformedDistribution):
    """``|X|`` for ``X`` symmetric about 0: twice the base's density on ``x >= 0``."""

    support = constraints.nonnegative  # type: ignore[assignment]
    has_rsample = True  # type: ignore[assignment]

    @property
    def scale(self) -> Tensor:
        """The base's scale."""
        return self.base_dist.scale  # type: ignore[attr-defined]

    @property
    def mode(self) -> Tensor:
        """The mode: 0."""
        return mt.zeros_like(self.scale)

    def log_prob(self, value: Tensor) -> Tensor:
        """``base.log_prob(value) + log 2`` for ``value >= 0``, else ``-inf``."""
        if self._validate_args:
            self._validate_sample(value)
        value = mt.as_tensor(value, dtype=self.scale.dtype)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return mt.where(value >= 0, log_prob, mt.full_like(log_prob, -math.inf))

    def cdf(self, value: Tensor) -> Tensor:
        """``2 base.cdf(value) - 1``."""
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob: Tensor) -> Tensor:
        """``base.icdf((prob + 1) / 2)``."""
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self) -> Tensor:
        """The base's entropy minus ``log 2``."""
        return self.base_dist.entropy() - math.log(2)


class HalfNormal(_Folded):
    """``|X|`` with ``X ~ Normal(0, scale)``.

    Args:
        scale: the scale of the normal (> 0).
        validate_args: check ``scale > 0`` and ``log_prob``'s values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import HalfNormal
        >>> HalfNormal(1.0).log_prob(mt.tensor(0.0))
        tensor(-0.2258)
    """

    arg_constraints = {"scale": constraints.positive}

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        base_dist = Normal(0, scale, validate_args=False)
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        """``scale sqrt(2 / pi)``."""
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self) -> Tensor:
        """``scale^2 (1 - 2 / pi)``."""
        return self.scale.pow(2) * (1 - 2 / math.pi)


class HalfCauchy(_Folded):
    """``|X|`` with ``X ~ Cauchy(0, scale)``.

    Args:
        scale: the scale of the Cauchy (> 0).
        validate_args: check ``scale > 0`` and ``log_prob``'s values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import HalfCauchy
        >>> HalfCauchy(1.0).log_prob(mt.tensor(0.0))
        tensor(-0.4516)
    """

    arg_constraints = {"scale": constraints.positive}

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        base_dist = Cauchy(0, scale, validate_args=False)
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        """Infinite."""
        return mt.full(self._extended_shape(), math.inf, dtype=self.scale.dtype)

    @property
    def variance(self) -> Tensor:
        """Infinite."""
        return mt.full(self._extended_shape(), math.inf, dtype=self.scale.dtype)
