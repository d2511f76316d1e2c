"""``ExponentialFamily``: distributions with density ``exp(<t(x), theta> - F(theta) + k(x))``."""

from __future__ import annotations

from typing import Any

from microtensor import autograd
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.independent import sum_rightmost
from microtensor.distributions.kl import register_kl
from microtensor.tensor import Tensor

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """Base class of exponential families: entropy and KL from the log normalizer F.

    A family's density is ``p(x; theta) = exp(<t(x), theta> - F(theta) + k(x))`` with natural
    parameters theta, sufficient statistic t, log normalizer F and carrier measure k. Since
    ``E[t(x)] = grad F(theta)``, the entropy is the Bregman form::

        H = F(theta) - <theta, grad F(theta)> - E[k(x)]

    and ``kl_divergence(p, q)`` between two members of one family is::

        KL = F(theta_q) - F(theta_p) - <theta_q - theta_p, grad F(theta_p)>

    with ``grad F`` found by ``autograd.grad`` (Nielsen and Nock, Entropies and
    Cross-entropies of Exponential Families). A subclass defines ``_natural_params`` (a tuple
    of Tensors), ``_log_normalizer(*natural_params)`` and ``_mean_carrier_measure``.

    As in torch, the natural parameters are detached before F is differentiated, so the
    entropy has gradients with respect to them only through ``grad F`` (not with respect to
    the distribution's own parameters).

    Example:
        >>> import math
        >>> import microtensor as mt
        >>> from microtensor.distributions import ExponentialFamily
        >>> class Rate(ExponentialFamily):  # the exponential distribution: theta = -rate
        ...     def __init__(self, rate):
        ...         self.rate = rate
        ...         super().__init__(rate.shape)
        ...     @property
        ...     def _natural_params(self):
        ...         return (-self.rate,)
        ...     def _log_normalizer(self, x):
        ...         return -(-x).log()
        ...     _mean_carrier_measure = 0
        >>> Rate(mt.tensor([2.0])).entropy()  # 1 - log(rate)
        tensor([0.3069], grad_fn=<SubBackward0>)
    """

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        """The natural parameters theta, as a tuple of Tensors."""
        raise NotImplementedError

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        """The log normalizer F(theta) of the given natural parameters."""
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self) -> float:
        """``E[k(x)]``, the expected carrier measure (needed by the entropy)."""
        raise NotImplementedError

    def entropy(self) -> Tensor:
        """``F(theta) - <theta, grad F(theta)> - E[k(x)]``, per batch element."""
        result: Any = -self._mean_carrier_measure
        natural_params = [p.detach().requires_grad_() for p in self._natural_params]
        log_normalizer = self._log_normalizer(*natural_params)
        gradients = autograd.grad(log_normalizer.sum(), natural_params, create_graph=True)
        result = result + log_normalizer
        for theta, grad in zip(natural_params, gradients, strict=True):
            result = result - (theta * grad).reshape(*self._batch_shape, -1).sum(-1)
        return result


@register_kl(ExponentialFamily, ExponentialFamily)
def _kl_expfamily_expfamily(p: ExponentialFamily, q: ExponentialFamily) -> Tensor:
    """The Bregman divergence of F between the natural parameters (one family only)."""
    if type(p) is not type(q):
        raise NotImplementedError(
            "The cross KL-divergence between different exponential families cannot be "
            "computed using Bregman divergences"
        )
    p_params = [theta.detach().requires_grad_() for theta in p._natural_params]
    q_params = q._natural_params
    p_log_normalizer = p._log_normalizer(*p_params)
    gradients = autograd.grad(p_log_normalizer.sum(), p_params, create_graph=True)
    result = q._log_normalizer(*q_params) - p_log_normalizer
    for p_theta, q_theta, grad in zip(p_params, q_params, gradients, strict=True):
        result = result - sum_rightmost((q_theta - p_theta) * grad, len(q.event_shape))
    return result
