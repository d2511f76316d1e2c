"""Math functions for backward formulas: each works on a NumPy array or on a Tensor.

An ``Op``'s backward gets arrays during an ordinary backward and Tensors under
``create_graph=True``. Python operators already work on both; these functions cover the rest,
so every derivative is written once. On arrays they call NumPy directly (no Tensor overhead);
on Tensors they call the differentiable op, which records the graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops


def is_array(x: Any) -> bool:
    """True for NumPy arrays and scalars, False for Tensors."""
    return isinstance(x, np.ndarray | np.generic)


def conj(x: Any) -> Any:
    """The complex conjugate; a real value itself (no copy).

    Backward formulas of ops that handle complex tensors use it: grad_a = grad_out * conj(dz/da).
    """
    kind = x.__class__
    if kind is np.ndarray:
        return x.conj() if x.dtype.kind == "c" else x
    if kind is float or kind is int:
        return x
    if isinstance(x, complex | np.complexfloating):
        return x.conjugate()
    if isinstance(x, np.generic | float | int):
        return x
    return ops.conj(x)


def exp(x: Any) -> Any:
    """E ** x."""
    return np.exp(x) if is_array(x) else ops.exp(x)


def log(x: Any) -> Any:
    """Natural logarithm."""
    return np.log(x) if is_array(x) else ops.log(x)


def sqrt(x: Any) -> Any:
    """Square root."""
    return np.sqrt(x) if is_array(x) else ops.sqrt(x)


def sin(x: Any) -> Any:
    """Sine."""
    return np.sin(x) if is_array(x) else ops.sin(x)


def cos(x: Any) -> Any:
    """Cosine."""
    return np.cos(x) if is_array(x) else ops.cos(x)


def sigmoid(x: Any) -> Any:
    """1 / (1 + exp(-x)) (PyTorch's formula; the one sigmoid of arrays in microtensor)."""
    if is_array(x):
        # exp overflows to inf for x < -88 (float32) and 1 / inf = 0 is the right limit
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-x))
    return ops.sigmoid(x)


def sign(x: Any) -> Any:
    """-1, 0 or 1 (no gradient)."""
    return np.sign(x) if is_array(x) else ops.sign(x)


def abs(x: Any) -> Any:  # noqa: A001 - math name
    """Absolute value."""
    return np.abs(x) if is_array(x) else ops.abs(x)


def where(condition: Any, x: Any, y: Any) -> Any:
    """``x`` where ``condition`` else ``y``; ``condition`` is a constant mask."""
    if is_array(x) and (is_array(y) or np.isscalar(y)) or np.isscalar(x) and is_array(y):
        return np.where(condition, x, y)
    return ops.where(condition, x, y)


def expand(x: Any, shape: tuple[int, ...]) -> Any:
    """Broadcast ``x`` to ``shape``.

    Arrays are materialised (a fresh, writable array): for the small arrays of most graphs
    this is faster than ``np.broadcast_to``, and the engine would copy a read-only view anyway.
    """
    if is_array(x):
        out = np.empty(shape, x.dtype)
        np.copyto(out, x)
        return out
    return ops.expand(x, shape)


def sum(x: Any, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001 - math name
    """Sum over ``dim`` (int, tuple or None for all)."""
    if is_array(x):
        return np.sum(x, axis=dim, keepdims=keepdim)
    return ops.sum(x, dim, keepdim)


def unsqueeze_dims(x: Any, dims: tuple[int, ...]) -> Any:
    """Insert size-1 dims at the (non-negative, sorted) positions ``dims`` of the result."""
    if is_array(x):
        return np.expand_dims(x, dims)
    for d in dims:
        x = ops.unsqueeze(x, d)
    return x


def swap_last(x: Any) -> Any:
    """Swap the last two dims (the matrix transpose of each batch item)."""
    return np.swapaxes(x, -1, -2) if is_array(x) else ops.transpose(x, -1, -2)
