"""``Multinomial(total_count=1, probs=None, logits=None)``: category counts of n draws."""

from __future__ import annotations

import math
from typing import Any

import microtensor as mt
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.binomial import Binomial
from microtensor.distributions.categorical import Categorical
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["Multinomial"]


class Multinomial(Distribution):
    """``P(x) = n! / prod x_i! * prod p_i^x_i`` for counts ``x`` summing to ``n``.

    Args:
        total_count: the number of draws ``n`` (one int for the whole batch).
        probs: non-negative weights over the last dim (give ``probs`` or ``logits``).
        logits: unnormalised log-probabilities over the last dim.
        validate_args: check the parameter and ``log_prob``'s values.

    Raises:
        NotImplementedError: when ``total_count`` is not an int.
        ValueError: when both or neither of ``probs`` and ``logits`` are given.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Multinomial
        >>> Multinomial(2, mt.tensor([1.0, 1.0])).log_prob(mt.tensor([1.0, 1.0]))
        tensor(-0.6931)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(
        self,
        total_count: int = 1,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Multinomial:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        new = self._expanded(batch_shape)
        new._categorical = self._categorical.expand(batch_shape)  # type: ignore[attr-defined]
        new._binomial = Binomial(self.total_count, probs=new.probs)  # type: ignore[attr-defined]
        return new  # type: ignore[return-value]

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        """Count vectors summing to at most ``total_count``."""
        return constraints.multinomial(self.total_count)

    @property
    def probs(self) -> Tensor:
        """The normalised probabilities."""
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """The normalised log-probabilities."""
        return self._categorical.logits

    @property
    def param_shape(self) -> Size:
        """The parameter's shape."""
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        """The mean: ``n probs``."""
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        """The variance: ``n probs (1 - probs)``."""
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """``total_count`` Categorical draws (torch's stream), counted per category."""
        sample_shape = Size(sample_shape)
        draws = self._categorical.sample(Size((self.total_count,)) + sample_shape)
        draws = draws.permute(*range(1, draws.dim()), 0)  # the n draws last
        counts = mt.zeros(self._extended_shape(sample_shape), dtype=draws.dtype)
        counts = counts.scatter_add(-1, draws, mt.ones_like(draws))
        return counts.type_as(self.probs)

    def log_prob(self, value: Tensor) -> Tensor:
        """``lgamma(n + 1) - sum lgamma(x_i + 1) + sum x_i log p_i`` (0 log 0 = 0)."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_factorial_n = (value.sum(-1) + 1).lgamma()
        log_factorial_xs = (value + 1).lgamma().sum(-1)
        logits = mt.where((value == 0) & (logits == -math.inf), mt.zeros_like(logits), logits)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)

    def entropy(self) -> Tensor:
        """``n H(cat) - lgamma(n + 1) + sum_i E[lgamma(x_i + 1)]`` (binomial marginals)."""
        n = mt.tensor(float(self.total_count), dtype=self.probs.dtype)
        term1 = n * self._categorical.entropy() - (n + 1).lgamma()
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = self._binomial.log_prob(support).exp()
        weights = (support + 1).lgamma()
        return term1 + (binomial_probs * weights).sum(0).sum(-1)
