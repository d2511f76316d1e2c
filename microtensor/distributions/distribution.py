"""``Distribution``: the base class of microtensor's probability distributions (torch's API).

A distribution has a ``batch_shape`` (independent distributions side by side) and an
``event_shape`` (the shape of one draw). ``sample``/``rsample`` draw ``sample_shape +
batch_shape + event_shape`` values (``rsample`` keeps the graph: reparameterised draws);
``log_prob``, ``entropy``, ``mean``, ``variance`` ... are computed with microtensor ops, so
they are differentiable. Draws use the default generator through microtensor's random
functions, in the order torch uses them.
"""

from __future__ import annotations

from typing import Any

import microtensor as mt
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.tensor import Tensor

__all__ = ["Distribution"]


class Distribution:
    """Base class: subclasses set ``arg_constraints``, ``support`` and the methods they have.

    Args:
        batch_shape: the shape over which parameters are batched.
        event_shape: the shape of a single sample.
        validate_args: check parameters (and ``log_prob``'s values) against the
            constraints; default: ``Distribution.set_default_validate_args``'s value (True).
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = True
    arg_constraints: dict[str, constraints.Constraint] = {}
    support: constraints.Constraint | None = None

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for every distribution made afterwards."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args(): expected True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(
        self,
        batch_shape: Any = (),
        event_shape: Any = (),
        validate_args: bool | None = None,
    ) -> None:
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            for param, constraint in self.arg_constraints.items():
                if param not in self.__dict__ and param in self._lazy:
                    continue  # e.g. probs, when the distribution was given logits
                if getattr(constraint, "is_dependent", False):
                    continue  # checked by the subclass (Uniform's low < high)
                value = getattr(self, param)
                if not bool(constraint.check(value).all()):
                    raise ValueError(
                        f"Expected parameter {param} ({type(value).__name__} of shape "
                        f"{tuple(value.shape)}) of distribution {self!r} to satisfy the "
                        f"constraint {constraint!r}, but found invalid values:\n{value}"
                    )

    _lazy: tuple[str, ...] = ()

    @property
    def batch_shape(self) -> Size:
        """The shape over which the parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        """The shape of one sample."""
        return self._event_shape

    @property
    def mean(self) -> Tensor:
        """The mean."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self) -> Tensor:
        """The mode."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self) -> Tensor:
        """The variance."""
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self) -> Tensor:
        """The standard deviation: ``variance.sqrt()``."""
        return self.variance.sqrt()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draw ``sample_shape + batch_shape + event_shape`` values, outside the graph."""
        with mt.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A reparameterised draw: differentiable with respect to the parameters."""
        raise NotImplementedError(f"{type(self).__name__} does not implement rsample")

    def sample_n(self, n: int) -> Tensor:
        """``sample((n,))``."""
        return self.sample(Size((n,)))

    def log_prob(self, value: Tensor) -> Tensor:
        """The log of the density (or mass) at ``value``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def cdf(self, value: Tensor) -> Tensor:
        """The cumulative distribution function at ``value``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value: Tensor) -> Tensor:
        """The inverse of the cumulative distribution function."""
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def entropy(self) -> Tensor:
        """The entropy, per batch element."""
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def perplexity(self) -> Tensor:
        """``exp(entropy)``."""
        return self.entropy().exp()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """Every value of a discrete support (for the distributions that have one)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement enumerate_support")

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """This distribution with its parameters expanded (as views) to ``batch_shape``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement expand")

    def _expanded(self, batch_shape: Any, **event_dims: int) -> Distribution:
        """A copy whose tensors named in ``event_dims`` are expanded to ``batch_shape``.

        ``event_dims[name]`` is how many rightmost dims of that tensor are not batch dims (1
        for a Categorical's probs, 2 for a scale_tril); a name not set on this instance (a
        lazy parameter never computed) is skipped. Every other attribute is shared.
        """
        batch_shape = Size(batch_shape)
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        replaced: dict[int, Tensor] = {}
        for name, ndim in event_dims.items():
            if name in self.__dict__:
                value = self.__dict__[name]
                tail = tuple(value.shape[value.dim() - ndim :]) if ndim else ()
                replaced[id(value)] = new.__dict__[name] = value.expand(*batch_shape, *tail)
        for name, value in self.__dict__.items():  # aliases such as _param follow their tensor
            if id(value) in replaced:
                new.__dict__[name] = replaced[id(value)]
        new._batch_shape = batch_shape
        return new

    def _extended_shape(self, sample_shape: Any = ()) -> Size:
        return Size(tuple(Size(sample_shape)) + tuple(self._batch_shape) + tuple(self._event_shape))

    def _validate_sample(self, value: Any) -> None:
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        event_dim_start = len(value.shape) - len(self._event_shape)
        if tuple(value.shape[event_dim_start:]) != tuple(self._event_shape):
            raise ValueError(
                f"The right-most size of value must match event_shape: {tuple(value.shape)} vs "
                f"{tuple(self._event_shape)}."
            )
        actual = tuple(value.shape)
        expected = tuple(self._batch_shape) + tuple(self._event_shape)
        for i, j in zip(reversed(actual), reversed(expected), strict=False):
            if i != 1 and j != 1 and i != j:
                raise ValueError(
                    f"Value is not broadcastable with batch_shape+event_shape: {actual} vs "
                    f"{expected}."
                )
        if self.support is not None and not bool(self.support.check(value).all()):
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape {actual}) to be "
                f"within the support ({self.support!r}) of the distribution {self!r}, but found "
                f"invalid values:\n{value}"
            )

    def __repr__(self) -> str:
        names = [name for name in self.arg_constraints if name in self.__dict__]
        parts = []
        for name in names:
            value = self.__dict__[name]
            parts.append(f"{name}: {value.item() if value.numel() == 1 else value.shape}")
        return f"{type(self).__name__}({', '.join(parts)})"
