"""``StudentT(df, loc=0.0, scale=1.0)``: Student's t distribution."""

from __future__ import annotations

import math
from typing import Any

import microtensor as mt
from microtensor.distributions import constraints
from microtensor.distributions.chi2 import Chi2
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["StudentT"]


class StudentT(Distribution):
    """A normal whose precision is ``Chi2(df) / df``: heavy tails for small ``df``.

    Args:
        df: the degrees of freedom (> 0).
        loc: the location.
        scale: the scale (> 0).
        validate_args: check the parameters and ``log_prob``'s values.

    Differs from PyTorch: a draw is ``loc + scale * X / sqrt(Z / df)`` with ``X`` from
    torch's normal stream but ``Z ~ Chi2(df)`` from NumPy's gammas, so draws are not torch's.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import StudentT
        >>> StudentT(mt.tensor([3.0])).log_prob(mt.tensor([0.0]))
        tensor([-1.0009])
    """

    arg_constraints = {
        "df": constraints.positive,
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    support = constraints.real
    has_rsample = True

    def __init__(
        self, df: Any, loc: Any = 0.0, scale: Any = 1.0, validate_args: bool | None = None
    ) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        super().__init__(self.df.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> StudentT:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        new = self._expanded(batch_shape, df=0, loc=0, scale=0)
        new._chi2 = self._chi2.expand(batch_shape)  # type: ignore[attr-defined]
        return new  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        """``loc`` where ``df > 1``, else NaN."""
        return mt.where(self.df <= 1, mt.full_like(self.loc, math.nan), self.loc)

    @property
    def mode(self) -> Tensor:
        """The mode: ``loc``."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """``scale^2 df / (df - 2)`` for ``df > 2``; inf for ``1 < df <= 2``; else NaN."""
        df = self.df
        finite = self.scale.pow(2) * df / (df - 2).clamp(min=1e-300)  # guarded: masked below
        var = mt.where(df > 2, finite, mt.full_like(df, math.inf))
        return mt.where(df <= 1, mt.full_like(df, math.nan), var)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc + scale * X / sqrt(Z / df)``, ``X ~ N(0, 1)``, ``Z ~ Chi2(df)``."""
        shape = self._extended_shape(sample_shape)
        x = mt.empty(shape, dtype=self.df.dtype).normal_()
        z = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * (x * (z / self.df).rsqrt())

    def log_prob(self, value: Tensor) -> Tensor:
        """``-(df + 1)/2 log(1 + y^2 / df) - log(scale sqrt(df pi) B(df/2, 1/2))``."""
        if self._validate_args:
            self._validate_sample(value)
        df = self.df
        y = (value - self.loc) / self.scale
        z = (
            self.scale.log()
            + 0.5 * df.log()
            + 0.5 * math.log(math.pi)
            + (0.5 * df).lgamma()
            - (0.5 * (df + 1.0)).lgamma()
        )
        return -0.5 * (df + 1.0) * (y.pow(2) / df).log1p() - z

    def entropy(self) -> Tensor:
        """``log(scale) + (df+1)/2 (psi((df+1)/2) - psi(df/2)) + log(df)/2 + log B(df/2, 1/2)``."""
        df = self.df
        lbeta = (0.5 * df).lgamma() + math.lgamma(0.5) - (0.5 * (df + 1)).lgamma()
        return (
            self.scale.log()
            + 0.5 * (df + 1) * ((0.5 * (df + 1)).digamma() - (0.5 * df).digamma())
            + 0.5 * df.log()
            + lbeta
        )
