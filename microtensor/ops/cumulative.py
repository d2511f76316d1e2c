"""Scans along one dim: cumprod, cummax, cummin, logcumsumexp (cumsum is in reduction.py).

Each backward is a scan run the other way (a reverse cumsum or logcumsumexp), written with
the dual helpers below so the second derivative exists.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from microtensor._numpy_names import numpy_names
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import normalize_dim, values
from microtensor.ops._pointwise import refuse_complex
from microtensor.ops.indexing import GetItem
from microtensor.ops.logaddexp import complex_logaddexp
from microtensor.ops.reduction import CumSum, _cumsum, _sum_dtype
from microtensor.ops.sorting import _key_along
from microtensor.tensor import Tensor

__all__ = ["cummax", "cummin", "cumprod", "logcumsumexp"]


class CumProd(Op, node_name="CumprodBackward0"):
    """z_j = a_0 * ... * a_j along dim;  dz_j/da_i = prod over k <= j, k != i of a_k (i <= j).

    So grad_i = sum_{j>=i} g_j z_j / a_i where a_i != 0. At a zero a_i that quotient is
    undefined; there grad_i = sum_{j>=i} g_j u_j with u the cumprod of a with a_i set to 1,
    which is exact (also for the second derivative) for the first and second zero of a slice;
    later zeros get 0, whose first derivative is 0 too (as PyTorch's result).
    """

    complex_grad = True  # complex: the derivatives conjugated (conj(z) / conj(a))

    @staticmethod
    def forward(ctx: Any, a: Any, dim: int) -> Any:
        ctx.dim = dim
        out = _np_cumprod(a, dim)
        ctx.zeros = None
        if ctx.needs_input_grad[0] and (a == 0).any():
            ctx.zeros = a == 0
            seen = _cumsum(ctx.zeros, dim, False, np.int64)  # zeros so far, this one included
            ctx.nth_zero = (ctx.zeros & (seen == 1), ctx.zeros & (seen == 2))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, z = ctx.saved_tensors
        dim, zeros = ctx.dim, ctx.zeros
        if zeros is None:
            return _reverse_cumsum(grad_out * dual.conj(z), dim) / dual.conj(a)
        safe_a = dual.conj(dual.where(zeros, 1.0, a))
        grad = dual.where(zeros, 0.0, _reverse_cumsum(grad_out * dual.conj(z), dim) / safe_a)
        for zero in ctx.nth_zero:
            if zero.any():
                others = dual.conj(_cumprod(dual.where(zero, 1.0, a), dim))
                grad = dual.where(zero, _reverse_cumsum(grad_out * others, dim), grad)
        return grad


class LogCumSumExp(Op, node_name="LogcumsumexpBackward0"):
    """z_j = log(sum_{i<=j} exp(a_i));  dz_j/da_i = exp(a_i - z_j) for i <= j.

    grad_i = sum_{j>=i} g_j exp(a_i - z_j), computed in log space for g > 0 and g < 0 apart
    (a reverse logcumsumexp of log|g| - z), so nothing overflows. ``reverse`` scans from the end.
    Complex: grad_i = conj(exp(a_i + reverse logcumsumexp(log(conj(g)) - z)_i)), as torch.
    """

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any, dim: int, reverse: bool) -> Any:
        ctx.dim, ctx.reverse = dim, reverse
        out = _np_logcumsumexp(a, dim, reverse)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, z = ctx.saved_tensors
        g = values(grad_out)
        if g.dtype.kind == "c":  # complex logs need no split by sign
            with np.errstate(divide="ignore", invalid="ignore"):
                scan = _logcumsumexp(dual.log(dual.conj(grad_out)) - z, ctx.dim, not ctx.reverse)
                return dual.conj(dual.exp(scan + a))
        lowest = float(np.finfo(g.dtype).min)  # not -inf, so that -inf - -inf never makes nan
        grad = 0.0
        for sign, part in ((1.0, g > 0), (-1.0, g < 0)):
            log_g = dual.where(part, dual.log(dual.abs(dual.where(part, grad_out, 1.0))), lowest)
            scan = _logcumsumexp(log_g - z, ctx.dim, not ctx.reverse)
            grad = grad + sign * dual.exp(scan + a)
        return grad


class CumExtreme(GetItem):
    """z = the running max (or min) of a along dim: GetItem at the running arg-max indices."""


class CummaxResult(NamedTuple):
    """``(values, indices)`` from ``cummax``, as ``torch.return_types.cummax``."""

    values: Tensor
    indices: Tensor

    def __repr__(self) -> str:
        return f"microtensor.return_types.cummax(\nvalues={self[0]!r},\nindices={self[1]!r})"


class CumminResult(NamedTuple):
    """``(values, indices)`` from ``cummin``, as ``torch.return_types.cummin``."""

    values: Tensor
    indices: Tensor

    def __repr__(self) -> str:
        return f"microtensor.return_types.cummin(\nvalues={self[0]!r},\nindices={self[1]!r})"


# --- dual helpers: NumPy on arrays, the ops above on Tensors ---------------------------------


def _np_cumprod(a: np.ndarray, dim: int) -> np.ndarray:
    return np.cumprod(a.reshape(1) if a.ndim == 0 else a, axis=dim).reshape(a.shape)


def _np_logcumsumexp(a: np.ndarray, dim: int, reverse: bool) -> np.ndarray:
    work = a.reshape(1) if a.ndim == 0 else a
    if reverse:
        work = np.flip(work, dim)
    if work.dtype.kind == "c":
        out = _complex_logcumsumexp(work, dim)
    else:
        out = np.logaddexp.accumulate(work, axis=dim)  # pairwise logaddexp: stable
    return (np.flip(out, dim) if reverse else out).reshape(a.shape)


def _complex_logcumsumexp(work: np.ndarray, dim: int) -> np.ndarray:
    """The running complex logaddexp along ``dim`` (NumPy's ufunc takes no complex numbers)."""
    moved = np.moveaxis(work, dim, 0)
    out = np.empty_like(moved)
    if moved.shape[0]:
        out[0] = moved[0]
    for i in range(1, moved.shape[0]):
        out[i] = complex_logaddexp(out[i - 1], moved[i])
    return np.moveaxis(out, 0, dim)


def _cumprod(x: Any, dim: int) -> Any:
    return _np_cumprod(x, dim) if dual.is_array(x) else CumProd.apply(x, dim)


def _reverse_cumsum(x: Any, dim: int) -> Any:
    """Sums from the end: out_i = x_i + x_{i+1} + ..."""
    return _cumsum(x, dim, True, None) if dual.is_array(x) else CumSum.apply(x, dim, True, None)


def _logcumsumexp(x: Any, dim: int, reverse: bool) -> Any:
    if dual.is_array(x):
        return _np_logcumsumexp(x, dim, reverse)
    return LogCumSumExp.apply(x, dim, reverse)


# --- public functions ------------------------------------------------------------------------


@numpy_names
def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Cumulative product along ``dim``: ``out[i] = input[0] * ... * input[i]``.

    Bool and integer inputs multiply as int64 unless ``dtype`` is given (the input is cast to
    ``dtype`` first). The gradient is right where inputs are zero, as PyTorch's.

    Raises:
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.cumprod(mt.tensor([2.0, 3.0, 0.0, 4.0]), dim=0)
        tensor([2., 6., 0., 0.])
    """
    d = normalize_dim("cumprod", dim, input._data.ndim)
    target = _sum_dtype(input, dtype)
    if target is not None and target != input._data.dtype:
        input = input.to(target)  # noqa: A001
    return CumProd.apply(input, d)  # type: ignore[no-any-return]


@numpy_names
def logcumsumexp(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """``log(cumsum(exp(input)))`` along ``dim``, computed without overflow.

    Raises:
        NotImplementedError: for an integer or bool input (as PyTorch).
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.logcumsumexp(mt.tensor([1000.0, 1000.0, 999.0]), dim=0)
        tensor([1000.0000, 1000.6932, 1000.8620])
    """
    if input._data.dtype.kind not in "fc":
        raise NotImplementedError(
            f"logcumsumexp(): not implemented for {input.dtype}; convert with .float() first"
        )
    d = normalize_dim("logcumsumexp", dim, input._data.ndim)
    return LogCumSumExp.apply(input, d, False)  # type: ignore[no-any-return]


@numpy_names
def cummax(input: Tensor, dim: int) -> CummaxResult:  # noqa: A002
    """Running maximum along ``dim``, with the index where each was reached (int64).

    Among equal values the latest index is given, as PyTorch; once a NaN is met the values
    are NaN (with the index of the latest NaN). The gradient flows to those indices.

    Raises:
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.cummax(mt.tensor([1.0, 3.0, 2.0, 3.0]), dim=0)
        microtensor.return_types.cummax(
        values=tensor([1., 3., 3., 3.]),
        indices=tensor([0, 1, 1, 3]))
    """
    return CummaxResult(*_cum_extreme("cummax", input, dim, np.maximum))


@numpy_names
def cummin(input: Tensor, dim: int) -> CumminResult:  # noqa: A002
    """Running minimum along ``dim``, with indices; ties and NaN as ``cummax``.

    Example:
        >>> import microtensor as mt
        >>> values, indices = mt.cummin(mt.tensor([2.0, 1.0, 3.0, 1.0]), dim=0)
        >>> values, indices
        (tensor([2., 1., 1., 1.]), tensor([0, 1, 1, 3]))
    """
    return CumminResult(*_cum_extreme("cummin", input, dim, np.minimum))


class Cummax(CumExtreme, node_name="CummaxBackward0"):
    """``cummax``'s values."""


class Cummin(CumExtreme, node_name="CumminBackward0"):
    """``cummin``'s values."""


def _cum_extreme(op: str, input: Tensor, dim: int, ufunc: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    refuse_complex(input, f"\"{op}_cpu\" not implemented for '{{}}'")
    a = input._data
    d = normalize_dim(op, dim, a.ndim)
    if a.ndim == 0:
        index = np.zeros((), np.int64)
    else:
        running = ufunc.accumulate(a, axis=d)  # NaN propagates, as PyTorch
        reached = a == running
        if a.dtype.kind == "f":
            reached |= np.isnan(a)
        positions = np.arange(a.shape[d]).reshape([-1 if i == d else 1 for i in range(a.ndim)])
        # the latest position (so far) where the running value was reached
        index = np.maximum.accumulate(np.where(reached, positions, 0), axis=d)
    node = Cummax if ufunc is np.maximum else Cummin
    values_out = node.apply(input, _key_along(index, d, a.ndim))
    return values_out, Tensor._make(index.astype(np.int64, copy=False))
