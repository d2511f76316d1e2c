"""``MixtureSameFamily(mixture_distribution, component_distribution)``: a mixture model."""

from __future__ import annotations

from typing import Any

import microtensor as mt
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions.categorical import Categorical
from microtensor.distributions.distribution import Distribution
from microtensor.tensor import Tensor

__all__ = ["MixtureSameFamily"]


class _MixtureSameFamilyConstraint(constraints.Constraint):
    """The components' support, checked against every component (all must hold)."""

    def __init__(self, base_constraint: constraints.Constraint) -> None:
        self.base_constraint = base_constraint
        self.is_discrete = base_constraint.is_discrete  # type: ignore[misc]
        self.event_dim = base_constraint.event_dim  # type: ignore[misc]

    def check(self, value: Tensor) -> Tensor:
        unsqueezed = value.unsqueeze(-1 - self.event_dim)
        result = self.base_constraint.check(unsqueezed)
        if value.dim() < self.event_dim:
            raise ValueError(f"Expected value.dim() >= {self.event_dim} but got {value.dim()}")
        return result.reshape(*result.shape[: result.dim() - 1], -1).all(-1)

    def __repr__(self) -> str:
        return f"MixtureSameFamilyConstraint({self.base_constraint!r})"


class MixtureSameFamily(Distribution):
    """``p(x) = sum_k w_k p_k(x)``: the last batch dim of the components is mixed.

    Args:
        mixture_distribution: a ``Categorical`` over the K components (the weights).
        component_distribution: K components of one family, along the last batch dim.
        validate_args: check ``log_prob``'s values.

    Raises:
        ValueError: for a mixture that is not a Categorical, a component that is not a
            Distribution, or batch shapes or K that do not agree.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Categorical, MixtureSameFamily, Normal
        >>> mix = MixtureSameFamily(Categorical(mt.ones(2)), Normal(mt.tensor([-1.0, 1.0]), 1.0))
        >>> mix.log_prob(mt.tensor(0.0))
        tensor(-1.4189)
    """

    arg_constraints: dict[str, constraints.Constraint] = {}
    has_rsample = False

    def __init__(
        self,
        mixture_distribution: Categorical,
        component_distribution: Distribution,
        validate_args: bool | None = None,
    ) -> None:
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(
                " The Mixture distribution needs to be an "
                " instance of microtensor.distributions.Categorical"
            )
        if not isinstance(component_distribution, Distribution):
            raise ValueError(
                "The Component distribution needs to be an "
                "instance of microtensor.distributions.Distribution"
            )
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        mdbs = mixture_distribution.batch_shape
        cdbs = component_distribution.batch_shape[:-1]
        for size1, size2 in zip(reversed(mdbs), reversed(cdbs), strict=False):
            if size1 != 1 and size2 != 1 and size1 != size2:
                raise ValueError(
                    f"`mixture_distribution.batch_shape` ({mdbs}) is not compatible with "
                    f"`component_distribution.batch_shape`({cdbs})"
                )
        km = mixture_distribution.logits.shape[-1]
        kc = component_distribution.batch_shape[-1]
        if km != kc:
            raise ValueError(
                f"`mixture_distribution component` ({km}) does not equal "
                f"`component_distribution.batch_shape[-1]` ({kc})"
            )
        self._num_component = km
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(cdbs, component_distribution.event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> MixtureSameFamily:
        """This mixture with its mixture and components expanded to ``batch_shape``."""
        batch_shape = Size(batch_shape)
        new = self._expanded(batch_shape)
        new._component_distribution = self._component_distribution.expand(  # type: ignore[attr-defined]
            batch_shape + Size((self._num_component,))
        )
        new._mixture_distribution = self._mixture_distribution.expand(batch_shape)  # type: ignore[attr-defined]
        return new  # type: ignore[return-value]

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        """The components' support."""
        base = self._component_distribution.support
        assert base is not None
        return _MixtureSameFamilyConstraint(base)

    @property
    def mixture_distribution(self) -> Categorical:
        """The Categorical of the weights."""
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        """The components."""
        return self._component_distribution

    def _pad(self, x: Tensor) -> Tensor:
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, x: Tensor) -> Tensor:
        dist_batch_ndims = len(self.batch_shape)
        cat_batch_ndims = len(self.mixture_distribution.batch_shape)
        pad_ndims = 0 if cat_batch_ndims == 1 else dist_batch_ndims - cat_batch_ndims
        shape = tuple(x.shape)
        return x.reshape(*shape[:-1], *([1] * pad_ndims), *shape[-1:], *([1] * self._event_ndims))

    @property
    def mean(self) -> Tensor:
        """``sum_k w_k mean_k``."""
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        return (probs * self.component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self) -> Tensor:
        """The law of total variance: ``E[Var(Y|k)] + Var(E[Y|k])``."""
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        dim = -1 - self._event_ndims
        mean_cond_var = (probs * self.component_distribution.variance).sum(dim)
        spread = (self.component_distribution.mean - self._pad(self.mean)).pow(2.0)
        return mean_cond_var + (probs * spread).sum(dim)

    def cdf(self, x: Tensor) -> Tensor:
        """``sum_k w_k cdf_k(x)``."""
        cdf_x = self.component_distribution.cdf(self._pad(x))
        return (cdf_x * self.mixture_distribution.probs).sum(-1)

    def log_prob(self, x: Tensor) -> Tensor:
        """``logsumexp_k (log w_k + log p_k(x))``."""
        if self._validate_args:
            self._validate_sample(x)
        log_prob_x = self.component_distribution.log_prob(self._pad(x))
        log_mix_prob = mt.log_softmax(self.mixture_distribution.logits, dim=-1)
        return (log_prob_x + log_mix_prob).logsumexp(-1)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """A component index from the mixture, then that component's draw (torch's order)."""
        sample_shape = Size(sample_shape)
        with mt.no_grad():
            gather_dim = len(sample_shape) + len(self.batch_shape)
            es = tuple(self.event_shape)
            mix_sample = self.mixture_distribution.sample(sample_shape)
            mix_shape = tuple(mix_sample.shape)
            comp_samples = self.component_distribution.sample(sample_shape)
            index = mix_sample.reshape(*mix_shape, *([1] * (len(es) + 1)))
            index = index.repeat(*([1] * len(mix_shape)), 1, *es)
            return comp_samples.gather(gather_dim, index).squeeze(gather_dim)

    def __repr__(self) -> str:
        args = f"\n  {self.mixture_distribution},\n  {self.component_distribution}"
        return f"MixtureSameFamily({args})"
