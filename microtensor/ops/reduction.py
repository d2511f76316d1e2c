"""Reductions over ``dim`` (an int, a tuple, or None for all) with ``keepdim``.

sum, mean, prod, cumsum, all/any, sum_to_size. The extrema (max/min with indices, amax/amin,
aminmax, argmax/argmin) live in ``extrema.py``, the statistics (var, std, norm, logsumexp) in
``statistics.py``.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._numpy_names import numpy_names
from microtensor._out_argument import write_out
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import normalize_dim, normalize_dims
from microtensor.tensor import Tensor

# fmt: off
__all__ = ["all", "any", "cumsum", "mean", "prod", "sum"]
# fmt: on


def _expand_back(ctx: Any, grad_out: Any) -> Any:
    """Broadcast a reduced gradient back over the reduced dims."""
    if not ctx.keepdim and ctx.dims:
        dims = ctx.dims
        grad_out = grad_out.reshape(tuple(1 if d in dims else n for d, n in enumerate(ctx.shape)))
    return dual.expand(grad_out, ctx.shape)


def _accumulate(fn: Any, a: np.ndarray, dtype: Any, **kwargs: Any) -> np.ndarray:
    """``fn(a, dtype=dtype)``; bfloat16 accumulates in float32, rounded once, as torch's CPU."""
    if a.dtype.kind == "V" and dtype is None:
        return np.asarray(fn(a, dtype=np.float32, **kwargs)).astype(a.dtype)
    return np.asarray(fn(a, dtype=dtype, **kwargs))


def _reduced_size(shape: tuple[int, ...], dims: tuple[int, ...]) -> int:
    """How many elements each output element reduces (1 for a 0-d input)."""
    count = 1
    for d in dims:
        count *= shape[d]
    return count


# The ufunc's own reduce: np.sum and np.mean are Python wrappers around it (~1 us a call).
_add_reduce: Any = np.add.reduce


_FLOAT32, _FLOAT64 = np.dtype(np.float32), np.dtype(np.float64)


def _mean(a: np.ndarray, dims: tuple[int, ...], keepdim: bool, dtype: Any, count: int) -> Any:
    """``np.mean(a, dims, dtype, keepdims=keepdim)``, bit for bit, without its Python wrapper.

    NumPy divides the sum by the count as an ``intp``, so in float64, and rounds a float32
    mean once from that quotient. Dividing a float64 sum by the int is that same division;
    a float32 sum divided in float32 by a count that float32 holds exactly gives the same
    bits, since float64 has more than twice float32's precision (rounding a quotient to
    float64 first, then to float32, is then exact rounding). Other cases call np.mean.
    """
    kind = a.dtype if dtype is None else dtype
    if not count or not (kind is _FLOAT64 or (kind is _FLOAT32 and count <= 2**24)):
        return _accumulate(np.mean, a, dtype, axis=dims, keepdims=keepdim)
    total = _add_reduce(a, dims, dtype, keepdims=keepdim)
    if total.__class__ is np.ndarray:
        total /= count
        return total
    return total.dtype.type(float(total) / count)


def _sum(ctx: Any, a: np.ndarray, dims: tuple[int, ...], keepdim: bool, dtype: Any) -> Any:
    ctx.dims, ctx.keepdim, ctx.shape = dims, keepdim, a.shape
    if dtype is None and a.dtype.kind == "V":  # bfloat16 sums in float32, rounded once
        return _add_reduce(a, dims, np.float32, keepdims=keepdim).astype(a.dtype)
    return _add_reduce(a, dims, dtype, keepdims=keepdim)


def _mean_over(ctx: Any, a: np.ndarray, dims: tuple[int, ...], keepdim: bool, dtype: Any) -> Any:
    ctx.dims, ctx.keepdim, ctx.shape = dims, keepdim, a.shape
    ctx.count = count = _reduced_size(a.shape, dims)
    return _mean(a, dims, keepdim, dtype, count)


# Each op takes the arguments of its torch overload, so the profiler's input shapes are torch's:
# sum(input, *, dtype), two, which apply runs on its fast two-argument path, and
# sum.dim_IntList(input, dim, keepdim, dtype), four.
class Sum(Op):
    """z = sum of all elements of a;  dz/da = 1 for every element."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, dtype: Any) -> Any:
        return _sum(ctx, a, tuple(range(a.ndim)), False, dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _expand_back(ctx, grad_out)


class Mean(Op):
    """z = sum(a) / n over all n elements;  dz/da = 1 / n."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, dtype: Any) -> Any:
        return _mean_over(ctx, a, tuple(range(a.ndim)), False, dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _expand_back(ctx, grad_out / ctx.count if ctx.count else grad_out * np.nan)


class Prod(Op):
    """z = prod of a over dims;  dz/da_i = prod of the other elements = z / a_i when no a is 0.

    With zeros in a slice the quotient is undefined, so (as PyTorch) the derivative is built
    from the product of the nonzero elements P: a lone zero gets P, everything else 0.
    """

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any, dims: tuple[int, ...], keepdim: bool, dtype: Any) -> Any:
        ctx.dims, ctx.keepdim, ctx.shape = dims, keepdim, a.shape
        out = _accumulate(np.prod, a, dtype, axis=dims, keepdims=keepdim)
        ctx.zeros = a == 0 if ctx.needs_input_grad[0] and np.any(a == 0) else None
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, out = ctx.saved_tensors
        grad, total = _expand_back(ctx, grad_out), _expand_back(ctx, out)
        zeros = ctx.zeros
        if zeros is None:
            return grad * dual.conj(total / a)
        # a_i != 0: z / a_i, which is 0 in a slice with a zero but has the right 2nd derivative.
        # a_i == 0: P times the other zeros: P * (sum(zeros) - a_i) for one other zero (so that
        # the 2nd derivative is right too), 0 for more.
        safe_a = dual.where(zeros, 1.0, a)
        slope_nonzero = total / safe_a
        count = np.sum(zeros, axis=ctx.dims, keepdims=True)
        others = dual.expand(_prod_keepdim(safe_a, ctx.dims), ctx.shape)
        other_zero = dual.expand(dual.sum(dual.where(zeros, a, 0.0), ctx.dims, True), ctx.shape)
        at_zero = dual.where(
            count == 1, others, dual.where(count == 2, others * (other_zero - a), 0.0)
        )
        return grad * dual.conj(dual.where(zeros, at_zero, slope_nonzero))


# torch's dim overloads (sum.dim_IntList, mean.dim, prod.dim_int) have nodes numbered 1.
class SumDim(Sum, node_name="SumBackward1"):
    """``sum`` given ``dim`` (or ``keepdim``): z = sum of a over dims."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any, a: Any, dims: tuple[int, ...], keepdim: bool, dtype: Any
    ) -> Any:
        return _sum(ctx, a, dims, keepdim, dtype)


class MeanDim(Mean, node_name="MeanBackward1"):
    """``mean`` given ``dim`` (or ``keepdim``): z = sum(a) / n over dims."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any, a: Any, dims: tuple[int, ...], keepdim: bool, dtype: Any
    ) -> Any:
        return _mean_over(ctx, a, dims, keepdim, dtype)


class ProdDim(Prod, node_name="ProdBackward1"):
    """``prod`` given ``dim``."""


def _prod_keepdim(x: Any, dims: tuple[int, ...]) -> Any:
    """Product over ``dims`` keeping them, on an array or (differentiably) on a Tensor."""
    if dual.is_array(x):
        return np.prod(x, axis=dims, keepdims=True)
    return Prod.apply(x, dims, True, None)


class CumSum(Op, node_name="CumsumBackward0"):
    """z_i = a_0 + ... + a_i along dim;  dz/da = cumsum of grad_out run from the other end."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, dim: int, reverse: bool, dtype: Any) -> Any:
        ctx.dim, ctx.reverse = dim, reverse
        return _cumsum(a, dim, reverse, dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        if dual.is_array(grad_out):
            return _cumsum(grad_out, ctx.dim, not ctx.reverse, None)
        return CumSum.apply(grad_out, ctx.dim, not ctx.reverse, None)


def _cumsum(a: np.ndarray, dim: int, reverse: bool, dtype: Any) -> np.ndarray:
    work = a.reshape(1) if a.ndim == 0 else a
    if reverse:
        out = np.flip(_accumulate(np.cumsum, np.flip(work, dim), dtype, axis=dim), dim)
    else:
        out = _accumulate(np.cumsum, work, dtype, axis=dim)
    return out.reshape(a.shape)


def _sum_dtype(input: Tensor, dtype: Any) -> Any:  # noqa: A002
    """PyTorch sums bools and integers as int64; an explicit dtype wins."""
    if dtype is not None:
        return dtypes.to_dtype(dtype).numpy
    if input._data.dtype.kind in "biu":
        return np.dtype(np.int64)
    return None


@numpy_names
def sum(
    input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, out: Any = None
) -> Tensor:  # noqa: A001, A002
    """Sum of the elements over ``dim`` (all dims when None).

    Args:
        input: the tensor.
        dim: an int or tuple of ints; negative counts from the end.
        keepdim: keep reduced dims with size 1.
        dtype: the result's dtype (bool and integer inputs sum as int64 by default).
        out: a tensor to write the result into, as torch's ``out=`` (no graph).

    Raises:
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> mt.sum(x), mt.sum(x, dim=0), mt.sum(x, 1, keepdim=True)
        (tensor(10.), tensor([4., 6.]), tensor([[3.],
                [7.]]))
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, sum(input, dim, keepdim, dtype=dtype), "sum")
    if dim is None and not keepdim:
        return Sum.apply(input, _sum_dtype(input, dtype))  # type: ignore[no-any-return]
    dims = normalize_dims("sum", dim, input._data.ndim)
    return SumDim.apply(input, dims, keepdim, _sum_dtype(input, dtype))  # type: ignore[no-any-return]


@numpy_names
def mean(
    input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, out: Any = None
) -> Tensor:  # noqa: A002
    """Mean of the elements over ``dim`` (all dims when None); nan for an empty selection.

    Raises:
        RuntimeError: for integer inputs without a floating ``dtype``, or a ``dtype`` that
            is not floating (as PyTorch).
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.mean(mt.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=1)
        tensor([1.5000, 3.5000])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, mean(input, dim, keepdim, dtype=dtype), "mean")
    np_dtype = None if dtype is None else dtypes.to_dtype(dtype).numpy
    if np_dtype is not None and np_dtype.kind not in "fVc":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Optional dtype must be either a floating "
            f"point or complex dtype. Got: {dtypes.to_dtype(dtype)}; pass a floating dtype"
        )
    if input._data.dtype.kind not in "fVc" and np_dtype is None:
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {input.dtype}; call .float() first or pass dtype="
        )
    if dim is None and not keepdim:
        return Mean.apply(input, np_dtype)  # type: ignore[no-any-return]
    dims = normalize_dims("mean", dim, input._data.ndim)
    return MeanDim.apply(input, dims, keepdim, np_dtype)  # type: ignore[no-any-return]


@numpy_names
def prod(
    input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, out: Any = None
) -> Tensor:  # noqa: A002
    """Product of the elements along ``dim`` (one int, as PyTorch; all elements when None).

    Bool and integer inputs multiply as int64 unless ``dtype`` is given. The gradient is right
    with zeros, as PyTorch's: a lone zero in a slice gets the product of the others.

    Raises:
        TypeError: if ``dim`` is not an int (PyTorch's prod takes no tuple).
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.prod(mt.tensor([[1.0, 2.0], [3.0, 4.0]])), mt.prod(mt.tensor([[1, 2], [3, 4]]), 1)
        (tensor(24.), tensor([ 2, 12]))
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, prod(input, dim, keepdim, dtype=dtype), "prod")
    ndim = input._data.ndim
    one = None if dim is None else normalize_dim("prod", dim, ndim)  # an int only, as PyTorch
    dims = normalize_dims("prod", one, ndim)
    op = Prod if dim is None else ProdDim
    return op.apply(input, dims, keepdim, _sum_dtype(input, dtype))  # type: ignore[no-any-return]


@numpy_names
def cumsum(input: Tensor, dim: int, *, dtype: Any = None, out: Any = None) -> Tensor:  # noqa: A002
    """Cumulative sum along ``dim``: ``out[i] = input[0] + ... + input[i]``.

    Bool and integer inputs accumulate as int64 unless ``dtype`` is given.

    Raises:
        IndexError: if ``dim`` is out of range.
        TypeError: if ``dim`` is not an int.

    Example:
        >>> import microtensor as mt
        >>> mt.cumsum(mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), dim=1)
        tensor([[ 1.,  3.,  6.],
                [ 4.,  9., 15.]])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, cumsum(input, dim, dtype=dtype), "cumsum")
    d = normalize_dim("cumsum", dim, input._data.ndim)
    return CumSum.apply(input, d, False, _sum_dtype(input, dtype))  # type: ignore[no-any-return]


@numpy_names
def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """True where all elements over ``dim`` (all dims when None) are nonzero (True if none).

    A bool result (uint8 for a uint8 input, as PyTorch), without gradient.

    Raises:
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.all(mt.tensor([[1.0, 0.0], [2.0, 3.0]]), dim=1)
        tensor([False,  True])
    """
    return _all_or_any("all", input, dim, keepdim, np.all)


@numpy_names
def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """True where any element over ``dim`` (all dims when None) is nonzero (False if none).

    A bool result (uint8 for a uint8 input, as PyTorch), without gradient.

    Raises:
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.any(mt.tensor([[1.0, 0.0], [0.0, 0.0]]), dim=1)
        tensor([ True, False])
    """
    return _all_or_any("any", input, dim, keepdim, np.any)


def _all_or_any(op: str, input: Tensor, dim: Any, keepdim: bool, fn: Any) -> Tensor:  # noqa: A002
    a = input._data
    out = np.asarray(fn(a, axis=normalize_dims(op, dim, a.ndim), keepdims=keepdim))
    return Tensor._make(out.astype(np.uint8) if a.dtype == np.uint8 else out)


def sum_to_size(input: Tensor, *size: Any) -> Tensor:  # noqa: A002
    """``input`` summed down to ``size``, a shape that expands to input's (``t.sum_to_size``).

    Raises:
        RuntimeError: if ``size`` is not expandable to ``input``'s shape.

    Example:
        >>> import microtensor as mt
        >>> mt.ones(2, 3).sum_to_size(1, 3)
        tensor([[2., 2., 2.]])
    """
    if len(size) == 1 and isinstance(size[0], tuple | list):
        size = tuple(size[0])
    shape = input._data.shape
    lead = len(shape) - len(size)
    pairs = zip(size, shape[lead:], strict=True) if lead >= 0 else ()
    ok = lead >= 0 and builtins.all(n in (1, m) for n, m in pairs)
    if not ok:
        raise RuntimeError(
            f"sum_to_size(): size {list(size)} is not expandable to size {list(shape)}"
        )
    dims = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(size) if n == 1 and shape[lead + i] != 1
    )
    out = sum(input, dims, keepdim=True) if dims else input
    return out.reshape(tuple(size)) if out._data.shape != tuple(size) else out
