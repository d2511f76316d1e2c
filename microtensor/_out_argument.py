"""``out=``: a function's result written into a tensor the caller gives, as torch's functions do.

``torch.mul(a, b, out=c)`` computes ``a * b`` into ``c`` and returns ``c``. As in torch, ``c``
is resized when its shape differs (with torch's deprecation warning unless it is empty), the
result must be castable to ``c``'s dtype, and no graph is recorded: with grad mode on, an input
or ``out`` that requires grad raises.
"""

from __future__ import annotations

import warnings
from typing import Any

from microtensor import _inplace
from microtensor.autograd.grad_mode import state as _grad_state
from microtensor.tensor import Tensor

__all__ = ["write_out"]


def write_out(out: Any, result: Tensor, op: str) -> Tensor:
    """Write ``result`` into ``out`` (torch's rules, see the module doc) and return ``out``.

    Raises:
        TypeError: if ``out`` is not a Tensor.
        RuntimeError: if a gradient would be needed, or the result's dtype cannot be cast to
            ``out``'s (a float result into an integer ``out``).
    """
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if _grad_state.enabled and (out._requires_grad or result._requires_grad):
        raise RuntimeError(
            f"{op}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad. (Call it under "
            "microtensor.no_grad(), or drop out= and assign the result)"
        )
    if out.shape != result.shape:
        if out.numel() != 0:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(out.shape)}, which does not match the required output shape "
                f"{list(result.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                "with t.resize_(0).",
                UserWarning,
                stacklevel=3,
            )
        from microtensor.ops.resizing import resize_  # ops import this module's Tensor

        resize_(out, result.shape)
    _inplace.write(f"{op}()", out, result._data)
    return out
