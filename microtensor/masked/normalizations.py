"""``torch.masked`` normalizations (same-shape results) on plain tensors with a ``mask``.

``cumsum``, ``cumprod``, ``softmax``, ``log_softmax``, ``softmin`` and ``normalize`` replace the
masked-out elements of ``input`` with an identity (0 for cumsum and normalize, 1 for cumprod,
-inf for softmax and log_softmax, +inf for softmin), then apply the unmasked op along ``dim``:
masked-out positions of a softmax are 0 (NaN where a whole slice is masked out), those of a
cumulative op repeat the running value. ``logaddexp`` masks each operand with -inf. As in
``reductions``, everything composes differentiable ops, ``where`` first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.masked._mask import _canonical_dim, _combine_input_and_mask
from microtensor.masked.reductions import amax, amin, norm, prod, sum
from microtensor.nn import functional
from microtensor.ops import dual
from microtensor.ops._common import broadcast_error, promote
from microtensor.tensor import Tensor

__all__ = ["cumprod", "cumsum", "log_softmax", "logaddexp", "normalize", "softmax", "softmin"]


def cumsum(
    input: Tensor,  # noqa: A002
    dim: int,
    *,
    dtype: Any = None,
    mask: Tensor | None = None,
) -> Tensor:
    """The running sum along ``dim`` of the elements that ``mask`` keeps (masked-out ones add 0).

    Args:
        input: the tensor.
        dim: the dim to accumulate along.
        dtype: the result's dtype (default: input's dtype).
        mask: bool tensor broadcastable to input; True keeps an element. None keeps all.

    Returns:
        A tensor shaped like input.

    Example:
        >>> import microtensor as mt
        >>> mt.masked.cumsum(mt.tensor([1.0, 2.0, 3.0]), 0, mask=mt.tensor([True, False, True]))
        tensor([1., 1., 4.])
    """
    if dtype is None:
        dtype = input.dtype
    dim_ = _canonical_dim(dim, input.ndim)[0]
    masked_input = _combine_input_and_mask(sum, input, mask)
    return ops.cumsum(masked_input, dim_, dtype=dtype).to(dtype=dtype)  # type: ignore[no-any-return]


def cumprod(
    input: Tensor,  # noqa: A002
    dim: int,
    *,
    dtype: Any = None,
    mask: Tensor | None = None,
) -> Tensor:
    """The running product along ``dim`` of the kept elements (masked-out ones multiply by 1).

    Args:
        input: the tensor.
        dim: the dim to accumulate along.
        dtype: the result's dtype (default: input's dtype).
        mask: bool tensor broadcastable to input; True keeps an element. None keeps all.

    Returns:
        A tensor shaped like input.

    Example:
        >>> import microtensor as mt
        >>> mt.masked.cumprod(mt.tensor([2.0, 5.0, 3.0]), 0, mask=mt.tensor([True, False, True]))
        tensor([2., 2., 6.])
    """
    if dtype is None:
        dtype = input.dtype
    dim_ = _canonical_dim(dim, input.ndim)[0]
    masked_input = _combine_input_and_mask(prod, input, mask)
    return ops.cumprod(masked_input, dim_, dtype=dtype).to(dtype=dtype)  # type: ignore[no-any-return]


def softmax(
    input: Tensor,  # noqa: A002
    dim: int,
    *,
    dtype: Any = None,
    mask: Tensor | None = None,
) -> Tensor:
    """Softmax along ``dim`` over the elements that ``mask`` keeps; masked-out positions are 0.

    Args:
        input: the tensor.
        dim: the dim that sums to 1.
        dtype: the dtype input is cast to before the softmax (default: input's dtype).
        mask: bool tensor broadcastable to input; True keeps an element. None keeps all.

    Returns:
        A tensor shaped like input; NaN along a slice that is all masked out.

    Example:
        >>> import microtensor as mt
        >>> mt.masked.softmax(mt.tensor([1.0, 5.0, 1.0]), 0, mask=mt.tensor([True, False, True]))
        tensor([0.5000, 0.0000, 0.5000])
    """
    if dtype is None:
        dtype = input.dtype
    dim_ = _canonical_dim(dim, input.ndim)[0]
    masked_input = _combine_input_and_mask(amax, input, mask)
    return functional.softmax(masked_input, dim_, dtype=dtype)


def log_softmax(
    input: Tensor,  # noqa: A002
    dim: int,
    *,
    dtype: Any = None,
    mask: Tensor | None = None,
) -> Tensor:
    """Log-softmax along ``dim`` over the kept elements; masked-out positions are -inf.

    Args:
        input: the tensor.
        dim: the dim the softmax normalizes.
        dtype: the dtype input is cast to first (default: input's dtype).
        mask: bool tensor broadcastable to input; True keeps an element. None keeps all.

    Returns:
        A tensor shaped like input; NaN along a slice that is all masked out.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([1.0, 5.0, 1.0])
        >>> mt.masked.log_softmax(x, 0, mask=mt.tensor([True, False, True]))
        tensor([-0.6931,    -inf, -0.6931])
    """
    if dtype is None:
        dtype = input.dtype
    dim_ = _canonical_dim(dim, input.ndim)[0]
    masked_input = _combine_input_and_mask(amax, input, mask)
    return functional.log_softmax(masked_input, dim_, dtype=dtype)


def softmin(
    input: Tensor,  # noqa: A002
    dim: int,
    *,
    dtype: Any = None,
    mask: Tensor | None = None,
) -> Tensor:
    """``softmax(-input)`` along ``dim`` over the kept elements; masked-out positions are 0.

    Args:
        input: the tensor.
        dim: the dim that sums to 1.
        dtype: the dtype input is cast to first (default: input's dtype).
        mask: bool tensor broadcastable to input; True keeps an element. None keeps all.

    Returns:
        A tensor shaped like input; NaN along a slice that is all masked out.

    Example:
        >>> import microtensor as mt
        >>> mt.masked.softmin(mt.tensor([1.0, -5.0, 1.0]), 0, mask=mt.tensor([True, False, True]))
        tensor([0.5000, 0.0000, 0.5000])
    """
    if dtype is None:
        dtype = input.dtype
    dim_ = _canonical_dim(dim, input.ndim)[0]
    masked_input = _combine_input_and_mask(amin, input, mask)
    return functional.softmin(masked_input, dim_, dtype=dtype)


def normalize(
    input: Tensor,  # noqa: A002
    ord: float,  # noqa: A002 - torch's argument name
    dim: int,
    *,
    eps: float = 1e-12,
    dtype: Any = None,
    mask: Tensor | None = None,
) -> Tensor:
    """``x / max(norm(x, ord, dim), eps)`` over the kept elements; masked-out positions are 0.

    Args:
        input: the tensor.
        ord: the order of the norm (as ``masked.norm``).
        dim: the dim (or dims) the norm reduces.
        eps: the smallest divisor.
        dtype: the dtype of the norm (default: input's dtype).
        mask: bool tensor broadcastable to input; True keeps an element. None keeps all.

    Returns:
        A tensor shaped like input.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([3.0, 9.0, 4.0])
        >>> mt.masked.normalize(x, 2.0, 0, mask=mt.tensor([True, False, True]))
        tensor([0.6000, 0.0000, 0.8000])
    """
    if dtype is None:
        dtype = input.dtype
    masked_input = _combine_input_and_mask(sum, input, mask)
    norm_ = norm(input, ord, dim, keepdim=True, dtype=dtype, mask=mask)
    denom = ops.maximum(norm_, norm_.new_full([], eps))
    return ops.divide(masked_input, denom)  # type: ignore[no-any-return]


class MaskedLogAddExp(Op):
    """z = log(exp(a) + exp(b));  dz/da = 1 / (1 + exp(b - a)),  dz/db = 1 / (1 + exp(a - b)).

    torch's form of the derivatives (``ops.logaddexp`` writes them as sigmoid(a - b)): equal
    values, but where one operand is masked out (-inf) and the other is not, torch's double
    backward is NaN (d/da of 1 / (1 + exp(a - b)) is -inf / inf there); this op matches it.
    """

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        return np.logaddexp(a, b)  # shifted by the max: no overflow

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, b = ctx.saved_tensors
        with np.errstate(invalid="ignore", over="ignore"):  # inf - inf, exp(inf): as torch
            grad_a = grad_out / (1 + dual.exp(b - a)) if ctx.needs_input_grad[0] else None
            grad_b = grad_out / (1 + dual.exp(a - b)) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


def logaddexp(
    input: Tensor,  # noqa: A002
    other: Tensor,
    *,
    dtype: Any = None,
    input_mask: Tensor | None = None,
    other_mask: Tensor | None = None,
) -> Tensor:
    """``log(exp(input) + exp(other))`` elementwise, masked-out elements of each taken as -inf.

    Args:
        input: the first tensor.
        other: the second tensor (broadcastable with input).
        dtype: the result is cast to it (default: input's dtype).
        input_mask: bool tensor broadcastable to input; True keeps an element. None keeps all.
        other_mask: the same for other.

    Returns:
        The elementwise result; -inf where both operands are masked out.

    Raises:
        RuntimeError: if the shapes do not broadcast.
        NotImplementedError: for integer inputs (as torch).

    Example:
        >>> import microtensor as mt
        >>> x, y = mt.tensor([-100.0, -200.0, -300.0]), mt.tensor([-1.0, -2.0, -3.0])
        >>> mask = mt.tensor([True, False, True])
        >>> mt.masked.logaddexp(x, y, input_mask=mask, other_mask=mask)
        tensor([-1., -inf, -3.])
    """
    if dtype is None:
        dtype = input.dtype
    masked_input = _combine_input_and_mask(logaddexp, input, input_mask)
    masked_other = _combine_input_and_mask(logaddexp, other, other_mask)
    a, b = promote(masked_input, masked_other)
    if not a.dtype.is_floating_point:
        return ops.logaddexp(a, b)  # raises torch's NotImplementedError for integer inputs
    try:
        result = MaskedLogAddExp.apply(a, b)
    except ValueError:
        raise broadcast_error("logaddexp", a, b) from None
    return result.to(dtype=dtype)  # type: ignore[no-any-return]
