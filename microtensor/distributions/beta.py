"""``Beta(concentration1, concentration0)``: a distribution on [0, 1], a 2-category Dirichlet."""

from __future__ import annotations

import numbers
from typing import Any

import microtensor as mt
from microtensor.distributions import constraints
from microtensor.distributions.dirichlet import Dirichlet
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["Beta"]


class Beta(Distribution):
    """Density ``x^(a-1) (1-x)^(b-1) / B(a, b)``, through ``Dirichlet([a, b])`` as torch.

    Args:
        concentration1: ``a`` (> 0), the weight of 1.
        concentration0: ``b`` (> 0), the weight of 0.
        validate_args: check the parameters and ``log_prob``'s values.

    Differs from PyTorch: draws as ``Dirichlet``'s (NumPy gammas; not torch's values).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Beta
        >>> Beta(mt.tensor([2.0]), mt.tensor([2.0])).log_prob(mt.tensor([0.5]))
        tensor([0.4055])
    """

    arg_constraints = {
        "concentration1": constraints.positive,
        "concentration0": constraints.positive,
    }
    support = constraints.unit_interval
    has_rsample = True

    def __init__(
        self, concentration1: Any, concentration0: Any, validate_args: bool | None = None
    ) -> None:
        if isinstance(concentration1, numbers.Real) and isinstance(concentration0, numbers.Real):
            both = mt.tensor([float(concentration1), float(concentration0)])
        else:
            concentration1, concentration0 = broadcast_all(concentration1, concentration0)
            both = mt.stack([concentration1, concentration0], -1)
        self._dirichlet = Dirichlet(both, validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Beta:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        new = self._expanded(batch_shape)
        new._dirichlet = self._dirichlet.expand(batch_shape)  # type: ignore[attr-defined]
        return new  # type: ignore[return-value]

    @property
    def concentration1(self) -> Tensor:
        """``a``, the first concentration."""
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self) -> Tensor:
        """``b``, the second concentration."""
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self) -> Tensor:
        """The mean: ``a / (a + b)``."""
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        """The mode (of the Dirichlet's first category)."""
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        """The variance: ``a b / ((a + b)^2 (a + b + 1))``."""
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A reparameterised draw: the first coordinate of a Dirichlet draw."""
        return self._dirichlet.rsample(sample_shape).select(-1, 0)

    def log_prob(self, value: Tensor) -> Tensor:
        """The Dirichlet's log-density at ``(value, 1 - value)``."""
        if self._validate_args:
            self._validate_sample(value)
        heads_tails = mt.stack([value, 1.0 - value], -1)
        return self._dirichlet.log_prob(heads_tails)

    def entropy(self) -> Tensor:
        """The Dirichlet's entropy."""
        return self._dirichlet.entropy()
