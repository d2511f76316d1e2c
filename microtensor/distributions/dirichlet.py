"""``Dirichlet(concentration)``: a distribution over the probability simplex."""

from __future__ import annotations

from typing import Any

import microtensor as mt
import microtensor.nn.functional as F
from microtensor.distributions import constraints
from microtensor.distributions._standard_gamma import standard_gamma
from microtensor.distributions.distribution import Distribution
from microtensor.tensor import Tensor

__all__ = ["Dirichlet"]


class Dirichlet(Distribution):
    """Density ``Gamma(sum a) / prod Gamma(a_i) * prod x_i^(a_i - 1)`` on the simplex.

    The last dim of ``concentration`` is the event dim (the number of categories).

    Args:
        concentration: the concentrations ``a`` (> 0), at least one-dimensional.
        validate_args: check the parameter and ``log_prob``'s values.

    Raises:
        ValueError: for a zero-dimensional ``concentration``.

    Differs from PyTorch: a draw is ``G / sum(G)`` with ``G_i ~ Gamma(a_i, 1)`` from NumPy
    (seeded from microtensor's generator; not torch's values), and ``rsample``'s gradient
    flows through the gammas' implicit reparameterisation: an exact pathwise gradient, but
    not per draw the one torch's ``_dirichlet_grad`` gives.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Dirichlet
        >>> Dirichlet(mt.tensor([2.0, 3.0])).log_prob(mt.tensor([0.5, 0.5]))
        tensor(0.4055)
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        shape = concentration.shape
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Dirichlet:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        return self._expanded(batch_shape, concentration=1)  # type: ignore[return-value]

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A reparameterised draw: normalised independent gamma draws."""
        shape = self._extended_shape(sample_shape)
        # torch's _sample_dirichlet draws and normalises in float64, then clamps to
        # [tiny, nexttoward(1, 0)] of the dtype and casts back
        gammas = standard_gamma(self.concentration.expand(shape).double())
        draw = (gammas / gammas.sum(-1, keepdim=True)).to(self.concentration.dtype)
        finfo = mt.finfo(draw.dtype)
        return draw.clamp(min=finfo.tiny, max=1 - finfo.eps / 2)

    def log_prob(self, value: Tensor) -> Tensor:
        """``sum (a_i - 1) log x_i + lgamma(sum a) - sum lgamma(a_i)``."""
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return mt.xlogy(c - 1.0, value).sum(-1) + c.sum(-1).lgamma() - c.lgamma().sum(-1)

    @property
    def mean(self) -> Tensor:
        """The mean: ``a / sum(a)``."""
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        """The mode: ``(a - 1)+ / sum (a - 1)+``; a vertex when every ``a_i < 1``."""
        shifted = (self.concentration - 1).clamp(min=0.0)
        mode = shifted / shifted.sum(-1, keepdim=True)
        all_below_one = (self.concentration < 1).all(-1, keepdim=True)
        vertex = F.one_hot(mode.argmax(-1), shifted.shape[-1]).to(mode.dtype)
        return mt.where(all_below_one, vertex, mode)

    @property
    def variance(self) -> Tensor:
        """The variance: ``a (a0 - a) / (a0^2 (a0 + 1))`` with ``a0 = sum(a)``."""
        total = self.concentration.sum(-1, keepdim=True)
        c = self.concentration
        return c * (total - c) / (total.pow(2) * (total + 1))

    def entropy(self) -> Tensor:
        """``sum lgamma(a) - lgamma(a0) - (k - a0) digamma(a0) - sum (a - 1) digamma(a)``."""
        c = self.concentration
        k = c.shape[-1]
        total = c.sum(-1)
        return (
            c.lgamma().sum(-1)
            - total.lgamma()
            - (k - total) * total.digamma()
            - ((c - 1.0) * c.digamma()).sum(-1)
        )
