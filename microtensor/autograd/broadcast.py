"""The one helper that undoes broadcasting: sum a gradient back to an input's shape."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=4096)
def _reduction_axes(grad_shape: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """Axes to sum so ``grad_shape`` becomes ``shape``; None if broadcasting can't explain it."""
    lead = len(grad_shape) - len(shape)
    if lead < 0:
        return None
    axes = list(range(lead))
    for i, n in enumerate(shape):
        g = grad_shape[lead + i]
        if n == g:
            continue
        if n != 1:
            return None
        axes.append(lead + i)
    return tuple(axes)


def sum_to_shape(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` (a NumPy array or a Tensor) over its broadcast dims so it has ``shape``.

    If ``z = f(x, y)`` broadcast ``x`` from ``shape`` to ``grad.shape``, each element of ``x`` was
    used once per broadcast copy, so its gradient is the sum over those copies. Works on arrays
    and Tensors alike (``.sum(axes)`` and ``.reshape(shape)`` mean the same on both), so the
    reduction is recorded when the engine runs with ``create_graph=True``.

    Returns the input unchanged when the shapes already match, and a value whose shape is not
    ``shape`` when ``grad`` cannot be reduced to it (the engine reports that as an error).
    """
    if grad.shape == shape:
        return grad
    axes = _reduction_axes(grad.shape, shape)
    if axes is None:
        return grad
    if axes:
        grad = grad.sum(axes)
    return grad.reshape(shape)
