"""``LogisticNormal(loc, scale)``: a normal vector pushed onto the simplex by stick breaking."""

from __future__ import annotations

from typing import Any

from microtensor.distributions import constraints
from microtensor.distributions.normal import Normal
from microtensor.distributions.transformed_distribution import TransformedDistribution
from microtensor.distributions.transforms import StickBreakingTransform
from microtensor.tensor import Tensor

__all__ = ["LogisticNormal"]


class LogisticNormal(TransformedDistribution):
    """``StickBreakingTransform()(X)`` with ``X ~ Normal(loc, scale)``: K-1 normals, K weights.

    Args:
        loc: the normal's means (the last dim is the event: K - 1 of them).
        scale: its standard deviations (> 0).
        validate_args: check the parameters and ``log_prob``'s values.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import LogisticNormal
        >>> LogisticNormal(mt.zeros(2), mt.ones(2)).log_prob(mt.tensor([0.3, 0.3, 0.4]))
        tensor(1.4331)
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex  # type: ignore[assignment]
    has_rsample = True  # type: ignore[assignment]

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        base_dist: Any = Normal(loc, scale, validate_args=validate_args)
        if not base_dist.batch_shape:
            base_dist = base_dist.expand([1])
        super().__init__(base_dist, StickBreakingTransform(), validate_args=validate_args)

    @property
    def loc(self) -> Tensor:
        """The normal's means."""
        return self.base_dist.base_dist.loc  # type: ignore[attr-defined]

    @property
    def scale(self) -> Tensor:
        """The normal's standard deviations."""
        return self.base_dist.base_dist.scale  # type: ignore[attr-defined]
