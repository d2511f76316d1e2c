"""``torch.masked``'s statistics on plain tensors: ``mean``, ``median``, ``var``, ``std``.

As the reductions (``reductions``), each composes differentiable microtensor ops as
``torch.masked._ops`` does: a slice whose elements are all masked out has no kept element to
average, so it gives NaN (0 / 0), and masked-out positions get a zero gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import creation, dtypes, ops
from microtensor.masked._mask import _canonical_dim, _combine_input_and_mask, _input_mask
from microtensor.masked.reductions import sum  # noqa: A004 - torch.masked.sum
from microtensor.tensor import Tensor

__all__ = ["mean", "median", "std", "var"]


def mean(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    *,
    keepdim: bool | None = False,
    dtype: Any = None,
    mask: Tensor | None = None,
) -> Tensor:
    """The mean over ``dim`` of the elements that ``mask`` keeps: masked sum / kept count.

    Args:
        input: the tensor to reduce.
        dim: a dim or tuple of dims; None (or ()) reduces every dim.
        keepdim: keep the reduced dims with size 1.
        dtype: the result's dtype, floating point (default: input's dtype).
        mask: bool tensor broadcastable to input; True keeps an element. None keeps all.

    Returns:
        The masked mean; NaN where every element of a slice is masked out (0 / 0).

    Raises:
        ValueError: if the dtype (given, or input's) is not floating point.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> mt.masked.mean(x, 1, mask=mt.tensor([[True, False, True], [False, False, False]]))
        tensor([2., nan])
    """
    dtype_source = "Optional"
    if dtype is None:
        dtype, dtype_source = input.dtype, "Input"
    if not (dtype.is_floating_point or dtype.is_complex):
        raise ValueError(
            f"mean(): Could not infer output dtype. {dtype_source} dtype must be either "
            f"a floating point or complex dtype. Got: {dtype}"
        )
    if mask is None:
        count = sum(creation.ones(tuple(input.shape), dtype=dtypes.int64), dim, keepdim=keepdim)
        total = sum(input, dim, keepdim=keepdim, dtype=dtype)
    else:
        inmask = _input_mask(input, mask=mask)
        count = inmask.sum(dim=dim, keepdim=bool(keepdim))
        total = sum(input, dim, keepdim=keepdim, dtype=dtype, mask=inmask)
    with np.errstate(invalid="ignore"):  # 0 / 0 for a slice that is all masked out: NaN
        return total / count


def median(
    input: Tensor,  # noqa: A002
    dim: int = -1,
    *,
    keepdim: bool = False,
    dtype: Any = None,
    mask: Tensor | None = None,
) -> Tensor:
    """The median along ``dim`` of the elements that ``mask`` keeps.

    For an even count it is the lower of the two middle values, as in ``torch.nanmedian``.

    Args:
        input: the tensor to reduce.
        dim: the dim (default: the last).
        keepdim: keep the reduced dim with size 1.
        dtype: the result's dtype for integer inputs (float inputs keep their dtype).
        mask: bool tensor broadcastable to input; True keeps an element. None keeps all.

    Returns:
        The masked median; NaN where every element of a slice is masked out.

    Raises:
        ValueError: for an integer input with a slice that is all masked out.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 7.0, 3.0], [4.0, 5.0, 6.0]])
        >>> mt.masked.median(x, 1, mask=mt.tensor([[True, True, True], [False, False, False]]))
        tensor([3., nan])
    """
    if dtype is None:
        dtype = input.dtype
    dim_ = _canonical_dim(dim, input.ndim)[0]
    is_float = input.dtype.is_floating_point
    if not is_float:
        input = input.to(dtype=dtypes.float32)  # noqa: A001
    output = ops.nanmedian(_combine_input_and_mask(median, input, mask), dim_, keepdim).values
    if is_float:
        return output  # type: ignore[no-any-return]
    if ops.isnan(output).any():
        raise ValueError(
            "masked median expects no fully masked out rows if dtype is not floating point"
        )
    return output.to(dtype=dtype)  # type: ignore[no-any-return]


def _is_inexact(dtype: Any) -> bool:
    return bool(dtype.is_floating_point or dtype.is_complex)


def _std_var(
    input: Tensor,  # noqa: A002
    dim: Any,
    unbiased: bool | None,
    correction_opt: float | None,
    keepdim: bool | None,
    dtype: Any,
    mask: Tensor | None,
    take_sqrt: bool,
) -> Tensor:
    """The masked variance (or its square root), composed as torch.masked composes it."""
    if unbiased is not None and correction_opt is not None:
        raise AssertionError("Only one of unbiased and correction may be given")
    correction = 1.0
    if unbiased is not None:
        correction = 1.0 if unbiased else 0.0
    if correction_opt is not None:
        correction = float(correction_opt)
    if dtype is None:
        dtype = input.dtype if _is_inexact(input.dtype) else dtypes.float32
    compute_dtype = dtype if _is_inexact(dtype) else dtypes.float32
    if mask is None:
        ones = creation.ones(tuple(input.shape), dtype=dtypes.int64)
        count = sum(ones, dim, keepdim=True)
        sample_total = sum(input, dim, keepdim=True, dtype=dtype)
        inmask = None
    else:
        inmask = _input_mask(input, mask=mask)
        count = inmask.sum(dim=dim, keepdim=True)
        sample_total = sum(input, dim, keepdim=True, dtype=dtype, mask=inmask)
    with np.errstate(invalid="ignore", divide="ignore"):  # 0 / 0 on all-masked slices: NaN
        x = ops.subtract(input, ops.divide(sample_total, count))
    # x * conj(x) stays complex: torch's masked var of a complex input is complex (real-valued)
    square = x * ops.conj(x) if x.dtype.is_complex else x * x
    total = sum(square, dim, keepdim=keepdim, dtype=compute_dtype, mask=inmask)
    if not keepdim:
        count = count.reshape(tuple(total.shape))
    if correction != 0:
        count = ops.subtract(count.to(dtype=compute_dtype.to_real()), correction)
        count = ops.maximum(count, count.new_zeros([]))
    with np.errstate(invalid="ignore", divide="ignore"):  # n / 0 where count <= correction
        output = ops.divide(total, count).to(dtype=dtype)
    return ops.sqrt(output) if take_sqrt else output  # type: ignore[no-any-return]


def var(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    unbiased: bool | None = None,
    *,
    correction: float | None = None,
    keepdim: bool | None = False,
    dtype: Any = None,
    mask: Tensor | None = None,
) -> Tensor:
    """The variance over ``dim`` of the elements that ``mask`` keeps.

    ``var = sum((x - mean)^2) / max(count - correction, 0)`` over the kept elements.

    Args:
        input: the tensor to reduce.
        dim: a dim or tuple of dims; None (or ()) reduces every dim.
        unbiased: True for ``correction=1`` (the default), False for 0.
        correction: the difference between the kept count and the divisor.
        keepdim: keep the reduced dims with size 1.
        dtype: the result's dtype (default: input's, float32 for integer inputs).
        mask: bool tensor broadcastable to input; True keeps an element. None keeps all.

    Returns:
        The masked variance; NaN where every element of a slice is masked out.

    Raises:
        AssertionError: if both ``unbiased`` and ``correction`` are given (as torch.masked).

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> mt.masked.var(x, 1, mask=mt.tensor([[True, False, True], [False, False, False]]))
        tensor([2., nan])
    """
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, take_sqrt=False)


def std(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    unbiased: bool | None = None,
    *,
    correction: int | None = None,
    keepdim: bool | None = False,
    dtype: Any = None,
    mask: Tensor | None = None,
) -> Tensor:
    """The standard deviation over ``dim`` of the elements that ``mask`` keeps: ``sqrt(var)``.

    Args:
        input: the tensor to reduce.
        dim: a dim or tuple of dims; None (or ()) reduces every dim.
        unbiased: True for ``correction=1`` (the default), False for 0.
        correction: the difference between the kept count and the divisor.
        keepdim: keep the reduced dims with size 1.
        dtype: the result's dtype (default: input's, float32 for integer inputs).
        mask: bool tensor broadcastable to input; True keeps an element. None keeps all.

    Returns:
        The masked standard deviation; NaN where every element of a slice is masked out.

    Raises:
        AssertionError: if both ``unbiased`` and ``correction`` are given (as torch.masked).

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> mt.masked.std(x, 1, correction=0, mask=mt.tensor([[True, False, True], [True] * 3]))
        tensor([1.0000, 0.8165])
    """
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, take_sqrt=True)
