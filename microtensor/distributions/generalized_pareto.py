"""``GeneralizedPareto(loc, scale, concentration)``: the distribution of tails over a threshold."""

from __future__ import annotations

import math
import numbers
from typing import Any

import microtensor as mt
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    """Survival ``(1 + c z)^(-1/c)`` with ``z = (x - loc) / scale`` (``exp(-z)`` for c = 0).

    The density is ``(1 + c z)^(-1/c - 1) / scale`` on ``x >= loc`` (and, for c < 0, up to
    ``loc - scale / c``). Special cases: Exponential (loc = 0, c = 0), Pareto (c > 0, loc =
    scale / c) and Uniform (c = -1). Draws are ``icdf(u)`` of a uniform ``u`` (torch's
    stream), so ``rsample`` is differentiable. A concentration ``isclose`` to 0 takes the
    exponential formulas, as torch (after TensorFlow Probability).

    Differs from PyTorch: ``log_prob``, ``cdf`` and the survival functions also work for
    float64 parameters (torch 2.13 compares them with a float32 zero and raises
    "Double did not match Float").

    Args:
        loc: the location (lower end of the support).
        scale: the scale (> 0).
        concentration: the shape c (tail index); real.
        validate_args: check ``scale > 0`` and ``log_prob``'s values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import GeneralizedPareto
        >>> d = GeneralizedPareto(mt.tensor([0.1]), mt.tensor([2.0]), mt.tensor([0.4]))
        >>> d.log_prob(mt.tensor([1.0]))
        tensor([-1.2724])
        >>> d.icdf(mt.tensor([0.5]))
        tensor([1.6975])
    """

    arg_constraints = {
        "loc": constraints.real,
        "scale": constraints.positive,
        "concentration": constraints.real,
    }
    has_rsample = True

    def __init__(
        self, loc: Any, scale: Any, concentration: Any, validate_args: bool | None = None
    ) -> None:
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        scalar = all(isinstance(v, numbers.Number) for v in (loc, scale, concentration))
        super().__init__(Size() if scalar else self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> GeneralizedPareto:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        return self._expanded(batch_shape, loc=0, scale=0, concentration=0)  # type: ignore[return-value]

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``icdf(u)`` for ``u ~ Uniform(0, 1)``: differentiable in the parameters."""
        u = mt.rand(self._extended_shape(sample_shape), dtype=self.loc.dtype)
        return self.icdf(u)

    def _z(self, value: Tensor) -> Tensor:
        return (value - self.loc) / self.scale

    def _safe_concentration(self) -> tuple[Tensor, Tensor]:
        """Where c is (close to) 0, and c with those entries set to 1 (so nothing divides by 0)."""
        c = self.concentration
        eq_zero = mt.isclose(c, mt.zeros_like(c))
        return eq_zero, mt.where(eq_zero, mt.ones_like(c), c)

    def log_prob(self, value: Tensor) -> Tensor:
        """``-log(scale) - (1/c + 1) log1p(c z)`` (``-log(scale) - z`` for c = 0)."""
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, safe_c = self._safe_concentration()
        y = 1 / safe_c + mt.ones_like(z)
        # y == 0 (c = -1, the uniform case): 0 * log1p(-z) would be nan at z = 1
        where_nonzero = mt.where(y == 0, y, y * (safe_c * z).log1p())
        return -self.scale.log() - mt.where(eq_zero, z, where_nonzero)

    def log_survival_function(self, value: Tensor) -> Tensor:
        """``log P(X > value) = -log1p(c z) / c`` (``-z`` for c = 0)."""
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, safe_c = self._safe_concentration()
        return mt.where(eq_zero, -z, -(safe_c * z).log1p() / safe_c)

    def log_cdf(self, value: Tensor) -> Tensor:
        """``log(1 - survival)``, as ``log1p(-exp(log_survival_function))``."""
        return (-self.log_survival_function(value).exp()).log1p()

    def cdf(self, value: Tensor) -> Tensor:
        """``exp(log_cdf(value))``."""
        return self.log_cdf(value).exp()

    def icdf(self, value: Tensor) -> Tensor:
        """``loc + scale expm1(-c log1p(-value)) / c`` (``loc - scale log1p(-value)`` for c = 0)."""
        eq_zero, safe_c = self._safe_concentration()
        log_u = (-value).log1p()
        where_nonzero = self.loc + self.scale / safe_c * (-safe_c * log_u).expm1()
        where_zero = self.loc - self.scale * log_u
        return mt.where(eq_zero, where_zero, where_nonzero)

    @property
    def mean(self) -> Tensor:
        """``loc + scale / (1 - c)`` for c < 1, nan otherwise."""
        valid = self.concentration < 1
        safe_c = mt.where(valid, self.concentration, 0.5)
        return mt.where(valid, self.loc + self.scale / (1 - safe_c), math.nan)

    @property
    def variance(self) -> Tensor:
        """``scale^2 / ((1 - c)^2 (1 - 2c))`` for c < 1/2, nan otherwise."""
        valid = self.concentration < 0.5
        safe_c = mt.where(valid, self.concentration, 0.25)
        result = self.scale**2 / ((1 - safe_c) ** 2 * (1 - 2 * safe_c))
        return mt.where(valid, result, math.nan)

    @property
    def mode(self) -> Tensor:
        """The mode: ``loc``."""
        return self.loc

    def entropy(self) -> Tensor:
        """``log(scale) + c + 1``."""
        return mt.broadcast_to(self.scale.log() + self.concentration + 1, self._batch_shape)

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        """``[loc, loc - scale / c]`` for c < 0, ``[loc, inf]`` otherwise."""
        lower, negative = self.loc, self.concentration < 0
        safe_c = mt.where(negative, self.concentration, -1.0)  # no division by 0 where unused
        return constraints.interval(
            lower, mt.where(negative, lower - self.scale / safe_c, math.inf)
        )
