"""``Categorical(probs=None, logits=None)``: one of K categories per batch element."""

from __future__ import annotations

import functools
import math
from typing import Any

import microtensor as mt
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import logits_to_probs, probs_to_logits
from microtensor.tensor import Tensor

__all__ = ["Categorical"]


class Categorical(Distribution):
    """Category ``i`` with probability ``probs[..., i]``, or ``softmax(logits)[..., i]``.

    ``probs`` is normalised over its last dim; its other dims are the batch shape.

    Args:
        probs: non-negative weights over the last dim (give ``probs`` or ``logits``).
        logits: unnormalised log-probabilities over the last dim.
        validate_args: check the parameter and ``log_prob``'s values.

    Raises:
        ValueError: when both or neither of ``probs`` and ``logits`` are given, or the
            parameter has no dimension.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Categorical
        >>> Categorical(probs=mt.tensor([1.0, 3.0])).log_prob(mt.tensor(1))
        tensor(-0.2877)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True
    _lazy = ("probs", "logits")

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.__dict__["probs"] = probs / probs.sum(-1, keepdim=True)
            param = self.__dict__["probs"]
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.__dict__["logits"] = logits - logits.logsumexp(dim=-1, keepdim=True)
            param = self.__dict__["logits"]
        self._param = param
        self._num_events = param.shape[-1]
        batch_shape = param.shape[:-1] if param.dim() > 1 else Size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Categorical:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        return self._expanded(batch_shape, probs=1, logits=1)  # type: ignore[return-value]

    @functools.cached_property
    def probs(self) -> Tensor:
        """The normalised probabilities."""
        return logits_to_probs(self.logits)

    @functools.cached_property
    def logits(self) -> Tensor:
        """The normalised log-probabilities."""
        return probs_to_logits(self.probs)

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        """The values the distribution can take."""
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def param_shape(self) -> Size:
        """The parameter's shape."""
        return self._param.shape

    @property
    def mean(self) -> Tensor:
        """The mean."""
        return mt.full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    @property
    def mode(self) -> Tensor:
        """The mode."""
        return self.probs.argmax(-1)

    @property
    def variance(self) -> Tensor:
        """The variance."""
        return mt.full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draw ``sample_shape + batch_shape + event_shape`` values, outside the graph."""
        sample_shape = Size(sample_shape)
        probs_2d = self.probs.reshape(-1, self._num_events)
        with mt.no_grad():
            samples_2d = mt.multinomial(probs_2d, sample_shape.numel(), True).T
        return samples_2d.reshape(self._extended_shape(sample_shape))

    def log_prob(self, value: Tensor) -> Tensor:
        """The log of the density (or mass) at ``value``."""
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = mt.broadcast_tensors(value, self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self) -> Tensor:
        """The entropy, per batch element."""
        logits = self.logits.clamp(min=mt.finfo(self.logits.dtype).min)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """Every value of the support, along a new first dim."""
        values = mt.arange(self._num_events, dtype=mt.int64)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1, *self._batch_shape))
        return values
