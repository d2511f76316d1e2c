"""``biject_to`` and ``transform_to``: a transform from the reals onto a constraint's region.

``biject_to(c)`` is bijective (for HMC-style unconstrained parameters whose log-density needs
the jacobian); ``transform_to(c)`` need not be (``softmax`` onto the simplex), for optimising
a constrained parameter as ``transform_to(c)(unconstrained)``. Both look up the constraint's
class; ``register`` adds a factory ``fn(constraint) -> Transform``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

from microtensor.distributions import constraints
from microtensor.distributions.transforms import (
    AffineTransform,
    ComposeTransform,
    CorrCholeskyTransform,
    ExpTransform,
    IndependentTransform,
    LowerCholeskyTransform,
    PositiveDefiniteTransform,
    SigmoidTransform,
    SoftmaxTransform,
    StickBreakingTransform,
    Transform,
    identity_transform,
)

__all__ = ["ConstraintRegistry", "biject_to", "transform_to"]

Factory = Callable[[Any], Transform]


class ConstraintRegistry:
    """Maps constraint classes to transform factories.

    Example:
        >>> from microtensor.distributions import constraints
        >>> from microtensor.distributions.constraint_registry import biject_to
        >>> biject_to(constraints.unit_interval)
        SigmoidTransform()
    """

    def __init__(self) -> None:
        self._registry: dict[type, Factory] = {}

    def register(self, constraint: Any, factory: Factory | None = None) -> Any:
        """Register ``factory`` for ``constraint``'s class (usable as a decorator).

        Raises:
            TypeError: when ``constraint`` is neither a Constraint nor a Constraint class.
        """
        if factory is None:
            return lambda factory: self.register(constraint, factory)
        if isinstance(constraint, constraints.Constraint):
            constraint = type(constraint)
        if not isinstance(constraint, type) or not issubclass(constraint, constraints.Constraint):
            raise TypeError(
                "Expected constraint to be either a Constraint subclass or instance, "
                f"but got {constraint}"
            )
        self._registry[constraint] = factory
        return factory

    def __call__(self, constraint: constraints.Constraint) -> Transform:
        """The transform from the reals onto ``constraint``.

        Raises:
            NotImplementedError: for a constraint class with no registered factory.
        """
        try:
            factory = self._registry[type(constraint)]
        except KeyError:
            raise NotImplementedError(
                f"Cannot transform {type(constraint).__name__} constraints"
            ) from None
        return factory(constraint)


biject_to = ConstraintRegistry()
transform_to = ConstraintRegistry()


def _real(constraint: Any) -> Transform:
    return identity_transform


def _independent(registry: ConstraintRegistry) -> Factory:
    def factory(constraint: Any) -> Transform:
        base = registry(constraint.base_constraint)
        return IndependentTransform(base, constraint.reinterpreted_batch_ndims)

    return factory


def _greater_than(constraint: Any) -> Transform:
    return ComposeTransform([ExpTransform(), AffineTransform(constraint.lower_bound, 1)])


def _less_than(constraint: Any) -> Transform:
    return ComposeTransform([ExpTransform(), AffineTransform(constraint.lower_bound, -1)])


def _interval(constraint: Any) -> Transform:
    low, high = constraint.lower_bound, constraint.upper_bound
    low_is_0 = isinstance(low, numbers.Number) and low == 0
    high_is_1 = isinstance(high, numbers.Number) and high == 1
    if low_is_0 and high_is_1:
        return SigmoidTransform()
    return ComposeTransform([SigmoidTransform(), AffineTransform(low, high - low)])


def _softmax(constraint: Any) -> Transform:
    return SoftmaxTransform()


def _stick_breaking(constraint: Any) -> Transform:
    return StickBreakingTransform()


def _lower_cholesky(constraint: Any) -> Transform:
    return LowerCholeskyTransform()


def _corr_cholesky(constraint: Any) -> Transform:
    return CorrCholeskyTransform()


def _positive_definite(constraint: Any) -> Transform:
    return PositiveDefiniteTransform()


for _registry in (biject_to, transform_to):
    _registry.register(constraints._Real, _real)
    _registry.register(constraints._IndependentConstraint, _independent(_registry))
    _registry.register(constraints._GreaterThan, _greater_than)
    _registry.register(constraints._GreaterThanEq, _greater_than)
    _registry.register(constraints._LessThan, _less_than)
    _registry.register(constraints._Interval, _interval)
    _registry.register(constraints._HalfOpenInterval, _interval)
    _registry.register(constraints._CorrCholesky, _corr_cholesky)
biject_to.register(constraints._Simplex, _stick_breaking)
transform_to.register(constraints._Simplex, _softmax)
transform_to.register(constraints._LowerCholesky, _lower_cholesky)
transform_to.register(constraints._PositiveDefinite, _positive_definite)
