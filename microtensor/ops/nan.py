"""NaN handling: nan_to_num, and the reductions that skip NaN (nansum, nanmean)."""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor._numpy_names import numpy_names
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import normalize_dims
from microtensor.ops.reduction import _expand_back
from microtensor.tensor import Tensor

__all__ = ["nan_to_num", "nanmean", "nansum"]


class NanToNum(Op):
    """z = a with NaN and +-inf replaced by numbers;  dz/da = 1 where a is finite, else 0."""

    @staticmethod
    def forward(ctx: Any, a: Any, nan: float, posinf: Any, neginf: Any) -> Any:
        ctx.finite = np.isfinite(a)
        return np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return dual.where(ctx.finite, grad_out, 0.0), None, None, None


def nan_to_num(
    input: Tensor,  # noqa: A002
    nan: float = 0.0,
    posinf: float | None = None,
    neginf: float | None = None,
) -> Tensor:
    """``input`` with NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf``.

    The infinities default to the dtype's largest and lowest finite values. The gradient is 0
    where the input was not finite.

    Example:
        >>> import microtensor as mt
        >>> mt.nan_to_num(mt.tensor([float("nan"), 1.0, float("inf")]), posinf=9.0)
        tensor([0., 1., 9.])
    """
    if input._data.dtype.kind != "f":
        return ops.clone(input)
    return NanToNum.apply(input, nan, posinf, neginf)  # type: ignore[no-any-return]


class NanSum(Op, node_name="NansumBackward0"):
    """z = the sum of the non-NaN elements of a over dims;  dz/da = 1 where a is not NaN, else 0.

    The gradient is multiplied by that 0/1 mask (PyTorch's formula), so an infinite upstream
    gradient gives NaN at the NaNs, as in PyTorch (``nanmean`` of an all-NaN slice).
    """

    @staticmethod
    def forward(ctx: Any, a: Any, dims: tuple[int, ...], keepdim: bool) -> Any:
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        ctx.mask = (~np.isnan(a)).astype(a.dtype)
        return np.asarray(np.nansum(a, axis=dims, keepdims=keepdim), a.dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _expand_back(ctx, grad_out) * ctx.mask, None, None


@numpy_names
def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``sum`` with NaN counted as zero; the gradient is 0 at the NaNs.

    Raises:
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.nansum(mt.tensor([1.0, float("nan"), 2.0]))
        tensor(3.)
    """
    if dtype is not None:
        input = ops.to(input, dtype)  # noqa: A001
    if input._data.dtype.kind != "f":
        return ops.sum(input, dim, keepdim)
    dims = normalize_dims("nansum", dim, input._data.ndim)
    return NanSum.apply(input, dims, keepdim)  # type: ignore[no-any-return]


@numpy_names
def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """The mean of the non-NaN elements over ``dim`` (NaN where all are NaN).

    Raises:
        RuntimeError: for an integer or bool input.
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.nanmean(mt.tensor([[1.0, float("nan")], [2.0, 4.0]]), dim=1)
        tensor([1., 3.])
    """
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"nanmean(): expected input to have floating point dtype but got {input.dtype}; "
            "call .float() first"
        )
    dims = normalize_dims("nanmean", dim, input._data.ndim)
    count = np.sum(~np.isnan(input._data), axis=dims, keepdims=keepdim)
    total = nansum(input, dim, keepdim, dtype=dtype)
    with np.errstate(invalid="ignore", divide="ignore"):  # an all-NaN slice is 0 / 0: NaN
        return total / Tensor._make(count.astype(total._data.dtype))
