"""Sorting and selection: sort, argsort, msort, topk, kthvalue, median.

The order is computed on the values with NumPy's stable sort (NaN counts as the largest, as in
PyTorch). The values are then picked from the input by the indexing op ``GetItem`` at that
order, so their gradient scatters back through the indices and is itself differentiable.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from microtensor._numpy_names import numpy_names
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import normalize_dim
from microtensor.ops._pointwise import refuse_complex
from microtensor.ops.indexing import GetItem
from microtensor.tensor import Tensor

__all__ = ["argsort", "kthvalue", "median", "mode", "msort", "nanmedian", "sort", "topk"]


class SortResult(NamedTuple):
    """``(values, indices)`` from ``sort``, as ``torch.return_types.sort``."""

    values: Tensor
    indices: Tensor

    def __repr__(self) -> str:
        return f"microtensor.return_types.sort(\nvalues={self[0]!r},\nindices={self[1]!r})"


class TopkResult(NamedTuple):
    """``(values, indices)`` from ``topk``, as ``torch.return_types.topk``."""

    values: Tensor
    indices: Tensor

    def __repr__(self) -> str:
        return f"microtensor.return_types.topk(\nvalues={self[0]!r},\nindices={self[1]!r})"


class KthvalueResult(NamedTuple):
    """``(values, indices)`` from ``kthvalue``, as ``torch.return_types.kthvalue``."""

    values: Tensor
    indices: Tensor

    def __repr__(self) -> str:
        return f"microtensor.return_types.kthvalue(\nvalues={self[0]!r},\nindices={self[1]!r})"


class MedianResult(NamedTuple):
    """``(values, indices)`` from ``median(input, dim)``, as ``torch.return_types.median``."""

    values: Tensor
    indices: Tensor

    def __repr__(self) -> str:
        return f"microtensor.return_types.median(\nvalues={self[0]!r},\nindices={self[1]!r})"


class Sort(GetItem):
    """z = a in sorted order along dim: GetItem at the sorting permutation."""


class Topk(GetItem):
    """z = the k largest (or smallest) of a along dim: GetItem at their indices."""


class Kthvalue(GetItem):
    """z = the k-th smallest of a along dim: GetItem at its index."""


class MedianDim(GetItem, node_name="MedianBackward1"):
    """z = the lower median of a along dim: GetItem at its index."""


class NanMedianDim(MedianDim, node_name="NanmedianBackward1"):
    """z = the lower median of the non-NaN elements of a along dim: GetItem at its index."""


class ModeResult(NamedTuple):
    """``(values, indices)`` from ``mode``, as ``torch.return_types.mode``."""

    values: Tensor
    indices: Tensor

    def __repr__(self) -> str:
        return f"microtensor.return_types.mode(\nvalues={self[0]!r},\nindices={self[1]!r})"


class NanmedianResult(NamedTuple):
    """``(values, indices)`` from ``nanmedian(input, dim)``, as ``torch.return_types``."""

    values: Tensor
    indices: Tensor

    def __repr__(self) -> str:
        return f"microtensor.return_types.nanmedian(\nvalues={self[0]!r},\nindices={self[1]!r})"


class Mode(GetItem):
    """z = the most frequent value of a along dim: GetItem at its last occurrence."""


class Median(Op):
    """z = the lower median of all of a;  dz/da = 1 / k at each of the k elements equal to z."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        flat = a.reshape(-1)
        nan = np.isnan(flat) if a.dtype.kind == "f" else np.zeros(flat.shape, bool)
        if nan.any():  # NaN propagates, and the gradient is shared among the NaNs (as PyTorch)
            out, ctx.mask = np.asarray(np.nan, a.dtype), np.isnan(a)
        elif flat.size == 0:
            out, ctx.mask = np.asarray(np.nan, a.dtype), np.zeros(a.shape, bool)
        else:
            out = np.sort(flat, kind="stable")[(flat.size - 1) // 2]
            ctx.mask = a == out
        ctx.count = max(int(ctx.mask.sum()), 1)
        return np.asarray(out)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return dual.where(ctx.mask, grad_out / ctx.count, 0.0)


class NanMedian(Median, node_name="NanmedianBackward0"):
    """z = the lower median of the non-NaN elements;  dz/da = 1 / k at the k elements equal to z.

    All NaN (or empty): z is NaN and the gradient is shared among the NaNs (as PyTorch).
    """

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        flat = a.reshape(-1)
        valid = flat[~np.isnan(flat)] if a.dtype.kind == "f" else flat
        if valid.size == 0:
            out, ctx.mask = np.asarray(np.nan, a.dtype), np.isnan(a)
        else:
            out = np.sort(valid, kind="stable")[(valid.size - 1) // 2]
            ctx.mask = a == out
        ctx.count = max(int(ctx.mask.sum()), 1)
        return np.asarray(out)


# --- helpers ---------------------------------------------------------------------------------


def _order(a: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """The stable sorting permutation along ``dim``; equal elements keep their order."""
    if a.ndim == 0:
        return np.zeros((), np.int64)
    if not descending:
        return np.argsort(a, axis=dim, kind="stable")
    # a stable ascending sort of the reversed input, reversed back, is a stable descending sort
    n = a.shape[dim]
    return n - 1 - np.flip(np.argsort(np.flip(a, dim), axis=dim, kind="stable"), dim)


def _key_along(index: np.ndarray, dim: int, ndim: int, keepdim: bool = True) -> Any:
    """The GetItem key of ``input[..., index[p], ...]``: ``index`` at ``dim``, position p elsewhere.

    ``index`` has the input's ndim (size-1 at ``dim`` when not ``keepdim``, which drops it).
    """
    if ndim == 0:
        return (None, Ellipsis), (np.zeros((), np.int64),)
    if not keepdim:
        index = np.squeeze(index, dim)
    adv = []
    for d in range(ndim):
        if d == dim:
            adv.append(index)
            continue
        at = d if keepdim or d < dim else d - 1
        n = index.shape[at]
        adv.append(np.arange(n).reshape([n if i == at else 1 for i in range(index.ndim)]))
    return (Ellipsis,), tuple(adv)


def _pick(op_class: Any, input: Tensor, index: np.ndarray, dim: int, keepdim: bool) -> Any:  # noqa: A002
    """``(values, indices)``: input at ``index`` along ``dim`` (differentiable), and ``index``."""
    key = _key_along(index, dim, input._data.ndim, keepdim)
    if input._data.ndim == 0:
        index = np.zeros((), np.int64)
    elif not keepdim:
        index = np.squeeze(index, dim)
    return op_class.apply(input, key), Tensor._make(index.astype(np.int64, copy=False))


def _check_k(op: str, k: Any, size: int, dim: int, low: int) -> int:
    """``k`` as an int in ``[low, size]``, or PyTorch's error."""
    if not isinstance(k, int | np.integer) or isinstance(k, bool):
        raise TypeError(f"{op}(): argument 'k' must be int, not {type(k).__name__}")
    if not low <= k <= size:
        what = "selected index k" if op == "topk" else "selected number k"
        raise RuntimeError(
            f"{op}(): {what} out of range for dimension {dim}: k={k} but the dim has size "
            f"{size} (need {low} <= k <= {size})"
        )
    return int(k)


def _size(input: Tensor, dim: int) -> int:  # noqa: A002
    return input._data.shape[dim] if input._data.ndim else 1


# --- public functions ------------------------------------------------------------------------


@numpy_names
def sort(
    input: Tensor,  # noqa: A002
    dim: int = -1,
    descending: bool = False,
    *,
    stable: bool = False,
) -> SortResult:
    """Sort along ``dim``: a ``SortResult`` with ``.values`` and ``.indices`` (int64).

    The sort is always stable (equal elements keep their order, as PyTorch on CPU), so
    ``stable`` is accepted for compatibility. NaN sorts as the largest value. The gradient of
    ``values`` flows back to the positions in ``indices``.

    Raises:
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.sort(mt.tensor([[3.0, 1.0, 2.0]]), descending=True)
        microtensor.return_types.sort(
        values=tensor([[3., 2., 1.]]),
        indices=tensor([[0, 2, 1]]))
    """
    refuse_complex(input, "Sort does not support complex dtypes on CPU", RuntimeError)
    d = normalize_dim("sort", dim, input._data.ndim)
    order = _order(input._data, d, descending)
    return SortResult(*_pick(Sort, input, order, d, keepdim=True))


@numpy_names
def argsort(
    input: Tensor,  # noqa: A002
    dim: int = -1,
    descending: bool = False,
    stable: bool = False,
) -> Tensor:
    """The indices (int64) that sort ``input`` along ``dim``: ``sort(...).indices``.

    Raises:
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.argsort(mt.tensor([3.0, 1.0, 2.0]))
        tensor([1, 2, 0])
    """
    d = normalize_dim("argsort", dim, input._data.ndim)
    refuse_complex(input, "Sort does not support complex dtypes on CPU", RuntimeError)
    return Tensor._make(_order(input._data, d, descending).astype(np.int64, copy=False))


def msort(input: Tensor) -> Tensor:  # noqa: A002
    """The values of ``input`` sorted along the first dim: ``sort(input, dim=0).values``.

    Example:
        >>> import microtensor as mt
        >>> mt.msort(mt.tensor([[2.0, 0.0], [1.0, 3.0]]))
        tensor([[1., 0.],
                [2., 3.]])
    """
    return sort(input, 0).values


@numpy_names
def topk(
    input: Tensor,  # noqa: A002
    k: int,
    dim: int = -1,
    largest: bool = True,
    sorted: bool = True,  # noqa: A002
) -> TopkResult:
    """The ``k`` largest (or smallest) elements along ``dim``, with their indices.

    Ties are taken in order of position. NaN counts as the largest value.
    Differs from PyTorch: the result is always sorted (``sorted=False`` allows any order), and
    the indices chosen among ties can differ from PyTorch's (which leaves them unspecified).

    Raises:
        RuntimeError: if ``k`` is negative or larger than the size of ``dim``.
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> values, indices = mt.topk(mt.tensor([1.0, 5.0, 3.0, 4.0]), 2)
        >>> values, indices
        (tensor([5., 4.]), tensor([1, 3]))
    """
    refuse_complex(input, "topk does not support complex dtypes on CPU", RuntimeError)
    d = normalize_dim("topk", dim, input._data.ndim)
    k = _check_k("topk", k, _size(input, d), d, 0)
    order = _order(input._data, d, descending=largest)
    if input._data.ndim:
        order = np.take(order, np.arange(k), axis=d)
    return TopkResult(*_pick(Topk, input, order, d, keepdim=True))


@numpy_names
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> KthvalueResult:  # noqa: A002
    """The ``k``-th smallest element (``k`` from 1) along ``dim``, with its index.

    Among equal elements the one earlier in position counts as smaller; NaN is the largest.
    Differs from PyTorch: PyTorch leaves the index among ties unspecified.

    Raises:
        RuntimeError: if ``k`` is not in ``[1, size of dim]``.
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.kthvalue(mt.tensor([[4.0, 1.0, 3.0], [0.0, 2.0, 5.0]]), 2)
        microtensor.return_types.kthvalue(
        values=tensor([3., 2.]),
        indices=tensor([2, 1]))
    """
    refuse_complex(input, "\"kthvalue_cpu\" not implemented for '{}'")
    d = normalize_dim("kthvalue", dim, input._data.ndim)
    k = _check_k("kthvalue", k, _size(input, d), d, 1)
    order = _order(input._data, d, descending=False)
    if input._data.ndim:
        order = np.take(order, [k - 1], axis=d)
    return KthvalueResult(*_pick(Kthvalue, input, order, d, keepdim))


@numpy_names
def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """The lower median (of an even count, the smaller middle value), as PyTorch.

    * ``median(input)``: a 0-d tensor, NaN if any element is NaN or there are none; equal
      elements share the gradient evenly. Differs from PyTorch: an empty integer input
      raises (PyTorch returns an arbitrary number).
    * ``median(input, dim, keepdim=False)``: a ``MedianResult`` (``.values``, ``.indices``);
      a slice with NaN gives NaN and the index of its first NaN, as PyTorch.

    Raises:
        IndexError: if ``dim`` is out of range, or its size is 0.
        RuntimeError: for an empty integer input without ``dim``.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 4.0, 2.0, 3.0], [0.0, 5.0, 6.0, 7.0]])
        >>> mt.median(x)
        tensor(3.)
        >>> mt.median(x, dim=1).values
        tensor([2., 5.])
    """
    refuse_complex(input, "\"median_cpu\" not implemented for '{}'")
    if dim is None:
        if input._data.size == 0 and input._data.dtype.kind != "f":
            raise RuntimeError(
                f"median(): an empty {input.dtype} tensor has no median (NaN needs a floating "
                "dtype); call .float() first"
            )
        return Median.apply(input)
    a = input._data
    d = normalize_dim("median", dim, a.ndim)
    n = _size(input, d)
    if n == 0:
        raise IndexError(
            f"median(): Expected reduction dim {d} to have non-zero size (input shape "
            f"{tuple(a.shape)}): reduce over a non-empty dim"
        )
    order = _order(a, d, descending=False)
    if a.ndim == 0:
        return MedianResult(*_pick(MedianDim, input, order, d, keepdim))
    position = np.full(a.shape[:d] + (1,) + a.shape[d + 1 :], (n - 1) // 2)
    if a.dtype.kind == "f":  # NaNs sort last: a slice with any picks its first NaN
        nans = np.isnan(a).sum(axis=d, keepdims=True)
        position = np.where(nans > 0, n - nans, position)
    index = np.take_along_axis(order, position, axis=d)
    return MedianResult(*_pick(MedianDim, input, index, d, keepdim))


@numpy_names
def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """``median`` ignoring NaN: the lower median of the non-NaN values (NaN if there are none).

    Without ``dim`` a 0-d tensor; with ``dim`` a ``(values, indices)`` result, as ``median``.

    Raises:
        IndexError: if ``dim`` is out of range, or its size is 0.
        RuntimeError: for an empty integer input without ``dim``.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, float("nan"), 0.0], [2.0, 2.0, 1.0]])
        >>> mt.nanmedian(x)
        tensor(1.)
        >>> mt.nanmedian(x, 1).indices
        tensor([2, 0])
    """
    refuse_complex(input, "\"median_cpu\" not implemented for '{}'")
    a = input._data
    if a.dtype.kind != "f":
        result = median(input, dim, keepdim)
        return result if dim is None else NanmedianResult(*result)
    if dim is None:
        return NanMedian.apply(input)
    d = normalize_dim("nanmedian", dim, a.ndim)
    n = _size(input, d)
    if n == 0:
        raise IndexError(
            f"nanmedian(): Expected reduction dim {d} to have non-zero size (input shape "
            f"{tuple(a.shape)}): reduce over a non-empty dim"
        )
    order = _order(a, d, descending=False)
    if a.ndim == 0:
        return NanmedianResult(*_pick(NanMedianDim, input, order, d, keepdim))
    valid = n - np.isnan(a).sum(axis=d, keepdims=True)  # NaNs sort last
    position = np.maximum(valid - 1, 0) // 2
    index = np.take_along_axis(order, position, axis=d)
    return NanmedianResult(*_pick(NanMedianDim, input, index, d, keepdim))


@numpy_names
def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> ModeResult:  # noqa: A002
    """The most frequent value along ``dim`` (the smallest among equally frequent ones).

    ``indices`` is the position of its last occurrence, as PyTorch on the CPU; the gradient
    goes to that element.

    Raises:
        IndexError: if ``dim`` is out of range, or its size is 0.

    Example:
        >>> import microtensor as mt
        >>> mt.mode(mt.tensor([[1.0, 2.0, 2.0, 1.0, 3.0], [5.0, 5.0, 4.0, 4.0, 4.0]]))
        microtensor.return_types.mode(
        values=tensor([1., 4.]),
        indices=tensor([3, 4]))
    """
    refuse_complex(input, "\"mode_cpu\" not implemented for '{}'")
    a = input._data
    d = normalize_dim("mode", dim, a.ndim)
    if _size(input, d) == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    if a.ndim == 0:
        return ModeResult(*_pick(Mode, input, np.zeros((), np.int64), d, keepdim))
    rows = np.moveaxis(a, d, -1).reshape(-1, a.shape[d])
    picked = np.empty(rows.shape[0], np.int64)
    for r, row in enumerate(rows):
        values, counts = np.unique(row, return_counts=True)
        value = values[np.argmax(counts)]  # the first maximum: the smallest value
        picked[r] = np.flatnonzero(row == value)[-1]
    shape = a.shape[:d] + a.shape[d + 1 :]
    index = np.expand_dims(picked.reshape(shape), d)
    return ModeResult(*_pick(Mode, input, index, d, keepdim))
