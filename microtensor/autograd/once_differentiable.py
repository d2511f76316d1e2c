"""``once_differentiable``: a custom Function's backward that cannot be differentiated again.

Importable as ``microtensor.autograd.function.once_differentiable``, as in PyTorch.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from microtensor.autograd import function as _function
from microtensor.autograd.function import Function
from microtensor.autograd.grad_mode import state

__all__ = ["once_differentiable"]


class _DelayedError(Function):
    """The node behind a ``once_differentiable`` backward's results: its backward raises."""

    @staticmethod
    def forward(ctx: Any, *values: Any) -> Any:
        return values if len(values) > 1 else values[0]

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise RuntimeError(
            "trying to differentiate twice a function that was marked with @once_differentiable"
        )


def once_differentiable(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a custom Function's ``backward`` that cannot itself be differentiated.

    The backward then runs with grad mode off (so it may use any code); under
    ``create_graph=True`` its results are marked so that differentiating them again raises a
    RuntimeError, as in PyTorch.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.autograd.function import once_differentiable
        >>> class Exp(mt.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         y = x.exp()
        ...         ctx.save_for_backward(y)
        ...         return y
        ...     @staticmethod
        ...     @once_differentiable
        ...     def backward(ctx, grad_out):
        ...         (y,) = ctx.saved_tensors
        ...         return grad_out * y
        >>> x = mt.tensor([0.0], requires_grad=True)
        >>> Exp.apply(x).backward()
        >>> x.grad
        tensor([1.])
    """

    @functools.wraps(fn)
    def wrapper(ctx: Any, *args: Any) -> Any:
        prev = state.enabled
        state.enabled = False
        try:
            outputs = fn(ctx, *args)
        finally:
            state.enabled = prev
        if not prev or not any(isinstance(a, _function.Tensor) and a._requires_grad for a in args):
            return outputs
        results = list(outputs) if isinstance(outputs, tuple) else [outputs]
        where = [i for i, r in enumerate(results) if isinstance(r, _function.Tensor)]
        if not where:
            return outputs
        fakes = [_function.Tensor._make(results[i]._data, requires_grad=True) for i in where]
        errors = _DelayedError.apply(*fakes)
        for i, error in zip(where, errors if len(where) > 1 else (errors,), strict=True):
            results[i] = error
        return tuple(results) if isinstance(outputs, tuple) else results[0]

    return wrapper
