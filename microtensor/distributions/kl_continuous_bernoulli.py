"""Closed-form ``kl_divergence(p, q)`` with a ``ContinuousBernoulli`` on either side, as torch's.

Importing this module registers the rules (``microtensor.distributions`` does). A q whose
support does not cover p's (a Normal p against a ContinuousBernoulli on [0, 1]) gives inf.
"""

from __future__ import annotations

import math

import microtensor as mt
from microtensor.distributions.beta import Beta
from microtensor.distributions.continuous_bernoulli import ContinuousBernoulli
from microtensor.distributions.exponential import Exponential
from microtensor.distributions.gamma import Gamma
from microtensor.distributions.gumbel import Gumbel
from microtensor.distributions.kl import register_kl
from microtensor.distributions.laplace import Laplace
from microtensor.distributions.normal import Normal
from microtensor.distributions.pareto import Pareto
from microtensor.distributions.uniform import Uniform
from microtensor.tensor import Tensor

__all__: list[str] = []


def _infinite_like(tensor: Tensor) -> Tensor:
    return mt.full_like(tensor, math.inf)


def _cross_entropy_terms(p_mean: Tensor, q: ContinuousBernoulli) -> Tensor:
    """``-E_p[log q(x)]`` for any p on [0, 1]: it depends on p through its mean only."""
    return -p_mean * q.logits - (-q.probs).log1p() - q._cont_bern_log_norm()


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli_continuous_bernoulli(
    p: ContinuousBernoulli, q: ContinuousBernoulli
) -> Tensor:
    t1 = p.mean * (p.logits - q.logits)
    t2 = p._cont_bern_log_norm() + (-p.probs).log1p()
    t3 = -q._cont_bern_log_norm() - (-q.probs).log1p()
    return t1 + t2 + t3


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_continuous_bernoulli(p: Beta, q: ContinuousBernoulli) -> Tensor:
    return -p.entropy() + _cross_entropy_terms(p.mean, q)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p: Uniform, q: ContinuousBernoulli) -> Tensor:
    result = -p.entropy() + _cross_entropy_terms(p.mean, q)
    # torch's test: finite only for 0 < low and high < 1 (an end at 0 or 1 counts as inf)
    outside = (p.high >= q.support.upper_bound) | (p.low <= q.support.lower_bound)
    return mt.where(outside, mt.full_like(result, math.inf), result)


@register_kl(ContinuousBernoulli, Exponential)
def _kl_continuous_bernoulli_exponential(p: ContinuousBernoulli, q: Exponential) -> Tensor:
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(ContinuousBernoulli, Normal)
def _kl_continuous_bernoulli_normal(p: ContinuousBernoulli, q: Normal) -> Tensor:
    t1 = -p.entropy()
    t2 = 0.5 * (math.log(2.0 * math.pi) + (q.loc / q.scale).pow(2)) + q.scale.log()
    t3 = (p.variance + p.mean.pow(2) - 2.0 * q.loc * p.mean) / (2.0 * q.scale.pow(2))
    return t1 + t2 + t3


@register_kl(ContinuousBernoulli, Uniform)
def _kl_continuous_bernoulli_uniform(p: ContinuousBernoulli, q: Uniform) -> Tensor:
    result = -p.entropy() + (q.high - q.low).log()
    # torch's test: finite only for low < 0 and 1 < high (U(0, 1) itself counts as inf)
    outside = (q.low >= p.support.lower_bound) | (q.high <= p.support.upper_bound)
    return mt.where(outside, mt.full_like(result, math.inf), result)


@register_kl(ContinuousBernoulli, Pareto)
def _kl_continuous_bernoulli_pareto(p: ContinuousBernoulli, q: Pareto) -> Tensor:
    return _infinite_like(p.probs)


@register_kl(Exponential, ContinuousBernoulli)
def _kl_exponential_continuous_bernoulli(p: Exponential, q: ContinuousBernoulli) -> Tensor:
    return _infinite_like(p.rate)


@register_kl(Gamma, ContinuousBernoulli)
def _kl_gamma_continuous_bernoulli(p: Gamma, q: ContinuousBernoulli) -> Tensor:
    return _infinite_like(p.concentration)


@register_kl(Gumbel, ContinuousBernoulli)
@register_kl(Laplace, ContinuousBernoulli)
@register_kl(Normal, ContinuousBernoulli)
def _kl_location_family_continuous_bernoulli(p: Normal, q: ContinuousBernoulli) -> Tensor:
    return _infinite_like(p.loc)


@register_kl(Pareto, ContinuousBernoulli)
def _kl_pareto_continuous_bernoulli(p: Pareto, q: ContinuousBernoulli) -> Tensor:
    return _infinite_like(p.scale)
