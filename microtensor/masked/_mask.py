"""The canonical mask and the identities of the masked ops (``torch.masked._ops``' helpers).

A masked op replaces the masked-out elements of its input with the identity of the reduction
it is built on (``_combine_input_and_mask``), then runs the unmasked op. ``_input_mask`` and
``_output_mask`` have torch's signatures (``mask`` is a keyword) because torch's own OpInfo
gradcheck wrappers call them to zero the masked-out outputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from microtensor import dtypes, ops
from microtensor._data_factories import tensor
from microtensor._type_info import iinfo
from microtensor.ops._common import normalize_dims
from microtensor.tensor import Tensor

_REDUCTIONS = {"sum", "prod", "amax", "amin", "argmax", "argmin", "mean", "median", "norm"}
_REDUCTIONS |= {"var", "std", "logsumexp"}
_NORMALIZATIONS = {"softmax", "log_softmax", "softmin", "normalize", "cumsum", "cumprod"}


def _reduction_identity(op_name: str, input: Tensor, *args: Any) -> Tensor | None:  # noqa: A002
    """The identity of reduction ``op_name`` as a 0-d tensor of input's dtype (None if none)."""
    dtype = input.dtype
    floating = dtype.is_floating_point
    op_name = op_name.rsplit(".", 1)[-1]
    if op_name in {"sum", "cumsum"}:
        return tensor(0, dtype=dtype)
    if op_name in {"prod", "cumprod"}:
        return tensor(1, dtype=dtype)
    if op_name in {"amax", "argmax", "logaddexp", "logsumexp"}:
        if floating or (op_name == "logsumexp" and dtype.is_complex):
            return tensor(-math.inf, dtype=dtype)  # -inf + 0j for complex logsumexp
        if dtype.is_signed or dtype == dtypes.uint8:
            return tensor(iinfo(dtype).min, dtype=dtype)
    elif op_name in {"amin", "argmin"}:
        if floating:
            return tensor(math.inf, dtype=dtype)
        if dtype.is_signed or dtype == dtypes.uint8:
            return tensor(iinfo(dtype).max, dtype=dtype)
    elif op_name in {"mean", "var", "std"}:
        return None  # the identity would be the (dim-dependent) mean itself: undefined
    elif op_name == "norm":
        ord = args[0] if args else 2  # noqa: A001 - torch's argument name
        if ord == -math.inf:
            if not floating:
                raise AssertionError(f"input must be floating point, got {dtype}")
            return tensor(math.inf, dtype=dtype)
        return tensor(0, dtype=dtype)
    elif op_name == "median":
        # NaN: the implementation is nanmedian, which skips NaN
        return tensor(math.nan, dtype=dtype if floating else dtypes.float32)
    raise NotImplementedError(f"identity of {op_name} on {dtype} input")


def _canonical_dim(dim: Any, ndim: int) -> tuple[int, ...]:
    """``dim`` as a sorted tuple of non-negative dims; None and () mean every dim.

    ``ops._common.normalize_dims``, except that a 0-d input keeps a dim it is given (as
    torch.masked's helper of this name, which torch's OpInfo wrappers call).
    """
    dims = normalize_dims("masked", dim, ndim)
    return dims if ndim or dim is None or dim == () else (0,)


def _input_mask(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:  # noqa: A002
    """``kwargs["mask"]`` broadcast to input's shape, as a bool tensor (torch's signature)."""
    mask = kwargs.get("mask")
    if mask is None:
        raise ValueError("_input_mask requires explicit mask")
    if tuple(mask.shape) != tuple(input.shape):
        if mask.ndim > input.ndim:
            raise IndexError(
                "_input_mask expected broadcastable mask (got mask dimensionality higher than "
                "of the input)"
            )
        mask = ops.broadcast_to(mask, tuple(input.shape))
    return mask.to(dtype=dtypes.bool)  # type: ignore[no-any-return]


def _any(input: Tensor, dim: tuple[int, ...], keepdim: bool) -> Tensor:  # noqa: A002
    """``any`` over several dims, one at a time."""
    result = input
    for d in reversed(dim):
        result = result.any(dim=d, keepdim=keepdim)
    return result


def _output_mask(op: Callable[..., Any], input: Tensor, *args: Any, **kwargs: Any) -> Tensor:  # noqa: A002
    """Which outputs of masked op ``op`` on these arguments have a kept input element."""
    name = getattr(op, "__name__", None)
    if name in _REDUCTIONS:
        if name == "norm" and args:
            args = args[1:]  # the ord argument
        dim = args[0] if args else kwargs.get("dim")
        outmask = _input_mask(input, *args, **kwargs)
        return _any(outmask, _canonical_dim(dim, input.ndim), bool(kwargs.get("keepdim", False)))
    if name in _NORMALIZATIONS:
        return _input_mask(input, *args, **kwargs)
    raise ValueError(f"_output_mask expected masked operation (got {type(op).__name__} object)")


def _where(mask: Tensor, input: Tensor, fill_value: Tensor) -> Tensor:  # noqa: A002
    """``where(mask, input, fill_value)`` (torch's handles sparse masks too)."""
    return ops.where(mask, input, fill_value)  # type: ignore[no-any-return]


def _combine_input_and_mask(
    op: Callable[..., Any],
    input: Tensor,  # noqa: A002
    mask: Tensor | None,
    *args: Any,
) -> Tensor:
    """``input`` with its masked-out elements replaced by the identity of masked op ``op``."""
    if mask is None:
        return input
    fill_value = _reduction_identity(op.__name__, input, *args)
    return _where(_input_mask(input, mask=mask), input, fill_value)  # type: ignore[arg-type]
