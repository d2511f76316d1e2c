"""``kl_divergence(p, q)`` and ``register_kl``: closed-form KL divergences between distributions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import microtensor as mt
import microtensor.nn.functional as F
from microtensor.distributions.bernoulli import Bernoulli
from microtensor.distributions.categorical import Categorical
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.normal import Normal
from microtensor.distributions.uniform import Uniform
from microtensor.tensor import Tensor

__all__ = ["kl_divergence", "register_kl"]

_KL: dict[tuple[type, type], Callable[[Any, Any], Tensor]] = {}


def register_kl(type_p: type, type_q: type) -> Callable[[Callable], Callable]:
    """Decorator: register ``fn(p, q)`` as the KL divergence of ``type_p`` from ``type_q``.

    Example:
        >>> from microtensor.distributions import Normal, kl_divergence, register_kl
        >>> class Wide(Normal):
        ...     pass
        >>> @register_kl(Wide, Wide)
        ... def _kl_wide(p, q):
        ...     return (p.loc - q.loc).abs()
        >>> kl_divergence(Wide(0.0, 1.0), Wide(2.0, 1.0))
        tensor(2.)
    """

    def decorator(fn: Callable) -> Callable:
        _KL[(type_p, type_q)] = fn
        return fn

    return decorator


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p || q), batched: ``E_p[log p(x) - log q(x)]``, for the registered pairs.

    The most specific registered pair (by the classes' method resolution order) is used.

    Raises:
        NotImplementedError: when no rule is registered for the two types.

    Example:
        >>> from microtensor.distributions import Normal, kl_divergence
        >>> kl_divergence(Normal(0.0, 1.0), Normal(1.0, 1.0))
        tensor(0.5000)
    """
    for type_p in type(p).__mro__:
        for type_q in type(q).__mro__:
            fn = _KL.get((type_p, type_q))
            if fn is not None:
                return fn(p, q)
    raise NotImplementedError(
        f"No KL(p || q) is implemented for p of type {type(p).__name__} and q of type "
        f"{type(q).__name__}; register one with microtensor.distributions.register_kl"
    )


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Tensor:
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    t1 = p.probs * (F.softplus(-q.logits) - F.softplus(-p.logits))
    t1 = mt.where(q.probs == 0, mt.full_like(t1, float("inf")), t1)
    t1 = mt.where(p.probs == 0, mt.zeros_like(t1), t1)
    t2 = (1 - p.probs) * (F.softplus(q.logits) - F.softplus(p.logits))
    t2 = mt.where(q.probs == 1, mt.full_like(t2, float("inf")), t2)
    t2 = mt.where(p.probs == 1, mt.zeros_like(t2), t2)
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Tensor:
    t = p.probs * (p.logits - q.logits)
    t = mt.where((q.probs == 0).expand_as(t), mt.full_like(t, float("inf")), t)
    t = mt.where((p.probs == 0).expand_as(t), mt.zeros_like(t), t)
    return t.sum(-1)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> Tensor:
    result = ((q.high - q.low) / (p.high - p.low)).log()
    outside = (q.low > p.low) | (q.high < p.high)
    return mt.where(outside, mt.full_like(result, float("inf")), result)
