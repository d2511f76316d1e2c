"""In-place view ops (``t_``, ``transpose_``, ``squeeze_``, ``unsqueeze_`` ...).

They change a tensor's shape and strides, never its values: the tensor takes the array of the
out-of-place view op (same memory), and, while recording, that op's ``grad_fn``, so gradients
flow through the reshaped tensor as in PyTorch. The version counter is bumped as for any
in-place op, so an op that saved the old tensor raises at backward instead of misreading it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from microtensor.autograd.grad_mode import state as _grad_state


def apply(t: Any, name: str, op: Callable[..., Any], *args: Any) -> Any:
    """Replace ``t``'s view of its memory by ``op(t, *args)``'s; returns ``t``.

    Raises:
        RuntimeError: for a leaf that requires grad while gradients are being recorded.
    """
    recording = _grad_state.enabled and t._requires_grad
    if recording and t.grad_fn is None:
        raise RuntimeError(
            f"{name}: a leaf Variable that requires grad is being used in an in-place "
            "operation. Wrap it in `with microtensor.no_grad():` or use the out-of-place op."
        )
    result = op(t, *args)
    t._data = result._data
    t._view_key = None  # an indexing key of the old shape no longer addresses this view
    if recording:
        t.grad_fn, t._output_nr = result.grad_fn, result._output_nr
    t._version_counter[0] += 1
    return t
