"""``Geometric(probs=None, logits=None)``: failures before the first success."""

from __future__ import annotations

import numbers
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

__all__ = ["Geometric"]


class Geometric(BinaryProbsLogits, Distribution):
    """``P(X = k) = (1 - p)^k p`` for ``k = 0, 1, ...``: the number of failures first.

    (``Tensor.geometric_`` counts the trials instead, from 1.)

    Args:
        probs: the success probability, in (0, 1] (give ``probs`` or ``logits``).
        logits: its log-odds.
        validate_args: check the parameter (``probs > 0``) and ``log_prob``'s values.

    Raises:
        ValueError: when both or neither of ``probs`` and ``logits`` are given.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Geometric
        >>> Geometric(mt.tensor([0.5])).log_prob(mt.tensor([2.0]))
        tensor([-2.0794])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer
    _lazy = ("probs", "logits")

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        given = probs if probs is not None else logits
        (self.__dict__["probs" if probs is not None else "logits"],) = broadcast_all(given)
        param = self.__dict__["probs" if probs is not None else "logits"]
        batch_shape = Size() if isinstance(given, numbers.Number) else param.shape
        super().__init__(batch_shape, validate_args=validate_args)
        if self._validate_args and probs is not None and not bool((param > 0).all()):
            raise ValueError(
                f"Expected parameter probs ({type(param).__name__} of shape "
                f"{tuple(param.shape)}) of distribution {self!r} to be positive but found "
                f"invalid values:\n{param[~(param > 0)]}"
            )

    def expand(self, batch_shape: Any, _instance: Any = None) -> Geometric:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        return self._expanded(batch_shape, probs=0, logits=0)  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        """The mean: ``1 / p - 1``."""
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        """The mode: 0."""
        return mt.zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        """The variance: ``(1 / p - 1) / p``."""
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """``floor(log(u) / log(1 - p))``, ``u ~ U(tiny, 1)`` (torch's stream)."""
        shape = self._extended_shape(sample_shape)
        tiny = mt.finfo(self.probs.dtype).tiny
        with mt.no_grad():
            u = mt.empty(shape, dtype=self.probs.dtype).uniform_(tiny, 1)
            return (u.log() / (-self.probs).log1p()).floor()

    def log_prob(self, value: Tensor) -> Tensor:
        """``value * log(1 - p) + log(p)`` (0 * log 0 taken as 0 where ``p == 1``)."""
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = mt.where((probs == 1) & (value == 0), mt.zeros_like(probs), probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        """``BCE(logits, p) / p``."""
        bce = F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")
        return bce / self.probs
