"""``Independent(base_distribution, reinterpreted_batch_ndims)``: batch dims made event dims."""

from __future__ import annotations

from typing import Any

from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.tensor import Tensor

__all__ = ["Independent"]


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """``value`` summed over its ``dim`` rightmost dims."""
    return value.reshape(*value.shape[: value.dim() - dim], -1).sum(-1) if dim > 0 else value


class Independent(Distribution):
    """The joint of independent copies: the last batch dims of the base become event dims.

    ``log_prob`` and ``entropy`` are summed over those dims: ``Independent(Normal(loc,
    scale), 1)`` is a diagonal multivariate normal.

    Args:
        base_distribution: the distribution to reinterpret.
        reinterpreted_batch_ndims: how many rightmost batch dims become event dims.
        validate_args: check ``log_prob``'s values.

    Raises:
        ValueError: when ``reinterpreted_batch_ndims`` exceeds the base's batch dims.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Independent, Normal
        >>> d = Independent(Normal(mt.zeros(3), mt.ones(3)), 1)
        >>> d.batch_shape, d.event_shape
        (microtensor.Size([]), microtensor.Size([3]))
        >>> d.log_prob(mt.zeros(3))
        tensor(-2.7568)
    """

    arg_constraints: dict[str, constraints.Constraint] = {}

    def __init__(
        self,
        base_distribution: Distribution,
        reinterpreted_batch_ndims: int,
        validate_args: bool | None = None,
    ) -> None:
        if reinterpreted_batch_ndims > len(base_distribution.batch_shape):
            raise ValueError(
                "Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), "
                f"actual {reinterpreted_batch_ndims} vs {len(base_distribution.batch_shape)}"
            )
        shape = tuple(base_distribution.batch_shape) + tuple(base_distribution.event_shape)
        event_dim = reinterpreted_batch_ndims + len(base_distribution.event_shape)
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        cut = len(shape) - event_dim
        super().__init__(shape[:cut], shape[cut:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Independent:
        """This distribution with its base expanded so its batch shape is ``batch_shape``."""
        batch_shape = Size(batch_shape)
        kept = tuple(self.event_shape[: self.reinterpreted_batch_ndims])
        new = self._expanded(batch_shape)
        new.base_dist = self.base_dist.expand(tuple(batch_shape) + kept)  # type: ignore[attr-defined]
        return new  # type: ignore[return-value]

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        """Whether the base has ``rsample``."""
        return self.base_dist.has_rsample

    @property
    def has_enumerate_support(self) -> bool:  # type: ignore[override]
        """The base's, when no dims are reinterpreted."""
        return self.reinterpreted_batch_ndims == 0 and self.base_dist.has_enumerate_support

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        """The base's support, with the reinterpreted dims made event dims."""
        if self.reinterpreted_batch_ndims:
            base = self.base_dist.support
            assert base is not None
            return constraints.independent(base, self.reinterpreted_batch_ndims)
        return self.base_dist.support  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        """The base's mean."""
        return self.base_dist.mean

    @property
    def mode(self) -> Tensor:
        """The base's mode."""
        return self.base_dist.mode

    @property
    def variance(self) -> Tensor:
        """The base's variance."""
        return self.base_dist.variance

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """The base's draws."""
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """The base's reparameterised draws."""
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value: Tensor) -> Tensor:
        """The base's log-probabilities, summed over the reinterpreted dims."""
        return sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self) -> Tensor:
        """The base's entropies, summed over the reinterpreted dims."""
        return sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The base's support, when no dims are reinterpreted.

        Raises:
            NotImplementedError: when some are (a cartesian product).
        """
        if self.reinterpreted_batch_ndims > 0:
            raise NotImplementedError("Enumeration over cartesian product is not implemented")
        return self.base_dist.enumerate_support(expand=expand)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_dist}, {self.reinterpreted_batch_ndims})"
