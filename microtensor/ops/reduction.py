"""Reductions over ``dim`` (an int, a tuple, or None for all) with ``keepdim``."""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import normalize_dims
from microtensor.tensor import Tensor

__all__ = ["mean", "sum"]


def _expand_back(ctx: Any, grad_out: Any) -> Any:
    """Broadcast a reduced gradient back over the reduced dims (a view, no copy)."""
    if not ctx.keepdim and ctx.dims:
        grad_out = dual.unsqueeze_dims(grad_out, ctx.dims)
    return dual.expand(grad_out, ctx.shape)


class Sum(Op):
    """z = sum of a over dims;  dz/da = 1 for every summed element."""

    @staticmethod
    def forward(ctx: Any, a: Any, dims: tuple[int, ...], keepdim: bool, dtype: Any) -> Any:
        ctx.dims, ctx.keepdim, ctx.shape = dims, keepdim, a.shape
        return np.asarray(np.sum(a, axis=dims, keepdims=keepdim, dtype=dtype))

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _expand_back(ctx, grad_out)


class Mean(Op):
    """z = sum(a) / n over dims;  dz/da = 1 / n."""

    @staticmethod
    def forward(ctx: Any, a: Any, dims: tuple[int, ...], keepdim: bool, dtype: Any) -> Any:
        ctx.dims, ctx.keepdim, ctx.shape = dims, keepdim, a.shape
        ctx.count = int(np.prod([a.shape[d] for d in dims])) if a.ndim else 1
        return np.asarray(np.mean(a, axis=dims, keepdims=keepdim, dtype=dtype))

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _expand_back(ctx, grad_out / ctx.count if ctx.count else grad_out * np.nan)


def _sum_dtype(input: Tensor, dtype: Any) -> Any:  # noqa: A002
    """PyTorch sums bools and integers as int64; an explicit dtype wins."""
    if dtype is not None:
        return dtypes.to_dtype(dtype).numpy
    if input._data.dtype.kind in "biu":
        return np.dtype(np.int64)
    return None


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A001, A002
        dtype: Any = None) -> Tensor:
    """Sum of the elements over ``dim`` (all dims when None).

    Args:
        input: the tensor.
        dim: an int or tuple of ints; negative counts from the end.
        keepdim: keep reduced dims with size 1.
        dtype: the result's dtype (bool and integer inputs sum as int64 by default).

    Raises:
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> mt.sum(x), mt.sum(x, dim=0), mt.sum(x, 1, keepdim=True)
        (tensor(10.), tensor([4., 6.]), tensor([[3.],
                [7.]]))
    """
    dims = normalize_dims("sum", dim, input._data.ndim)
    return Sum.apply(input, dims, keepdim, _sum_dtype(input, dtype))  # type: ignore[no-any-return]


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
         dtype: Any = None) -> Tensor:
    """Mean of the elements over ``dim`` (all dims when None); nan for an empty selection.

    Raises:
        RuntimeError: for integer inputs without a floating ``dtype`` (as PyTorch).
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.mean(mt.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=1)
        tensor([1.5000, 3.5000])
    """
    np_dtype = None if dtype is None else dtypes.to_dtype(dtype).numpy
    if input._data.dtype.kind != "f" and (np_dtype is None or np_dtype.kind != "f"):
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {input.dtype}; call .float() first or pass dtype="
        )
    dims = normalize_dims("mean", dim, input._data.ndim)
    return Mean.apply(input, dims, keepdim, np_dtype)  # type: ignore[no-any-return]
