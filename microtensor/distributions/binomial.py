"""``Binomial(total_count=1, probs=None, logits=None)``: successes in n trials."""

from __future__ import annotations

from typing import Any

import microtensor as mt
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import (
    BinaryProbsLogits,
    broadcast_all,
    clamp_by_zero,
    numpy_generator,
)
from microtensor.tensor import Tensor

__all__ = ["Binomial"]


class Binomial(BinaryProbsLogits, Distribution):
    """``P(X = k) = C(n, k) p^k (1 - p)^(n - k)`` for ``k = 0 .. n``.

    Args:
        total_count: the number of trials ``n`` (broadcastable with the probabilities).
        probs: the success probability (give ``probs`` or ``logits``).
        logits: its log-odds.
        validate_args: check the parameters and ``log_prob``'s values.

    Raises:
        ValueError: when both or neither of ``probs`` and ``logits`` are given.

    Differs from PyTorch: ``sample`` draws with NumPy's binomial sampler seeded from
    microtensor's generator, so draws follow ``manual_seed`` but are not torch's values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Binomial
        >>> Binomial(4, mt.tensor([0.5])).log_prob(mt.tensor([2.0]))
        tensor([-0.9808])
    """

    arg_constraints = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    has_enumerate_support = True
    _lazy = ("probs", "logits")

    def __init__(
        self,
        total_count: Any = 1,
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

    def expand(self, batch_shape: Any, _instance: Any = None) -> Binomial:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        return self._expanded(  # type: ignore[return-value]
            batch_shape, total_count=0, probs=0, logits=0
        )

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        """The values the distribution can take: ``0 .. total_count``."""
        return constraints.integer_interval(0, self.total_count)

    @property
    def param_shape(self) -> Size:
        """The parameter's shape."""
        return self._param.shape

    @property
    def mean(self) -> Tensor:
        """The mean: ``n p``."""
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        """The mode: ``floor((n + 1) p)``, at most ``n``."""
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        """The variance: ``n p (1 - p)``."""
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draw ``sample_shape + batch_shape`` counts, outside the graph."""
        shape = self._extended_shape(sample_shape)
        n = self.total_count.detach().expand(shape).numpy().astype("int64")
        p = self.probs.detach().expand(shape).numpy()
        return mt.tensor(numpy_generator().binomial(n, p), dtype=self._param.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        """``log C(n, k) + k logits - n log(1 + exp(logits))``, in a stable form."""
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        normalize_term = (
            n * clamp_by_zero(logits) + n * (-logits.abs()).exp().log1p() - (n + 1).lgamma()
        )
        return value * logits - (value + 1).lgamma() - (n - value + 1).lgamma() - normalize_term

    def entropy(self) -> Tensor:
        """``-sum_k P(k) log P(k)`` over the support (one ``total_count`` for all)."""
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """``0 .. total_count`` along a new first dim.

        Raises:
            NotImplementedError: when the batch has different total counts.
        """
        total_count = int(self.total_count.max().item())
        if not self.total_count.min().item() == total_count:
            raise NotImplementedError(
                "Inhomogeneous total count not supported by `enumerate_support`."
            )
        values = mt.arange(1 + total_count, dtype=self._param.dtype)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1, *self._batch_shape))
        return values
