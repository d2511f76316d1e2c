"""``ContinuousBernoulli(probs=None, logits=None, lims=(0.499, 0.501))``: a density on [0, 1]."""

from __future__ import annotations

import functools
import math
from typing import Any

import microtensor as mt
import microtensor.nn.functional as F
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import (
    broadcast_all,
    clamp_probs,
    logits_to_probs,
    probs_to_logits,
)
from microtensor.tensor import Tensor

__all__ = ["ContinuousBernoulli"]


class ContinuousBernoulli(Distribution):
    """Density ``C(p) p^x (1 - p)^(1 - x)`` for x in [0, 1] (Loaiza-Ganem and Cunningham, 2019).

    ``C(p) = 2 atanh(1 - 2p) / (1 - 2p)`` normalises it (2 at p = 1/2). Unlike Bernoulli's,
    ``probs`` is not a probability nor ``logits`` log-odds, but the names are kept. Near
    p = 1/2 (inside ``lims``) the normaliser, mean and variance are Taylor expansions, as
    torch's, since the closed forms there are 0/0.

    Args:
        probs: the parameter p in (0, 1) (give ``probs`` or ``logits``, not both); clamped
            into [eps, 1 - eps] of its dtype.
        logits: ``log p - log(1 - p)``, any real.
        lims: the interval around 1/2 where the Taylor expansions are used.
        validate_args: check the parameter and ``log_prob``'s values (in [0, 1]).

    Raises:
        ValueError: when both or neither of ``probs`` and ``logits`` are given, or (with
            ``validate_args`` set either way, before clamping, as torch) ``probs`` is outside
            [0, 1].

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions.continuous_bernoulli import ContinuousBernoulli
        >>> d = ContinuousBernoulli(mt.tensor([0.2, 0.5]))
        >>> d.log_prob(mt.tensor([0.25, 0.25]))
        tensor([0.2677, 0.0000])
        >>> d.mean
        tensor([0.3880, 0.5000])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True
    _mean_carrier_measure = 0
    _lazy = ("probs", "logits")

    def __init__(
        self,
        probs: Any = None,
        logits: Any = None,
        lims: tuple[float, float] = (0.499, 0.501),
        validate_args: bool | None = None,
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (param,) = broadcast_all(probs)
            # checked before the clamp for stability, which would make any value pass
            if validate_args is not None and not bool(constraints.unit_interval.check(param).all()):
                raise ValueError("The parameter probs has invalid values")
            param = self.__dict__["probs"] = clamp_probs(param)
        else:
            (param,) = broadcast_all(logits)
            self.__dict__["logits"] = param
        self._param = param
        self._lims = lims
        super().__init__(param.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> ContinuousBernoulli:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        return self._expanded(batch_shape, probs=0, logits=0)  # type: ignore[return-value]

    @functools.cached_property
    def probs(self) -> Tensor:
        """The parameter p: ``sigmoid(logits)``, clamped into [eps, 1 - eps]."""
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    @functools.cached_property
    def logits(self) -> Tensor:
        """``log p - log(1 - p)``."""
        return probs_to_logits(self.probs, is_binary=True)

    @property
    def param_shape(self) -> Size:
        """The parameter's shape."""
        return self._param.shape

    def _outside_unstable_region(self) -> Tensor:
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self) -> Tensor:
        """The probs where the closed forms are used, ``lims[0]`` elsewhere (no 0/0 in grads)."""
        return mt.where(
            self._outside_unstable_region(),
            self.probs,
            self._lims[0] * mt.ones_like(self.probs),
        )

    def _cont_bern_log_norm(self) -> Tensor:
        """``log C(p) = log |log(1 - p) - log p| - log |1 - 2p|``; Taylor near p = 1/2."""
        cut = self._cut_probs()
        below_half = mt.where(cut <= 0.5, cut, mt.zeros_like(cut))
        above_half = mt.where(cut >= 0.5, cut, mt.ones_like(cut))
        log_norm = ((-cut).log1p() - cut.log()).abs().log() - mt.where(
            cut <= 0.5, (-2.0 * below_half).log1p(), (2.0 * above_half - 1.0).log()
        )
        x = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return mt.where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self) -> Tensor:
        """``p / (2p - 1) + 1 / (log(1 - p) - log p)``; Taylor near p = 1/2."""
        cut = self._cut_probs()
        mus = cut / (2.0 * cut - 1.0) + 1.0 / ((-cut).log1p() - cut.log())
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return mt.where(self._outside_unstable_region(), mus, taylor)

    @property
    def variance(self) -> Tensor:
        """``p (p - 1) / (1 - 2p)^2 + 1 / (log(1 - p) - log p)^2``; Taylor near p = 1/2."""
        cut = self._cut_probs()
        variances = cut * (cut - 1.0) / (1.0 - 2.0 * cut).pow(2) + 1.0 / (
            (-cut).log1p() - cut.log()
        ).pow(2)
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return mt.where(self._outside_unstable_region(), variances, taylor)

    @property
    def stddev(self) -> Tensor:
        """The standard deviation: ``variance.sqrt()``."""
        return self.variance.sqrt()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draw ``sample_shape + batch_shape`` values, outside the graph (torch's stream)."""
        u = mt.rand(self._extended_shape(sample_shape), dtype=self.probs.dtype)
        with mt.no_grad():
            return self.icdf(u)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A reparameterised draw: ``icdf(u)`` with ``u ~ U(0, 1)`` (torch's stream)."""
        u = mt.rand(self._extended_shape(sample_shape), dtype=self.probs.dtype)
        return self.icdf(u)

    def log_prob(self, value: Tensor) -> Tensor:
        """``x log p + (1 - x) log(1 - p) + log C(p)``."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        bce = F.binary_cross_entropy_with_logits(logits, value, reduction="none")
        return -bce + self._cont_bern_log_norm()

    def cdf(self, value: Tensor) -> Tensor:
        """``(p^x (1 - p)^(1 - x) + p - 1) / (2p - 1)``; x near p = 1/2; 0 below 0, 1 above 1."""
        if self._validate_args:
            self._validate_sample(value)
        cut = self._cut_probs()
        cdfs = (cut.pow(value) * (1.0 - cut).pow(1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        unbounded = mt.where(self._outside_unstable_region(), cdfs, value)
        return mt.where(
            value <= 0.0,
            mt.zeros_like(value),
            mt.where(value >= 1.0, mt.ones_like(value), unbounded),
        )

    def icdf(self, value: Tensor) -> Tensor:
        """``(log1p(-p + u (2p - 1)) - log1p(-p)) / (log p - log1p(-p))``; u near p = 1/2."""
        cut = self._cut_probs()
        closed = ((-cut + value * (2.0 * cut - 1.0)).log1p() - (-cut).log1p()) / (
            cut.log() - (-cut).log1p()
        )
        return mt.where(self._outside_unstable_region(), closed, value)

    def entropy(self) -> Tensor:
        """``mean (log(1 - p) - log p) - log C(p) - log(1 - p)``."""
        log_probs0 = (-self.probs).log1p()
        log_probs1 = self.probs.log()
        return self.mean * (log_probs0 - log_probs1) - self._cont_bern_log_norm() - log_probs0

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (self.logits,)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        """``log |expm1(x)| - log |x|`` of the natural parameter; Taylor near 0."""
        outside = (x <= self._lims[0] - 0.5) | (x > self._lims[1] - 0.5)
        cut = mt.where(outside, x, (self._lims[0] - 0.5) * mt.ones_like(x))
        log_norm = cut.expm1().abs().log() - cut.abs().log()
        taylor = 0.5 * x + x.pow(2) / 24.0 - x.pow(4) / 2880.0
        return mt.where(outside, log_norm, taylor)
