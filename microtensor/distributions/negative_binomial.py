"""``NegativeBinomial(total_count, probs=None, logits=None)``: successes before failures."""

from __future__ import annotations

import functools
from typing import Any

import microtensor as mt
import microtensor.nn.functional as F
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.gamma import Gamma
from microtensor.distributions.utils import (
    BinaryProbsLogits,
    broadcast_all,
)
from microtensor.tensor import Tensor

__all__ = ["NegativeBinomial"]


class NegativeBinomial(BinaryProbsLogits, Distribution):
    """The number of successes (probability ``probs``) before ``total_count`` failures.

    ``P(k) = C(k + r - 1, k) p^k (1 - p)^r``; a Gamma-Poisson mixture, used for
    over-dispersed counts.

    Args:
        total_count: the number of failures ``r`` (>= 0; need not be an integer).
        probs: the success probability, in [0, 1) (give ``probs`` or ``logits``).
        logits: its log-odds.
        validate_args: check the parameters and ``log_prob``'s values.

    Raises:
        ValueError: when both or neither of ``probs`` and ``logits`` are given.

    Differs from PyTorch: ``sample`` is ``poisson(Gamma(r, exp(-logits)))`` as torch's, but
    the gamma draws are NumPy's (see ``Gamma``), so draws are not torch's values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import NegativeBinomial
        >>> NegativeBinomial(3.0, mt.tensor([0.5])).log_prob(mt.tensor([2.0]))
        tensor([-1.6740])
    """

    arg_constraints = {
        "total_count": constraints.greater_than_eq(0),
        "probs": constraints.half_open_interval(0.0, 1.0),
        "logits": constraints.real,
    }
    support = constraints.nonnegative_integer
    _lazy = ("probs", "logits")

    def __init__(
        self,
        total_count: Any,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        name = "probs" if probs is not None else "logits"
        total, param = broadcast_all(total_count, probs if probs is not None else logits)
        self.total_count = total.type_as(param)
        self.__dict__[name] = self._param = param
        super().__init__(param.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> NegativeBinomial:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        new = self._expanded(batch_shape, total_count=0, probs=0, logits=0)
        new.__dict__.pop("_gamma", None)
        return new  # type: ignore[return-value]

    @property
    def param_shape(self) -> Size:
        """The parameter's shape."""
        return self._param.shape

    @property
    def mean(self) -> Tensor:
        """The mean: ``r p / (1 - p) = r exp(logits)``."""
        return self.total_count * self.logits.exp()

    @property
    def mode(self) -> Tensor:
        """The mode: ``floor((r - 1) exp(logits))``, at least 0."""
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> Tensor:
        """The variance: ``mean / (1 - p)``."""
        return self.mean / (-self.logits).sigmoid()

    @functools.cached_property
    def _gamma(self) -> Gamma:
        return Gamma(self.total_count, (-self.logits).exp(), validate_args=False)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """``poisson(rate)`` with ``rate ~ Gamma(r, exp(-logits))``, outside the graph."""
        with mt.no_grad():
            return mt.poisson(self._gamma.sample(sample_shape))

    def log_prob(self, value: Tensor) -> Tensor:
        """``r log(1-p) + k log p - log B(r, k) terms`` (0 where ``r + k == 0``)."""
        if self._validate_args:
            self._validate_sample(value)
        r = self.total_count
        log_unnormalized = r * F.logsigmoid(-self.logits) + value * F.logsigmoid(self.logits)
        log_normalization = -(r + value).lgamma() + (1.0 + value).lgamma() + r.lgamma()
        zero = r + value == 0.0
        log_normalization = mt.where(zero, mt.zeros_like(log_normalization), log_normalization)
        return log_unnormalized - log_normalization
