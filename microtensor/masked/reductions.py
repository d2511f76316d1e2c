"""``torch.masked`` reductions on plain tensors with a boolean ``mask`` argument.

A masked reduction replaces every masked-out element (``mask`` False) with the identity of
the reduction (0 for ``sum``, 1 for ``prod``, -inf for ``amax``...) and then reduces as the
unmasked op does, exactly as ``torch.masked._ops`` composes it; so a slice whose elements are
all masked out gives the identity. ``mask`` broadcasts to the shape of ``input`` and
``mask=None`` keeps every element. Everything is a composition of differentiable microtensor
ops (``where`` first), so gradients and double backward follow, masked-out positions getting
a zero gradient. ``mean``, ``median``, ``var`` and ``std`` are in ``statistics``.
"""

from __future__ import annotations

from typing import Any

from microtensor import dtypes, ops
from microtensor import linalg as _linalg
from microtensor.masked._mask import _canonical_dim, _combine_input_and_mask
from microtensor.tensor import Tensor

__all__ = [
    "amax",
    "amin",
    "argmax",
    "argmin",
    "logsumexp",
    "norm",
    "prod",
    "sum",
]

# dtypes that sum and prod promote to int64, as torch.sum does
_PROMOTED_TO_INT64 = {dtypes.uint8, dtypes.bool, dtypes.int8, dtypes.int16, dtypes.int32}


def _sum_dtype(input: Tensor, dtype: Any) -> Any:  # noqa: A002
    if dtype is not None:
        return dtype
    return dtypes.int64 if input.dtype in _PROMOTED_TO_INT64 else input.dtype


def sum(  # noqa: A001 - torch.masked.sum
    input: Tensor,  # noqa: A002
    dim: Any = None,
    *,
    keepdim: bool | None = False,
    dtype: Any = None,
    mask: Tensor | None = None,
) -> Tensor:
    """The sum over ``dim`` of the elements of ``input`` that ``mask`` keeps (identity 0).

    Args:
        input: the tensor to reduce.
        dim: a dim or tuple of dims; None (or ()) reduces every dim.
        keepdim: keep the reduced dims with size 1.
        dtype: the result's dtype; integer and bool inputs give int64 by default.
        mask: bool tensor broadcastable to input; True keeps an element. None keeps all.

    Returns:
        The masked sum; 0 where every element of a slice is masked out.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> mt.masked.sum(x, 1, mask=mt.tensor([[True, False, True], [False, False, False]]))
        tensor([4., 0.])
    """
    dtype = _sum_dtype(input, dtype)
    dim_ = _canonical_dim(dim, input.ndim)
    return ops.sum(_combine_input_and_mask(sum, input, mask), dim_, bool(keepdim), dtype=dtype)


def prod(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    *,
    keepdim: bool | None = False,
    dtype: Any = None,
    mask: Tensor | None = None,
) -> Tensor:
    """The product over ``dim`` of the elements of ``input`` that ``mask`` keeps (identity 1).

    Args:
        input: the tensor to reduce.
        dim: a dim or tuple of dims; None (or ()) reduces every dim.
        keepdim: keep the reduced dims with size 1.
        dtype: the result's dtype; integer and bool inputs give int64 by default.
        mask: bool tensor broadcastable to input; True keeps an element. None keeps all.

    Returns:
        The masked product; 1 where every element of a slice is masked out.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> mt.masked.prod(x, 1, mask=mt.tensor([[True, False, True], [False, False, False]]))
        tensor([3., 1.])
    """
    dtype = _sum_dtype(input, dtype)
    result = _combine_input_and_mask(prod, input, mask).to(dtype=dtype)
    # one dim at a time, last first, as torch.masked does (torch.prod takes a single dim)
    for d in reversed(_canonical_dim(dim, input.ndim)):
        result = ops.prod(result, d, bool(keepdim))
    return result


def _extremum(op: Any, reduce: Any, input: Tensor, dim: Any, *options: Any) -> Tensor:  # noqa: A002
    """``reduce`` (amax, amin, argmax, argmin) of the masked input, cast to ``dtype``."""
    keepdim, dtype, mask = options
    masked_input = _combine_input_and_mask(op, input, mask)
    if op in (amax, amin):  # argmax and argmin take one dim (or None) as it is
        dim = _canonical_dim(dim, masked_input.ndim)
    return reduce(masked_input, dim, bool(keepdim)).to(dtype=dtype or input.dtype)


def amax(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    *,
    keepdim: bool | None = False,
    dtype: Any = None,
    mask: Tensor | None = None,
) -> Tensor:
    """The maximum over ``dim`` of the elements that ``mask`` keeps.

    The identity is -inf (the dtype's minimum for integers); ties share the gradient evenly,
    as in ``torch.amax``.

    Args:
        input: the tensor to reduce.
        dim: a dim or tuple of dims; None (or ()) reduces every dim.
        keepdim: keep the reduced dims with size 1.
        dtype: the result is cast to it (default: input's dtype).
        mask: bool tensor broadcastable to input; True keeps an element. None keeps all.

    Returns:
        The masked maximum.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> mt.masked.amax(x, 1, mask=mt.tensor([[True, False, False], [False, False, False]]))
        tensor([1., -inf])
    """
    return _extremum(amax, ops.amax, input, dim, keepdim, dtype, mask)


def amin(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    *,
    keepdim: bool | None = False,
    dtype: Any = None,
    mask: Tensor | None = None,
) -> Tensor:
    """The minimum over ``dim`` of the elements that ``mask`` keeps.

    The identity is +inf (the dtype's maximum for integers).

    Args:
        input: the tensor to reduce.
        dim: a dim or tuple of dims; None (or ()) reduces every dim.
        keepdim: keep the reduced dims with size 1.
        dtype: the result is cast to it (default: input's dtype).
        mask: bool tensor broadcastable to input; True keeps an element. None keeps all.

    Returns:
        The masked minimum.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> mt.masked.amin(x, 1, mask=mt.tensor([[False, True, True], [False, False, False]]))
        tensor([2., inf])
    """
    return _extremum(amin, ops.amin, input, dim, keepdim, dtype, mask)


def argmax(
    input: Tensor,  # noqa: A002
    dim: int | None = None,
    *,
    keepdim: bool | None = False,
    dtype: Any = None,
    mask: Tensor | None = None,
) -> Tensor:
    """The index of the maximum over ``dim`` of the elements that ``mask`` keeps.

    Args:
        input: the tensor to reduce.
        dim: the dim; None indexes the flattened input.
        keepdim: keep the reduced dim with size 1.
        dtype: the dtype of the indices; by default input's dtype, as in torch.masked
            (float indices for a float input).
        mask: bool tensor broadcastable to input; True keeps an element. None keeps all.

    Returns:
        The indices; 0 for a slice that is all masked out (its elements all equal -inf).

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> mt.masked.argmax(x, 1, mask=mt.tensor([[True, True, False], [True, True, True]]))
        tensor([1., 2.])
    """
    return _extremum(argmax, ops.argmax, input, dim, keepdim, dtype, mask)


def argmin(
    input: Tensor,  # noqa: A002
    dim: int | None = None,
    *,
    keepdim: bool | None = False,
    dtype: Any = None,
    mask: Tensor | None = None,
) -> Tensor:
    """The index of the minimum over ``dim`` of the elements that ``mask`` keeps.

    Args:
        input: the tensor to reduce.
        dim: the dim; None indexes the flattened input.
        keepdim: keep the reduced dim with size 1.
        dtype: the dtype of the indices; by default input's dtype, as in torch.masked.
        mask: bool tensor broadcastable to input; True keeps an element. None keeps all.

    Returns:
        The indices; 0 for a slice that is all masked out.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> mt.masked.argmin(x, 1, mask=mt.tensor([[False, True, True], [True, True, True]]))
        tensor([1., 0.])
    """
    return _extremum(argmin, ops.argmin, input, dim, keepdim, dtype, mask)


def logsumexp(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    *,
    keepdim: bool = False,
    dtype: Any = None,
    mask: Tensor | None = None,
) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim`` of the elements that ``mask`` keeps (identity -inf).

    Args:
        input: the tensor to reduce.
        dim: a dim or tuple of dims; None (or ()) reduces every dim.
        keepdim: keep the reduced dims with size 1.
        dtype: the result is cast to it (default: input's dtype).
        mask: bool tensor broadcastable to input; True keeps an element. None keeps all.

    Returns:
        The masked log-sum-exp; -inf where every element of a slice is masked out.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[0.0, 0.0, 5.0], [4.0, 5.0, 6.0]])
        >>> mt.masked.logsumexp(x, 1, mask=mt.tensor([[True, True, False], [False, False, False]]))
        tensor([0.6931,   -inf])
    """
    if dtype is None:
        dtype = input.dtype
    dim_ = _canonical_dim(dim, input.ndim)
    masked_input = _combine_input_and_mask(logsumexp, input, mask)
    return ops.logsumexp(masked_input, dim_, keepdim=keepdim).to(dtype=dtype)  # type: ignore[no-any-return]


def norm(
    input: Tensor,  # noqa: A002
    ord: float | None = 2.0,  # noqa: A002 - torch's argument name
    dim: Any = None,
    *,
    keepdim: bool | None = False,
    dtype: Any = None,
    mask: Tensor | None = None,
) -> Tensor:
    """The vector ``ord``-norm over ``dim`` of the elements that ``mask`` keeps.

    The identity is 0 (+inf for ``ord=-inf``); the norm is ``torch.linalg.vector_norm``'s.

    Args:
        input: the tensor to reduce.
        ord: the order of the norm (2, 1, inf, -inf, 0, any float).
        dim: a dim or tuple of dims; None (or ()) reduces every dim.
        keepdim: keep the reduced dims with size 1.
        dtype: the dtype the norm is computed in and returned (default: input's dtype).
        mask: bool tensor broadcastable to input; True keeps an element. None keeps all.

    Returns:
        The masked norm.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[3.0, 9.0, 4.0], [4.0, 5.0, 6.0]])
        >>> mt.masked.norm(x, 2.0, 1, mask=mt.tensor([[True, False, True], [False, False, False]]))
        tensor([5., 0.])
    """
    if dtype is None:
        dtype = input.dtype
    masked_input = _combine_input_and_mask(norm, input, mask, ord)
    dim_ = _canonical_dim(dim, input.ndim)
    return _linalg.vector_norm(masked_input, ord, dim_, bool(keepdim), dtype=dtype)
