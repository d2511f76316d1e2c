"""``FisherSnedecor(df1, df2)``: the F distribution, a ratio of scaled chi-squared variables."""

from __future__ import annotations

import math
import numbers
from typing import Any

import microtensor as mt
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.gamma import Gamma
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor

__all__ = ["FisherSnedecor"]


class FisherSnedecor(Distribution):
    """``(X1 / df1) / (X2 / df2)`` for ``Xi ~ Chi2(dfi)``.

    Args:
        df1: the numerator's degrees of freedom (> 0).
        df2: the denominator's degrees of freedom (> 0).
        validate_args: check the parameters and ``log_prob``'s values.

    Differs from PyTorch: draws as ``Gamma``'s (NumPy gammas; not torch's values).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import FisherSnedecor
        >>> FisherSnedecor(mt.tensor([4.0]), mt.tensor([6.0])).log_prob(mt.tensor([1.0]))
        tensor([-0.8802])
    """

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1: Any, df2: Any, validate_args: bool | None = None) -> None:
        self.df1, self.df2 = broadcast_all(df1, df2)
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2)
        scalar = isinstance(df1, numbers.Number) and isinstance(df2, numbers.Number)
        super().__init__(Size() if scalar else self.df1.shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> FisherSnedecor:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        new = self._expanded(batch_shape, df1=0, df2=0)
        new._gamma1 = self._gamma1.expand(batch_shape)  # type: ignore[attr-defined]
        new._gamma2 = self._gamma2.expand(batch_shape)  # type: ignore[attr-defined]
        return new  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        """``df2 / (df2 - 2)`` for ``df2 > 2``, else NaN."""
        df2 = mt.where(self.df2 <= 2, mt.full_like(self.df2, math.nan), self.df2)
        return df2 / (df2 - 2)

    @property
    def mode(self) -> Tensor:
        """``(df1 - 2) / df1 * df2 / (df2 + 2)`` for ``df1 > 2``, else NaN."""
        mode = (self.df1 - 2) / self.df1 * self.df2 / (self.df2 + 2)
        return mt.where(self.df1 <= 2, mt.full_like(mode, math.nan), mode)

    @property
    def variance(self) -> Tensor:
        """``2 df2^2 (df1 + df2 - 2) / (df1 (df2 - 2)^2 (df2 - 4))`` for ``df2 > 4``."""
        df2 = mt.where(self.df2 <= 4, mt.full_like(self.df2, math.nan), self.df2)
        return 2 * df2.pow(2) * (self.df1 + df2 - 2) / (self.df1 * (df2 - 2).pow(2) * (df2 - 4))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``X1 / X2`` of the two gammas' reparameterised draws, at least ``tiny``."""
        shape = self._extended_shape(sample_shape)
        x1 = self._gamma1.rsample(sample_shape).view(shape)
        x2 = self._gamma2.rsample(sample_shape).view(shape)
        tiny = mt.finfo(x2.dtype).tiny
        return (x1 / x2.clamp(min=tiny)).clamp(min=tiny)

    def log_prob(self, value: Tensor) -> Tensor:
        """The log-density of the F distribution."""
        if self._validate_args:
            self._validate_sample(value)
        ct1, ct2, ct3 = self.df1 * 0.5, self.df2 * 0.5, self.df1 / self.df2
        t1 = (ct1 + ct2).lgamma() - ct1.lgamma() - ct2.lgamma()
        t2 = ct1 * ct3.log() + (ct1 - 1) * value.log()
        t3 = (ct1 + ct2) * (ct3 * value).log1p()
        return t1 + t2 - t3
