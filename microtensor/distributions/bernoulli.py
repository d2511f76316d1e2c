"""``Bernoulli(probs=None, logits=None)``: one coin flip per element."""

from __future__ import annotations

from typing import Any

import microtensor as mt
import microtensor.nn.functional as F
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import (
    BinaryProbsLogits,
    broadcast_all,
)
from microtensor.tensor import Tensor

__all__ = ["Bernoulli"]


class Bernoulli(BinaryProbsLogits, Distribution):
    """1 with probability ``probs`` (or ``sigmoid(logits)``), else 0.

    Args:
        probs: the probability of 1 (give ``probs`` or ``logits``, not both).
        logits: its log-odds.
        validate_args: check the parameter and ``log_prob``'s values (0 or 1).

    Raises:
        ValueError: when both or neither of ``probs`` and ``logits`` are given.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Bernoulli
        >>> Bernoulli(probs=mt.tensor([0.25])).log_prob(mt.tensor([1.0]))
        tensor([-1.3863])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    _lazy = ("probs", "logits")

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (self.__dict__["probs"],) = broadcast_all(probs)
            param = self.__dict__["probs"]
        else:
            (self.__dict__["logits"],) = broadcast_all(logits)
            param = self.__dict__["logits"]
        self._param = param
        super().__init__(param.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Bernoulli:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        return self._expanded(batch_shape, probs=0, logits=0)  # type: ignore[return-value]

    @property
    def param_shape(self) -> Size:
        """The parameter's shape."""
        return self._param.shape

    @property
    def mean(self) -> Tensor:
        """The mean."""
        return self.probs

    @property
    def mode(self) -> Tensor:
        """The mode."""
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return mt.where(self.probs == 0.5, mt.full_like(mode, float("nan")), mode)

    @property
    def variance(self) -> Tensor:
        """The variance."""
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draw ``sample_shape + batch_shape + event_shape`` values, outside the graph."""
        shape = self._extended_shape(sample_shape)
        with mt.no_grad():
            return mt.bernoulli(self.probs.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        """The log of the density (or mass) at ``value``."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -F.binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self) -> Tensor:
        """The entropy, per batch element."""
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """Every value of the support, along a new first dim."""
        values = mt.arange(2, dtype=self._param.dtype)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1, *self._batch_shape))
        return values
