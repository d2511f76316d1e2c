"""``Tensor.apply_``, ``map_`` and ``map2_``: a Python callable applied to every element, in place.

As in PyTorch they are slow (one Python call per element), never recorded by autograd (so a
tensor that requires grad is refused), and the callable's results are converted to the
tensor's dtype (``int()`` truncation for integer tensors).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor import _inplace


def apply_(t: Any, fn: Callable[[Any], Any]) -> Any:
    """Replace each element ``v`` of ``t`` by ``fn(v)``; returns ``t``.

    Raises:
        RuntimeError: if ``t`` requires grad.
    """
    _check_no_grad("apply_", t)
    results = [fn(v) for v in t._data.ravel().tolist()]
    _inplace.write("apply_", t, _as_array(results, t._data))
    return t


def map_(t: Any, other: Any, fn: Callable[[Any, Any], Any]) -> Any:
    """Replace each element ``a`` of ``t`` by ``fn(a, b)``, ``b`` from ``other`` broadcast to it.

    Raises:
        TypeError: if ``other`` is not a tensor of ``t``'s dtype.
        RuntimeError: if either requires grad, or ``other`` does not broadcast to ``t``.
    """
    values = _operands("map_", t, [other])
    results = [fn(*args) for args in zip(*values, strict=True)]
    _inplace.write("map_", t, _as_array(results, t._data))
    return t


def map2_(t: Any, x: Any, y: Any, fn: Callable[[Any, Any, Any], Any]) -> Any:
    """Replace each element ``a`` of ``t`` by ``fn(a, b, c)`` with ``b``, ``c`` from ``x``, ``y``.

    Raises:
        TypeError: if ``x`` or ``y`` is not a tensor of ``t``'s dtype.
        RuntimeError: if any requires grad, or ``x`` or ``y`` does not broadcast to ``t``.
    """
    values = _operands("map2_", t, [x, y])
    results = [fn(*args) for args in zip(*values, strict=True)]
    _inplace.write("map2_", t, _as_array(results, t._data))
    return t


def _check_no_grad(name: str, t: Any) -> None:
    if t._requires_grad:
        raise RuntimeError(
            f"Can't call {name}() on Variable that requires grad. Use var.detach().{name}() "
            "instead."
        )


def _operands(name: str, t: Any, others: list[Any]) -> list[list[Any]]:
    """The elements of ``t`` and of each of ``others`` broadcast to ``t``'s shape, as lists."""
    from microtensor._tensor_methods import _TYPE_NAMES
    from microtensor.tensor import Tensor

    _check_no_grad(name, t)
    values = [t._data.ravel().tolist()]
    for position, other in enumerate(others, start=1):
        if not isinstance(other, Tensor):
            raise TypeError(
                f"{name}(): argument 'other' (position {position}) must be Tensor, not "
                f"{type(other).__name__}"
            )
        _check_no_grad(name, other)
        if other._data.dtype != t._data.dtype:
            raise TypeError(
                f"{name}: expected microtensor.{_TYPE_NAMES[t._data.dtype.name]} for 'other' "
                f"(got microtensor.{_TYPE_NAMES[other._data.dtype.name]}): convert it with "
                "other.to(self.dtype)"
            )
        try:
            expanded = np.broadcast_to(other._data, t._data.shape)
        except ValueError:
            raise RuntimeError(
                f"{name}(): the shape {list(other.shape)} of 'other' cannot be broadcast to "
                f"the tensor's shape {list(t.shape)}"
            ) from None
        values.append(expanded.ravel().tolist())
    return values


def _as_array(results: list[Any], like: np.ndarray) -> np.ndarray:
    """The callable's results in ``like``'s shape and dtype (``int()`` for integer dtypes)."""
    if like.dtype.kind in "iub":
        converted = np.array(
            [bool(r) if like.dtype.kind == "b" else int(r) for r in results], dtype=like.dtype
        )
    else:
        converted = np.array([float(r) for r in results], dtype=like.dtype)
    return converted.reshape(like.shape)
