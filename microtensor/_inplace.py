"""In-place ops (``add_``, ``x += y``, ``x[key] = v`` ...) and how they meet autograd.

Without a graph an in-place op is a plain write into the array. While recording, the op runs
out of place on a copy of the tensor's value (so an array an earlier op saved is never
overwritten in memory it still needs), the result is written into the array, and the tensor
takes the op's ``grad_fn``. The version counter is bumped either way, so ops that saved the
old value raise a clear error at backward, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.autograd.grad_mode import state as _grad_state


def apply(t: Any, name: str, op: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run ``op(t, *args, **kwargs)`` and write its result into ``t``; returns ``t``.

    Raises:
        RuntimeError: for a leaf that requires grad while recording, a view made by reshape/
            transpose/expand while recording, a result that does not fit ``t``'s shape or
            dtype, or a broadcast (read-only) target.
    """
    recording = _grad_state.enabled and (
        t._requires_grad or any(getattr(a, "_requires_grad", False) for a in args)
    )
    if not recording:
        write(name, t, op(t, *args, **kwargs)._data)
        return t
    if t._requires_grad and t.grad_fn is None:
        raise RuntimeError(
            f"{name}: a leaf Variable that requires grad is being used in an in-place "
            "operation. Wrap it in `with microtensor.no_grad():` (e.g. for a parameter "
            "update) or use the out-of-place op."
        )
    result = op(_copy_of(t), *args, **kwargs)
    if t._base is None:
        write(name, t, result._data)
    else:
        _write_through_view(name, t, result)
    t.grad_fn = result.grad_fn
    t._output_nr = result._output_nr
    t._requires_grad = result._requires_grad
    return t


def _copy_of(t: Any) -> Any:
    """A tensor with ``t``'s value in fresh memory and ``t``'s place in the graph."""
    return t._make(t._data.copy(), t._requires_grad, t.grad_fn, t._output_nr)


def _write_through_view(name: str, t: Any, result: Any) -> None:
    """Write ``result`` into the base of an indexing view as a recorded ``base[key] = result``.

    That updates the view's memory too, and the base's graph stays right (``y[0] += v``).
    Views made by other ops (reshape, transpose ...) raise instead.
    """
    from microtensor import ops  # ops import the Tensor class, which imports this module

    if t._view_key is None:
        raise RuntimeError(
            f"{name}: in-place operation on a view of another tensor (made by reshape, "
            "transpose, expand ...) while recording gradients is not supported; use the "
            "out-of-place op (x = x + y) or clone() the view first."
        )
    if result.shape != t.shape:
        write(name, t, result._data)  # raises the shape error
    apply(t._base, name, ops.index_put, t._view_key[0], result)


def write(name: str, t: Any, values: np.ndarray) -> None:
    """Copy ``values`` into ``t``'s array (same shape; castable dtype) and bump its version."""
    target = t._data
    if values.shape != target.shape:
        raise RuntimeError(
            f"{name}: output with shape {list(target.shape)} doesn't match the broadcast shape "
            f"{list(values.shape)}"
        )
    if values.dtype != target.dtype and not np.can_cast(values.dtype, target.dtype, "same_kind"):
        raise RuntimeError(
            f"{name}: result type {dtypes.from_numpy_dtype(values.dtype)} can't be cast to the "
            f"desired output type {dtypes.from_numpy_dtype(target.dtype)}"
        )
    if not target.flags.writeable:
        raise RuntimeError(
            f"{name}: unsupported operation: this tensor is a broadcast (expanded) view whose "
            "elements share memory; call .clone() before writing to it"
        )
    np.copyto(target, values, casting="unsafe")
    t._version_counter[0] += 1
