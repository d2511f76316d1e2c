"""masked_fill: ``input`` with a value where a bool mask is True.

One op, ``MaskedFill``, for a number value (torch's masked_fill.Scalar, MaskedFillBackward0) and
``MaskedFillTensor`` for a 0-d tensor value (masked_fill.Tensor, MaskedFillBackward1, whose
value gets the sum of the gradient where the mask is True). Its backward masks the gradient
with the op itself, so second derivatives come for free.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor._factory_args import fill_for
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import broadcast_error
from microtensor.ops._index_key import bool_mask
from microtensor.tensor import Tensor

__all__ = ["masked_fill"]


class MaskedFill(Op):
    """z = where(mask, v, a);  dz/da = 1 where not mask,  dz/dv = sum of grad where mask."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, mask: Any, v: Any) -> Any:
        ctx.mask = mask
        return np.where(mask, v, a).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        grad_a = grad_v = None
        if ctx.needs_input_grad[0]:
            grad_a = _masked_zero(grad_out, ctx.mask)
        if ctx.needs_input_grad[2]:
            grad_v = dual.sum(_masked_zero(grad_out, ~ctx.mask))
        return grad_a, None, grad_v


class MaskedFillTensor(MaskedFill, node_name="MaskedFillBackward1"):
    """``masked_fill`` with a 0-d tensor value (torch's masked_fill.Tensor)."""

    _listed = (0, 2)


def _masked_zero(g: Any, mask: np.ndarray) -> Any:
    """``g`` with zeros where ``mask`` is True."""
    return np.where(mask, 0, g) if dual.is_array(g) else MaskedFill.apply(g, mask, 0.0)


def masked_fill(input: Tensor, mask: Any, value: Any) -> Tensor:  # noqa: A002
    """``input`` with ``value`` where the bool ``mask`` (broadcast) is True.

    ``value`` is a number or a 0-d tensor (which then gets the sum of the gradient where the
    mask is True); the result keeps ``input``'s dtype.

    Raises:
        RuntimeError: for a non-bool mask, a value tensor that is not 0-d, a complex value
            for a real input, or shapes that do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([1.0, -2.0, 3.0])
        >>> mt.masked_fill(x, x < 0, 0.0)
        tensor([1., 0., 3.])
    """
    mask_data = bool_mask("masked_fill", mask)
    complex_value = isinstance(value, complex) or (
        isinstance(value, Tensor) and value._data.dtype.kind == "c"
    )
    if complex_value and input._data.dtype.kind != "c":
        raise RuntimeError(
            f"masked_fill(): value {value!r} cannot be converted to type {input.dtype} without "
            "overflow: a complex value fills only a complex tensor; fill with a real number"
        )
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError(
            f"masked_fill(): only supports a 0-dimensional value tensor, but got "
            f"tensor with {value._data.ndim} dimension(s); use where() instead"
        )
    try:
        np.broadcast_shapes(input._data.shape, mask_data.shape)
    except ValueError:
        raise broadcast_error("masked_fill", input, mask_data) from None
    if isinstance(value, Tensor):
        return MaskedFillTensor.apply(input, mask_data, value)  # type: ignore[no-any-return]
    value = fill_for(value, input._data.dtype, "masked_fill")
    return MaskedFill.apply(input, mask_data, value)  # type: ignore[no-any-return]
