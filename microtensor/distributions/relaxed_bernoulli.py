"""``RelaxedBernoulli(temperature, probs=None, logits=None)``: a differentiable coin flip.

``LogitRelaxedBernoulli`` is its logit (the Concrete / Gumbel-softmax relaxation of
Maddison et al. 2017 for two classes); ``RelaxedBernoulli`` pushes it through a sigmoid.
"""

from __future__ import annotations

import functools
import numbers
from typing import Any

import microtensor as mt
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.transformed_distribution import TransformedDistribution
from microtensor.distributions.transforms import SigmoidTransform
from microtensor.distributions.utils import (
    broadcast_all,
    clamp_probs,
    logits_to_probs,
    probs_to_logits,
)
from microtensor.tensor import Tensor

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]


class LogitRelaxedBernoulli(Distribution):
    """``(logit(u) + logits) / temperature`` for ``u ~ U(0, 1)``.

    Args:
        temperature: the relaxation temperature (> 0; 0 is a hard coin flip).
        probs: the probability of 1 (give ``probs`` or ``logits``).
        logits: its log-odds.
        validate_args: check the parameter and ``log_prob``'s values.

    Raises:
        ValueError: when both or neither of ``probs`` and ``logits`` are given.
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real
    has_rsample = True
    _lazy = ("probs", "logits")

    def __init__(
        self,
        temperature: Tensor,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        self.temperature = temperature
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        given = probs if probs is not None else logits
        name = "probs" if probs is not None else "logits"
        (self.__dict__[name],) = broadcast_all(given)
        self._param = self.__dict__[name]
        batch_shape = Size() if isinstance(given, numbers.Number) else self._param.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LogitRelaxedBernoulli:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        return self._expanded(batch_shape, probs=0, logits=0)  # type: ignore[return-value]

    @functools.cached_property
    def logits(self) -> Tensor:
        """The log-odds of 1."""
        return probs_to_logits(self.probs, is_binary=True)

    @functools.cached_property
    def probs(self) -> Tensor:
        """The probability of 1."""
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        """The parameter's shape."""
        return self._param.shape

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``(logit(u) + logit(p)) / temperature``, ``u`` from ``rand`` (torch's stream)."""
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(shape))
        uniforms = clamp_probs(mt.rand(shape, dtype=probs.dtype))
        noise = uniforms.log() - (-uniforms).log1p() + probs.log() - (-probs).log1p()
        return noise / self.temperature

    def log_prob(self, value: Tensor) -> Tensor:
        """``log t + logits - t x - 2 log(1 + exp(logits - t x))``."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value * self.temperature
        return self.temperature.log() + diff - 2 * diff.exp().log1p()


class RelaxedBernoulli(TransformedDistribution):
    """``sigmoid`` of a ``LogitRelaxedBernoulli``: values in (0, 1) that tend to {0, 1}.

    Args:
        temperature: the relaxation temperature (> 0).
        probs: the probability of 1 (give ``probs`` or ``logits``).
        logits: its log-odds.
        validate_args: check the parameter and ``log_prob``'s values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import RelaxedBernoulli
        >>> d = RelaxedBernoulli(mt.tensor(0.5), probs=mt.tensor([0.3]))
        >>> d.log_prob(mt.tensor([0.5]))
        tensor([-0.8675])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval  # type: ignore[assignment]
    has_rsample = True  # type: ignore[assignment]

    def __init__(
        self,
        temperature: Tensor,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        base_dist = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base_dist, SigmoidTransform(), validate_args=validate_args)

    @property
    def temperature(self) -> Tensor:
        """The relaxation temperature."""
        return self.base_dist.temperature  # type: ignore[attr-defined]

    @property
    def logits(self) -> Tensor:
        """The log-odds of 1."""
        return self.base_dist.logits  # type: ignore[attr-defined]

    @property
    def probs(self) -> Tensor:
        """The probability of 1."""
        return self.base_dist.probs  # type: ignore[attr-defined]
