"""``OneHotCategorical(probs=None, logits=None)``: a Categorical whose draws are one-hot."""

from __future__ import annotations

from typing import Any

import microtensor as mt
import microtensor.nn.functional as F
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.categorical import Categorical
from microtensor.distributions.distribution import Distribution
from microtensor.tensor import Tensor

__all__ = ["OneHotCategorical", "OneHotCategoricalStraightThrough"]


class OneHotCategorical(Distribution):
    """One-hot vectors of ``probs.shape[-1]`` categories (event shape ``(K,)``).

    Args:
        probs: non-negative weights over the last dim (give ``probs`` or ``logits``).
        logits: unnormalised log-probabilities over the last dim.
        validate_args: check the parameter and ``log_prob``'s values.

    Raises:
        ValueError: when both or neither of ``probs`` and ``logits`` are given.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import OneHotCategorical
        >>> OneHotCategorical(mt.tensor([1.0, 3.0])).log_prob(mt.tensor([0.0, 1.0]))
        tensor(-0.2877)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        self._categorical = Categorical(probs, logits)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> OneHotCategorical:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        new = self._expanded(batch_shape)
        new._categorical = self._categorical.expand(batch_shape)  # type: ignore[attr-defined]
        return new  # type: ignore[return-value]

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
        """The mean: ``probs``."""
        return self._categorical.probs

    @property
    def mode(self) -> Tensor:
        """The most likely category, one-hot."""
        probs = self._categorical.probs
        return F.one_hot(probs.argmax(-1), probs.shape[-1]).to(probs.dtype)

    @property
    def variance(self) -> Tensor:
        """The variance: ``probs (1 - probs)``."""
        probs = self._categorical.probs
        return probs * (1 - probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """The Categorical's draws (torch's stream), one-hot."""
        probs = self._categorical.probs
        indices = self._categorical.sample(sample_shape)
        return F.one_hot(indices, self._categorical._num_events).to(probs.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        """The Categorical's log-probability of the hot index."""
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.max(-1)[1])

    def entropy(self) -> Tensor:
        """The Categorical's entropy."""
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The K one-hot vectors along a new first dim."""
        n = self.event_shape[0]
        values = mt.eye(n, dtype=self._categorical._param.dtype)
        values = values.view((n,) + (1,) * len(self.batch_shape) + (n,))
        if expand:
            values = values.expand((n, *self.batch_shape, n))
        return values


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """A OneHotCategorical whose ``rsample`` passes gradients straight through to ``probs``.

    ``rsample`` returns the one-hot draw ``s`` (torch's stream) as ``s + (probs -
    probs.detach())``: its value is ``s``, its gradient that of ``probs`` (the straight-through
    estimator of Bengio et al., 2013).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import OneHotCategoricalStraightThrough
        >>> probs = mt.tensor([0.2, 0.8], requires_grad=True)
        >>> _ = mt.manual_seed(0)
        >>> draw = OneHotCategoricalStraightThrough(probs).rsample()
        >>> (draw * mt.tensor([1.0, 2.0])).sum().backward()
        >>> draw.detach(), probs.grad  # through the normalisation probs / probs.sum()
        (tensor([0., 1.]), tensor([-0.8000,  0.2000]))
    """

    has_rsample = True

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """The one-hot draw, with the gradient of ``probs``."""
        samples = self.sample(sample_shape)
        probs = self._categorical.probs
        return samples + (probs - probs.detach())
