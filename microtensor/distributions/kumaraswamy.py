"""``Kumaraswamy(concentration1, concentration0)``: a Beta look-alike with a closed-form cdf."""

from __future__ import annotations

import math
from typing import Any

import microtensor as mt
from microtensor.distributions import constraints
from microtensor.distributions.gumbel import EULER_GAMMA
from microtensor.distributions.transformed_distribution import TransformedDistribution
from microtensor.distributions.transforms import AffineTransform, PowerTransform
from microtensor.distributions.uniform import Uniform
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["Kumaraswamy"]


def _moments(a: Tensor, b: Tensor, n: int) -> Tensor:
    """``E[X^n] = b B(1 + n/a, b)``."""
    arg1 = 1 + n / a
    return b * (arg1.lgamma() + b.lgamma() - (arg1 + b).lgamma()).exp()


class Kumaraswamy(TransformedDistribution):
    """Density ``a b x^(a-1) (1 - x^a)^(b-1)`` on [0, 1]: ``(1 - U^(1/b))^(1/a)``.

    Args:
        concentration1: ``a`` (> 0).
        concentration0: ``b`` (> 0).
        validate_args: check the parameters and ``log_prob``'s values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Kumaraswamy
        >>> Kumaraswamy(mt.tensor([2.0]), mt.tensor([3.0])).log_prob(mt.tensor([0.5]))
        tensor([0.5232])
    """

    arg_constraints = {
        "concentration1": constraints.positive,
        "concentration0": constraints.positive,
    }
    support = constraints.unit_interval  # type: ignore[assignment]
    has_rsample = True  # type: ignore[assignment]

    def __init__(
        self, concentration1: Any, concentration0: Any, validate_args: bool | None = None
    ) -> None:
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        base_dist = Uniform(
            mt.full_like(self.concentration0, 0),
            mt.full_like(self.concentration0, 1),
            validate_args=validate_args,
        )
        transforms = [
            PowerTransform(exponent=self.concentration0.reciprocal()),
            AffineTransform(loc=1.0, scale=-1.0),
            PowerTransform(exponent=self.concentration1.reciprocal()),
        ]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Kumaraswamy:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        a = self.concentration1.expand(batch_shape)
        b = self.concentration0.expand(batch_shape)
        new = Kumaraswamy(a, b, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """``b B(1 + 1/a, b)``."""
        return _moments(self.concentration1, self.concentration0, 1)

    @property
    def mode(self) -> Tensor:
        """``((a - 1) / (a b - 1))^(1/a)``; NaN when ``a < 1`` or ``b < 1``."""
        a, b = self.concentration1, self.concentration0
        log_mode = b.reciprocal() * (-b).log1p() - (-b * a).log1p()
        log_mode = mt.where((b < 1) | (a < 1), mt.full_like(log_mode, math.nan), log_mode)
        return log_mode.exp()

    @property
    def variance(self) -> Tensor:
        """``E[X^2] - E[X]^2``."""
        return _moments(self.concentration1, self.concentration0, 2) - self.mean.pow(2)

    def entropy(self) -> Tensor:
        """``(1 - 1/b) + (1 - 1/a) H_b - log a - log b`` with ``H_b = digamma(b + 1) + gamma``."""
        t1 = 1 - self.concentration1.reciprocal()
        t0 = 1 - self.concentration0.reciprocal()
        harmonic = (self.concentration0 + 1).digamma() + EULER_GAMMA
        return t0 + t1 * harmonic - self.concentration1.log() - self.concentration0.log()
