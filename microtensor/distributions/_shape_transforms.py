"""Transforms that rearrange or split a value: reshape, and per-slice maps joined by cat or stack.

The public names live in ``microtensor.distributions.transforms``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import microtensor as mt
from microtensor._size import Size
from microtensor.distributions import constraints
from microtensor.distributions._transform_base import Transform
from microtensor.distributions.independent import sum_rightmost
from microtensor.tensor import Tensor

__all__ = ["CatTransform", "ReshapeTransform", "StackTransform"]


class ReshapeTransform(Transform):
    """``y = x.reshape(batch_shape + out_shape)``: a unit Jacobian reshape of the event.

    Args:
        in_shape: the input event shape.
        out_shape: the output event shape (with as many elements).
        cache_size: 0 or 1.

    Raises:
        ValueError: when the two shapes have different numbers of elements; ``forward_shape``
            and ``inverse_shape`` for a shape whose right end is not ``in_shape``/``out_shape``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions.transforms import ReshapeTransform
        >>> ReshapeTransform((4,), (2, 2))(mt.arange(8.0).reshape(2, 4)).shape
        microtensor.Size([2, 2, 2])
    """

    bijective = True

    def __init__(self, in_shape: Any, out_shape: Any, cache_size: int = 0) -> None:
        self.in_shape = Size(in_shape)
        self.out_shape = Size(out_shape)
        if self.in_shape.numel() != self.out_shape.numel():
            raise ValueError("in_shape, out_shape have different numbers of elements")
        super().__init__(cache_size=cache_size)

    @property
    def domain(self) -> constraints.Constraint:  # type: ignore[override]
        """The reals, with ``len(in_shape)`` event dims."""
        return constraints.independent(constraints.real, len(self.in_shape))

    @property
    def codomain(self) -> constraints.Constraint:  # type: ignore[override]
        """The reals, with ``len(out_shape)`` event dims."""
        return constraints.independent(constraints.real, len(self.out_shape))

    def with_cache(self, cache_size: int = 1) -> Transform:  # noqa: D102
        if self._cache_size == cache_size:
            return self
        return ReshapeTransform(self.in_shape, self.out_shape, cache_size=cache_size)

    def _call(self, x: Tensor) -> Tensor:
        batch_shape = x.shape[: x.dim() - len(self.in_shape)]
        return x.reshape(batch_shape + self.out_shape)

    def _inverse(self, y: Tensor) -> Tensor:
        batch_shape = y.shape[: y.dim() - len(self.out_shape)]
        return y.reshape(batch_shape + self.in_shape)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """Zeros of the batch shape."""
        return x.new_zeros(x.shape[: x.dim() - len(self.in_shape)])

    def forward_shape(self, shape: Any) -> Any:  # noqa: D102
        return _replace_tail(shape, self.in_shape, self.out_shape)

    def inverse_shape(self, shape: Any) -> Any:  # noqa: D102
        return _replace_tail(shape, self.out_shape, self.in_shape)


def _replace_tail(shape: Any, tail: Size, new_tail: Size) -> Any:
    if len(shape) < len(tail):
        raise ValueError("Too few dimensions on input")
    cut = len(shape) - len(tail)
    if tuple(shape[cut:]) != tuple(tail):
        # torch's message, which names the given shape first
        raise ValueError(f"Shape mismatch: expected {shape[cut:]} but got {tail}")
    return Size(tuple(shape[:cut]) + tuple(new_tail))


class CatTransform(Transform):
    """``tseq[i]`` applied to the i-th slice of ``lengths[i]`` entries along ``dim`` (as ``cat``).

    Args:
        tseq: the transforms, one per slice.
        dim: the dim the slices are cut along.
        lengths: the slices' lengths (default: 1 each).
        cache_size: 0 or 1.

    Raises:
        AssertionError: as torch, for a ``tseq`` entry that is not a Transform, ``lengths`` of
            another length than ``tseq``, and (when called) a ``dim`` out of range or a size
            along it other than ``sum(lengths)``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions.transforms import (
        ...     CatTransform, ExpTransform, identity_transform)
        >>> t = CatTransform([ExpTransform(), identity_transform], dim=0, lengths=[1, 2])
        >>> t(mt.tensor([0.0, 1.0, 2.0]))
        tensor([1., 1., 2.])
    """

    def __init__(
        self,
        tseq: Sequence[Transform],
        dim: int = 0,
        lengths: Sequence[int] | None = None,
        cache_size: int = 0,
    ) -> None:
        if not all(isinstance(t, Transform) for t in tseq):
            raise AssertionError("All elements of tseq must be Transform instances")
        if cache_size:
            tseq = [t.with_cache(cache_size) for t in tseq]
        super().__init__(cache_size=cache_size)
        self.transforms = list(tseq)
        self.lengths = [1] * len(self.transforms) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.transforms):
            raise AssertionError(
                f"lengths ({len(self.lengths)}) must match transforms ({len(self.transforms)})"
            )
        self.dim = dim

    @property
    def event_dim(self) -> int:
        """The largest event dim of the parts."""
        return max(t.event_dim for t in self.transforms)

    @property
    def length(self) -> int:
        """``sum(lengths)``: the size along ``dim``."""
        return sum(self.lengths)

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        """Whether every part is."""
        return all(t.bijective for t in self.transforms)

    @property
    def domain(self) -> constraints.Constraint:  # type: ignore[override]
        """The parts' domains, joined along ``dim``."""
        return _Cat([t.domain for t in self.transforms], self.dim, self.lengths)

    @property
    def codomain(self) -> constraints.Constraint:  # type: ignore[override]
        """The parts' codomains, joined along ``dim``."""
        return _Cat([t.codomain for t in self.transforms], self.dim, self.lengths)

    def with_cache(self, cache_size: int = 1) -> Transform:  # noqa: D102
        if self._cache_size == cache_size:
            return self
        return CatTransform(self.transforms, self.dim, self.lengths, cache_size)

    def _check(self, value: Tensor, name: str, what: str = "tensor") -> None:
        if not -value.dim() <= self.dim < value.dim():
            raise AssertionError(
                f"dim {self.dim} out of range for {what} with {value.dim()} dimensions"
            )
        if value.size(self.dim) != self.length:
            raise AssertionError(
                f"{name}.size({self.dim}) = {value.size(self.dim)} must equal length {self.length}"
            )

    def _slices(self, value: Tensor) -> list[Tensor]:
        starts = [sum(self.lengths[:i]) for i in range(len(self.lengths))]
        return [value.narrow(self.dim, s, n) for s, n in zip(starts, self.lengths, strict=True)]

    def _call(self, x: Tensor) -> Tensor:
        self._check(x, "x")
        parts = zip(self.transforms, self._slices(x), strict=True)
        return mt.cat([t(part) for t, part in parts], dim=self.dim)

    def _inverse(self, y: Tensor) -> Tensor:
        self._check(y, "y")
        parts = zip(self.transforms, self._slices(y), strict=True)
        return mt.cat([t.inv(part) for t, part in parts], dim=self.dim)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """The parts' terms: concatenated when ``dim`` is a batch dim, summed when an event dim."""
        self._check(x, "x", "x")
        self._check(y, "y", "y")
        terms = []
        for t, a, b in zip(self.transforms, self._slices(x), self._slices(y), strict=True):
            terms.append(sum_rightmost(t.log_abs_det_jacobian(a, b), self.event_dim - t.event_dim))
        dim = (self.dim - x.dim() if self.dim >= 0 else self.dim) + self.event_dim
        if dim < 0:
            return mt.cat(terms, dim=dim)
        return sum(terms)  # type: ignore[return-value]


class StackTransform(Transform):
    """``tseq[i]`` applied to ``x.select(dim, i)``, the results stacked (as ``stack``).

    Args:
        tseq: the transforms, one per index along ``dim``.
        dim: the dim to unstack along.
        cache_size: 0 or 1.

    Raises:
        AssertionError: as torch, for a ``tseq`` entry that is not a Transform and (when called)
            a ``dim`` out of range or a size along it other than ``len(tseq)``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.distributions.transforms import (
        ...     ExpTransform, StackTransform, identity_transform)
        >>> StackTransform([ExpTransform(), identity_transform], dim=1)(mt.zeros(2, 2))
        tensor([[1., 0.],
                [1., 0.]])
    """

    def __init__(self, tseq: Sequence[Transform], dim: int = 0, cache_size: int = 0) -> None:
        if not all(isinstance(t, Transform) for t in tseq):
            raise AssertionError("All elements of tseq must be Transform instances")
        if cache_size:
            tseq = [t.with_cache(cache_size) for t in tseq]
        super().__init__(cache_size=cache_size)
        self.transforms = list(tseq)
        self.dim = dim

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        """Whether every part is."""
        return all(t.bijective for t in self.transforms)

    @property
    def domain(self) -> constraints.Constraint:  # type: ignore[override]
        """The parts' domains, stacked along ``dim``."""
        return _Stack([t.domain for t in self.transforms], self.dim)

    @property
    def codomain(self) -> constraints.Constraint:  # type: ignore[override]
        """The parts' codomains, stacked along ``dim``."""
        return _Stack([t.codomain for t in self.transforms], self.dim)

    def with_cache(self, cache_size: int = 1) -> Transform:  # noqa: D102
        if self._cache_size == cache_size:
            return self
        return StackTransform(self.transforms, self.dim, cache_size)

    def _check(self, value: Tensor, name: str, what: str = "tensor") -> None:
        if not -value.dim() <= self.dim < value.dim():
            raise AssertionError(
                f"dim {self.dim} out of range for {what} with {value.dim()} dimensions"
            )
        if value.size(self.dim) != len(self.transforms):
            raise AssertionError(
                f"{name}.size({self.dim}) = {value.size(self.dim)} must equal len(transforms) "
                f"{len(self.transforms)}"
            )

    def _slices(self, value: Tensor) -> list[Tensor]:
        return [value.select(self.dim, i) for i in range(value.size(self.dim))]

    def _call(self, x: Tensor) -> Tensor:
        self._check(x, "x")
        parts = zip(self._slices(x), self.transforms, strict=False)
        return mt.stack([t(part) for part, t in parts], dim=self.dim)

    def _inverse(self, y: Tensor) -> Tensor:
        self._check(y, "y")
        parts = zip(self._slices(y), self.transforms, strict=False)
        return mt.stack([t.inv(part) for part, t in parts], dim=self.dim)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """The parts' terms, stacked along ``dim``."""
        self._check(x, "x", "x")
        self._check(y, "y", "y")
        slices = zip(self._slices(x), self._slices(y), self.transforms, strict=False)
        return mt.stack([t.log_abs_det_jacobian(a, b) for a, b, t in slices], dim=self.dim)


class _Cat(constraints.Constraint):
    """``cseq[i]`` on the i-th slice of ``lengths[i]`` entries along ``dim`` (torch's ``cat``)."""

    def __init__(self, cseq: list[constraints.Constraint], dim: int, lengths: list[int]) -> None:
        self.cseq, self.dim, self.lengths = list(cseq), dim, list(lengths)

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return max(c.event_dim for c in self.cseq)

    def check(self, value: Tensor) -> Tensor:
        if not -value.dim() <= self.dim < value.dim():
            raise AssertionError(
                f"dim {self.dim} out of range for value with {value.dim()} dimensions"
            )
        checks, start = [], 0
        for constraint, length in zip(self.cseq, self.lengths, strict=True):
            checks.append(constraint.check(value.narrow(self.dim, start, length)))
            start += length
        return mt.cat(checks, self.dim)


class _Stack(constraints.Constraint):
    """``cseq[i]`` on ``value.select(dim, i)`` (torch's ``stack``)."""

    def __init__(self, cseq: list[constraints.Constraint], dim: int) -> None:
        self.cseq, self.dim = list(cseq), dim

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        dim = max(c.event_dim for c in self.cseq)
        return dim + 1 if self.dim + dim < 0 else dim

    def check(self, value: Tensor) -> Tensor:
        if not -value.dim() <= self.dim < value.dim():
            raise AssertionError(
                f"dim {self.dim} out of range for value with {value.dim()} dimensions"
            )
        slices = [value.select(self.dim, i) for i in range(value.size(self.dim))]
        return mt.stack([c.check(v) for v, c in zip(slices, self.cseq, strict=False)], self.dim)
