"""``RelaxedOneHotCategorical(temperature, probs=None, logits=None)``: Gumbel-softmax draws.

``ExpRelaxedCategorical`` is the log of the relaxed one-hot vector (a log-softmax of
``(logits + Gumbel noise) / temperature``, Maddison et al. 2017); the relaxed one-hot
distribution is its ``exp``.
"""

from __future__ import annotations

from typing import Any

import microtensor as mt
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.categorical import Categorical
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.transformed_distribution import TransformedDistribution
from microtensor.distributions.transforms import ExpTransform
from microtensor.distributions.utils import broadcast_all, clamp_probs
from microtensor.tensor import Tensor

__all__ = ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"]


class ExpRelaxedCategorical(Distribution):
    """``log_softmax((logits + g) / temperature)`` with Gumbel noise ``g``.

    Args:
        temperature: the relaxation temperature (> 0).
        probs: non-negative weights over the last dim (give ``probs`` or ``logits``).
        logits: unnormalised log-probabilities over the last dim.
        validate_args: check the parameter and ``log_prob``'s values.
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self,
        temperature: Tensor,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        self._categorical = Categorical(probs, logits)
        self.temperature = temperature
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> ExpRelaxedCategorical:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        new = self._expanded(batch_shape)
        new._categorical = self._categorical.expand(batch_shape)  # type: ignore[attr-defined]
        return new  # type: ignore[return-value]

    @property
    def param_shape(self) -> Size:
        """The parameter's shape."""
        return self._categorical.param_shape

    @property
    def logits(self) -> Tensor:
        """The normalised log-probabilities."""
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        """The normalised probabilities."""
        return self._categorical.probs

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A reparameterised draw: Gumbel noise from ``rand`` (torch's stream)."""
        shape = self._extended_shape(sample_shape)
        uniforms = clamp_probs(mt.rand(shape, dtype=self.logits.dtype))
        gumbels = -((-(uniforms.log())).log())
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value: Tensor) -> Tensor:
        """The Concrete log-density of the log-vector ``value``."""
        k = self._categorical._num_events
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        temperature = mt.as_tensor(self.temperature, dtype=logits.dtype)
        log_scale = mt.full_like(temperature, float(k)).lgamma() - temperature.log() * -(k - 1)
        score = logits - value * temperature
        score = (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(TransformedDistribution):
    """``exp`` of an ``ExpRelaxedCategorical``: points of the simplex near its vertices.

    Args:
        temperature: the relaxation temperature (> 0).
        probs: non-negative weights over the last dim (give ``probs`` or ``logits``).
        logits: unnormalised log-probabilities over the last dim.
        validate_args: check the parameter and ``log_prob``'s values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import RelaxedOneHotCategorical
        >>> d = RelaxedOneHotCategorical(mt.tensor(0.5), probs=mt.tensor([0.3, 0.7]))
        >>> d.log_prob(mt.tensor([0.5, 0.5]))
        tensor(-0.8675)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex  # type: ignore[assignment]
    has_rsample = True  # type: ignore[assignment]

    def __init__(
        self,
        temperature: Tensor,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        base_dist = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    @property
    def temperature(self) -> Tensor:
        """The relaxation temperature."""
        return self.base_dist.temperature  # type: ignore[attr-defined]

    @property
    def logits(self) -> Tensor:
        """The normalised log-probabilities."""
        return self.base_dist.logits  # type: ignore[attr-defined]

    @property
    def probs(self) -> Tensor:
        """The normalised probabilities."""
        return self.base_dist.probs  # type: ignore[attr-defined]
