"""Elementwise bijections: exp, power, sigmoid, softplus, tanh, abs, affine maps and CDFs."""

from __future__ import annotations

import math
import numbers
from typing import Any

import microtensor as mt
import microtensor.nn.functional as F
from microtensor.distributions import constraints
from microtensor.distributions._transform_base import Transform
from microtensor.tensor import Tensor

__all__ = [
    "AbsTransform",
    "AffineTransform",
    "CumulativeDistributionTransform",
    "ExpTransform",
    "PowerTransform",
    "SigmoidTransform",
    "SoftplusTransform",
    "TanhTransform",
]


class ExpTransform(Transform):
    """``y = exp(x)``."""

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = 1  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExpTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return x.exp()

    def _inverse(self, y: Tensor) -> Tensor:
        return y.log()

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """``x``."""
        return x


class PowerTransform(Transform):
    """``y = x ** exponent`` on the positive reals."""

    domain = constraints.positive
    codomain = constraints.positive
    bijective = True

    def __init__(self, exponent: Any, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        (self.exponent,) = _as_tensors(exponent)

    def with_cache(self, cache_size: int = 1) -> Transform:  # noqa: D102
        return self if self._cache_size == cache_size else PowerTransform(self.exponent, cache_size)

    @property
    def sign(self) -> Any:
        """The exponent's sign."""
        return self.exponent.sign()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PowerTransform) and bool(self.exponent.eq(other.exponent).all())

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return x.pow(self.exponent)

    def _inverse(self, y: Tensor) -> Tensor:
        return y.pow(1 / self.exponent)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """``log |exponent * y / x|``."""
        return (self.exponent * y / x).abs().log()

    def forward_shape(self, shape: Any) -> Any:  # noqa: D102
        return mt.broadcast_shapes(tuple(shape), tuple(self.exponent.shape))

    def inverse_shape(self, shape: Any) -> Any:  # noqa: D102
        return mt.broadcast_shapes(tuple(shape), tuple(self.exponent.shape))


class SigmoidTransform(Transform):
    """``y = sigmoid(x)``, kept inside (0, 1) by ``tiny`` and ``eps``."""

    domain = constraints.real
    codomain = constraints.unit_interval
    bijective = True
    sign = 1  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SigmoidTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        finfo = mt.finfo(x.dtype)
        return x.sigmoid().clamp(min=finfo.tiny, max=1.0 - finfo.eps)

    def _inverse(self, y: Tensor) -> Tensor:
        finfo = mt.finfo(y.dtype)
        y = y.clamp(min=finfo.tiny, max=1.0 - finfo.eps)
        return y.log() - (-y).log1p()

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """``-softplus(-x) - softplus(x)``."""
        return -F.softplus(-x) - F.softplus(x)


class SoftplusTransform(Transform):
    """``y = softplus(x) = log(1 + exp(x))`` (linear for x > 20, as ``F.softplus``)."""

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = 1  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SoftplusTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return F.softplus(x)

    def _inverse(self, y: Tensor) -> Tensor:
        # log(exp(y) - 1) = y + log(1 - exp(-y)), without overflow for large y
        return (-y).expm1().neg().log() + y

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """``log sigmoid(x) = -softplus(-x)``."""
        return -F.softplus(-x)


class TanhTransform(Transform):
    """``y = tanh(x)``."""

    domain = constraints.real
    codomain = constraints.interval(-1.0, 1.0)
    bijective = True
    sign = 1  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TanhTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return x.tanh()

    def _inverse(self, y: Tensor) -> Tensor:
        return y.atanh()

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """``2 (log 2 - x - softplus(-2x))``, a stable ``log(1 - tanh(x)^2)``."""
        return 2.0 * (math.log(2.0) - x - F.softplus(-2.0 * x))


class AbsTransform(Transform):
    """``y = |x|`` (not bijective: the inverse returns ``y``)."""

    domain = constraints.real
    codomain = constraints.positive

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AbsTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return x.abs()

    def _inverse(self, y: Tensor) -> Tensor:
        return y


class AffineTransform(Transform):
    """``y = loc + scale * x``, over ``event_dim`` rightmost dims.

    Args:
        loc: the shift (Tensor or number).
        scale: the scale (Tensor or number).
        event_dim: the event dims of one value (the jacobian is summed over them).
        cache_size: 0 or 1.
    """

    bijective = True

    def __init__(self, loc: Any, scale: Any, event_dim: int = 0, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        self.loc, self.scale, self._event_dim = loc, scale, event_dim

    @property
    def event_dim(self) -> int:
        """The event dims of one value."""
        return self._event_dim

    @property
    def domain(self) -> constraints.Constraint:  # type: ignore[override]
        """The reals, with ``event_dim`` event dims."""
        if self._event_dim == 0:
            return constraints.real
        return constraints.independent(constraints.real, self._event_dim)

    @property
    def codomain(self) -> constraints.Constraint:  # type: ignore[override]
        """The reals, with ``event_dim`` event dims."""
        return self.domain

    def with_cache(self, cache_size: int = 1) -> Transform:  # noqa: D102
        if self._cache_size == cache_size:
            return self
        return AffineTransform(self.loc, self.scale, self._event_dim, cache_size=cache_size)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AffineTransform):
            return False
        return all(
            (a == b)
            if isinstance(a, numbers.Number) and isinstance(b, numbers.Number)
            else bool((mt.as_tensor(a) == mt.as_tensor(b)).all())
            for a, b in ((self.loc, other.loc), (self.scale, other.scale))
        )

    __hash__ = object.__hash__

    @property
    def sign(self) -> Any:
        """The sign of ``scale``."""
        if isinstance(self.scale, numbers.Real):
            return 1 if float(self.scale) > 0 else -1 if float(self.scale) < 0 else 0
        return self.scale.sign()

    def _call(self, x: Tensor) -> Tensor:
        return self.loc + self.scale * x

    def _inverse(self, y: Tensor) -> Tensor:
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """``log |scale|``, summed over the event dims, expanded to the batch shape."""
        shape = tuple(x.shape)
        if isinstance(self.scale, numbers.Real):
            result = mt.full_like(x, math.log(abs(float(self.scale))))
        else:
            result = self.scale.abs().log()
        if self._event_dim:
            result = result.reshape(*result.shape[: result.dim() - self._event_dim], -1).sum(-1)
            shape = shape[: len(shape) - self._event_dim]
        return result.expand(shape)

    def forward_shape(self, shape: Any) -> Any:  # noqa: D102
        return mt.broadcast_shapes(tuple(shape), *_shapes(self.loc, self.scale))

    def inverse_shape(self, shape: Any) -> Any:  # noqa: D102
        return mt.broadcast_shapes(tuple(shape), *_shapes(self.loc, self.scale))


class CumulativeDistributionTransform(Transform):
    """``y = distribution.cdf(x)``: onto (0, 1), with ``icdf`` as the inverse.

    The Jacobian is the density, so ``log_abs_det_jacobian`` is ``distribution.log_prob(x)``
    (a Gaussian copula pushes a multivariate normal through ``Normal(0, 1)``'s CDF).

    Args:
        distribution: a distribution with ``cdf``, ``icdf`` and ``log_prob``.
        cache_size: 0 or 1.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions import Normal
        >>> from microtensor.distributions.transforms import CumulativeDistributionTransform
        >>> CumulativeDistributionTransform(Normal(0.0, 1.0))(mt.tensor([0.0, 1.0]))
        tensor([0.5000, 0.8413])
    """

    bijective = True
    codomain = constraints.unit_interval
    sign = 1  # type: ignore[assignment]

    def __init__(self, distribution: Any, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        self.distribution = distribution

    @property
    def domain(self) -> Any:  # type: ignore[override]
        """The distribution's support."""
        return self.distribution.support

    def with_cache(self, cache_size: int = 1) -> Transform:  # noqa: D102
        if self._cache_size == cache_size:
            return self
        return CumulativeDistributionTransform(self.distribution, cache_size=cache_size)

    def _call(self, x: Tensor) -> Tensor:
        return self.distribution.cdf(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """``distribution.log_prob(x)``."""
        return self.distribution.log_prob(x)


def _as_tensors(*values: Any) -> tuple[Tensor, ...]:
    return tuple(v if isinstance(v, Tensor) else mt.tensor(v) for v in values)


def _shapes(*values: Any) -> list[tuple[int, ...]]:
    return [tuple(v.shape) for v in values if isinstance(v, Tensor)]
