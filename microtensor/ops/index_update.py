"""Index updates: a copy of a tensor with slices at given indices added, copied, filled or reduced.

index_add, index_copy, index_fill, index_reduce, put (flat positions), masked_scatter (mask
positions) and fill_diagonal_ (the value behind ``t.fill_diagonal_``). Each is an indexing op
(``IndexPut`` and friends) at a computed key, so gradients and second derivatives come from
indexing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor._numpy_names import numpy_names
from microtensor.ops._common import broadcast_error, normalize_dim
from microtensor.ops._index_key import Key, bool_mask, check_index, index_array
from microtensor.ops.indexing import GetItem, IndexPut
from microtensor.ops.scatter import ScatterReduce
from microtensor.ops.shape import expand, reshape
from microtensor.tensor import Tensor

# fmt: off
__all__ = [
    "fill_diagonal_op", "index_add", "index_copy", "index_fill", "index_reduce", "masked_scatter",
    "put",
]
# fmt: on


class IndexAdd(IndexPut):
    """z = a with z[:, index[i]] += v[:, i] (dim 1): IndexPut with accumulation."""


class IndexCopy(IndexPut):
    """z = a with z[:, index[i]] = v[:, i] (dim 1): IndexPut at an advanced key."""


class IndexFill(IndexPut):
    """z = a with z[:, index] = value (dim 1): IndexPut;  dvalue = sum of grad at index."""


class IndexReduce(ScatterReduce):
    """z[:, index[i]] = reduce(z[:, index[i]], v[:, i]) (dim 1): ScatterReduce at a slice key."""


class Put(IndexPut):
    """z = a with z.flatten()[index] = v (or += v): IndexPut at the unravelled positions."""


class MaskedScatter(IndexPut):
    """z = a with the True positions of mask filled by v's first elements: IndexPut."""


class FillDiagonal(IndexPut):
    """z = a with its diagonal set to a number: IndexPut at the diagonal positions."""


@numpy_names
def index_add(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Any,
    source: Tensor,
    *,
    alpha: Any = 1,
) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added at ``index`` along ``dim``.

    ``out[:, index[i]] += alpha * source[:, i]`` for ``dim=1``; repeated indices accumulate.
    ``t.index_add_(...)`` writes the result into ``t``.

    Raises:
        RuntimeError: for a non-integer index, a source whose shape or dtype does not match,
            or an index past the end.
        IndexError: for a bad ``dim``, an index with more than one dim, or a negative index.

    Example:
        >>> import microtensor as mt
        >>> mt.index_add(mt.zeros(3, 2), 0, mt.tensor([0, 2, 0]), mt.ones(3, 2))
        tensor([[2., 2.],
                [0., 0.],
                [1., 1.]])
    """
    a = input._data
    d = normalize_dim("index_add", dim, a.ndim)
    idx = index_array("index_add", index)
    _check_source("index_add", 4, source)
    if isinstance(alpha, Tensor):
        if alpha._data.ndim:
            raise TypeError(
                f"index_add(): argument 'alpha' must be Number, not Tensor of shape "
                f"{tuple(alpha._data.shape)}: pass a Python number"
            )
        alpha = alpha.item()
    if idx.ndim > 1:
        raise IndexError(
            f"index_add(): Index is supposed to be a vector, but got shape {list(idx.shape)}"
        )
    if source._data.dtype != a.dtype:
        raise RuntimeError(
            f"index_add(): self ({input.dtype}) and source ({source.dtype}) must have the same "
            "scalar type: cast source with .to(input.dtype)"
        )
    size = a.shape[d] if a.ndim else 1
    if idx.size and idx.min() < 0:
        raise IndexError(f"index_add(): index {idx.min()} is out of range: indices must be >= 0")
    check_index(idx, d, size, RuntimeError, "index_add(): ", negative=False)
    want = a.shape[:d] + (idx.size,) + a.shape[d + 1 :] if a.ndim else (idx.size,)
    got = source._data.shape
    if got != want and not (a.ndim == 0 and got == () and idx.size == 1):
        raise RuntimeError(
            f"index_add(): source tensor shape must match self tensor shape, excluding the "
            f"specified dimension, and its size at dim {d} must equal the number of indices "
            f"({idx.size}). Got self.shape = {list(a.shape)} source.shape = {list(got)}"
        )
    if alpha != 1:
        source = ops.mul(source, alpha)
    key = ((Ellipsis,), (slice(None),) * d + (idx.reshape(-1),)) if a.ndim else _scalar_key(idx)
    return IndexAdd.apply(input, key, source, True)  # type: ignore[no-any-return]


def _scalar_key(idx: np.ndarray) -> Any:
    """The key of a 0-d tensor seen as one element: ``a[None][idx]``."""
    return (None, Ellipsis), (idx.reshape(-1),)


def fill_diagonal_op(input: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:  # noqa: A002
    """A copy of ``input`` with its main diagonal set to ``fill_value`` (``t.fill_diagonal_``).

    For a matrix taller than wide, ``wrap=True`` starts the diagonal again after a gap of one
    row, every ``cols + 1`` rows (NumPy's and PyTorch's rule). The gradient of ``input`` is 0
    on the diagonal.

    Raises:
        RuntimeError: for fewer than 2 dims, or more than 2 dims of different lengths.

    Example:
        >>> import microtensor as mt
        >>> mt.ops.fill_diagonal_op(mt.zeros(2, 3), 5.0)
        tensor([[5., 0., 0.],
                [0., 5., 0.]])
    """
    shape = input._data.shape
    if len(shape) < 2:
        raise RuntimeError(
            f"fill_diagonal_(): dimensions must larger than 1, got {len(shape)}; use a matrix"
        )
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError(
            f"fill_diagonal_(): all dimensions of input must be of equal length, got {shape}"
        )
    if len(shape) == 2:
        rows, cols = shape
        end = rows * cols if wrap else min(rows, cols) * cols
        flat = np.arange(0, end, cols + 1)
    else:
        flat = np.arange(shape[0]) * sum(shape[0] ** k for k in range(len(shape)))
    key = ((Ellipsis,), np.unravel_index(flat, shape))
    return FillDiagonal.apply(input, key, fill_value, False)  # type: ignore[no-any-return]


def _dim_key(a: np.ndarray, d: int, idx: np.ndarray) -> Any:
    """The key of the slices ``idx`` along dim ``d`` (a 0-d tensor is one element)."""
    return ((Ellipsis,), (slice(None),) * d + (idx.reshape(-1),)) if a.ndim else _scalar_key(idx)


def _check_source(op: str, position: int, source: Any) -> None:
    if not isinstance(source, Tensor):
        raise TypeError(
            f"{op}(): argument 'source' (position {position}) must be Tensor, not "
            f"{type(source).__name__}: wrap values in microtensor.tensor(...)"
        )


def _source_index(op: str, input: Tensor, dim: int, index: Any, source: Tensor) -> Any:  # noqa: A002
    """Check index_copy/index_reduce arguments; the normalized dim and the index array."""
    a = input._data
    d = normalize_dim(op.rstrip("_"), dim, a.ndim)
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype != np.int64:
        raise IndexError(f"{op}(): Expected a long tensor for index, but got {idx.dtype}")
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index should have dimension 1 or 0 (got {idx.ndim})")
    _check_source(op, 4, source)
    if source._data.dtype != a.dtype:
        raise RuntimeError(
            f"{op}(): self and source expected to have the same dtype, but got (self) "
            f"{input.dtype} and (source) {source.dtype}: cast source with .to(input.dtype)"
        )
    want = a.shape[:d] + (idx.size,) + a.shape[d + 1 :] if a.ndim else (idx.size,)
    got = source._data.shape
    if got != want and not (a.ndim == 0 and got == () and idx.size == 1):
        raise RuntimeError(
            f"{op}(): Number of indices ({idx.size}) should be equal to source.size(dim), and "
            f"source must have self's shape elsewhere: got self.shape = {list(a.shape)}, "
            f"source.shape = {list(got)} for dim {d}"
        )
    size = a.shape[d] if a.ndim else 1
    check_index(idx, d, size, IndexError, f"{op}(): ", negative=False)
    return d, idx


@numpy_names
def index_copy(input: Tensor, dim: int, index: Any, source: Tensor) -> Tensor:  # noqa: A002
    """A copy of ``input`` with the slices of ``source`` written at ``index`` along ``dim``.

    ``out[:, index[i]] = source[:, i]`` for ``dim=1``. For a repeated index one of the writes
    wins (PyTorch leaves which unspecified). ``t.index_copy_(...)`` writes into ``t``.

    Raises:
        IndexError: for a non-int64 index, an index with more than one dim, or an index out
            of range (negative indices are out of range, as in PyTorch).
        RuntimeError: for a source of another dtype or shape.

    Example:
        >>> import microtensor as mt
        >>> mt.index_copy(mt.zeros(3, 2), 0, mt.tensor([2, 0]), mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor([[3., 4.],
                [0., 0.],
                [1., 2.]])
    """
    d, idx = _source_index("index_copy_", input, dim, index, source)
    return IndexCopy.apply(input, _dim_key(input._data, d, idx), source, False)  # type: ignore[no-any-return]


@numpy_names
def index_fill(input: Tensor, dim: int, index: Any, value: Any) -> Tensor:  # noqa: A002
    """A copy of ``input`` with the slices at ``index`` along ``dim`` set to ``value``.

    ``value`` is a number or a 0-d tensor (which then gets the sum of the gradient of the
    filled elements). Negative indices count from the end. ``t.index_fill_(...)`` writes
    into ``t``.

    Raises:
        IndexError: for a non-int64 index or an index out of range.
        RuntimeError: for a value tensor that is not 0-d, or an index with more than 1 dim.

    Example:
        >>> import microtensor as mt
        >>> mt.index_fill(mt.zeros(2, 3), 1, mt.tensor([0, -1]), 7.0)
        tensor([[7., 0., 7.],
                [7., 0., 7.]])
    """
    a = input._data
    d = normalize_dim("index_fill_", dim, a.ndim)
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype != np.int64:
        raise IndexError(f"index_fill_(): Expected dtype int64 for index, got {idx.dtype}")
    if idx.ndim > 1:
        raise RuntimeError(
            f"index_fill_(): Index has to be a vector/scalar, got shape {list(idx.shape)}"
        )
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError(
            f"index_fill_(): only supports a 0-dimensional value tensor, but got tensor with "
            f"{value._data.ndim} dimension(s); pass a number or a 0-d tensor"
        )
    size = a.shape[d] if a.ndim else 1
    check_index(idx, d, size, IndexError, "index_fill_(): ")
    # unique positions: a repeated index is filled once, and the value's gradient counts it once
    positions = np.unique(idx.reshape(-1) % max(size, 1))
    if isinstance(value, Tensor) and value._data.dtype != a.dtype:
        value = value.to(input.dtype)
    return IndexFill.apply(input, _dim_key(a, d, positions), value, False)  # type: ignore[no-any-return]


@numpy_names
def index_reduce(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Any,
    source: Tensor,
    reduce: str,
    *,
    include_self: bool = True,
) -> Tensor:
    """Reduce the slices of ``source`` into a copy of ``input`` at ``index`` along ``dim``.

    ``out[:, index[i]] = reduce(out[:, index[i]], source[:, i])`` for ``dim=1``, with
    ``reduce`` one of ``"prod"``, ``"mean"``, ``"amax"``, ``"amin"``; see ``scatter_reduce``
    for ``include_self`` and the gradients. ``t.index_reduce_(...)`` writes into ``t``.

    Raises:
        RuntimeError: for an unknown ``reduce``, a source of another dtype or shape.
        IndexError: for a non-int64 index or an index out of range.

    Example:
        >>> import microtensor as mt
        >>> x = mt.ones(2, 2)
        >>> mt.index_reduce(x, 0, mt.tensor([0, 0]), mt.tensor([[2.0, 3.0], [4.0, 5.0]]), "prod")
        tensor([[ 8., 15.],
                [ 1.,  1.]])
    """
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(
            f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got "
            f"{reduce}."
        )
    d, idx = _source_index("index_reduce_", input, dim, index, source)
    key = _dim_key(input._data, d, idx)
    if input._data.ndim == 0:
        source = ops.reshape(source, (idx.size,))
    return IndexReduce.apply(input, source, key, reduce, bool(include_self))  # type: ignore[no-any-return]


def _flat_key(op: str, input: Tensor, index: Any) -> tuple[Key, np.ndarray]:  # noqa: A002
    """The key of the flat positions ``index`` (negative from the end), and the index array."""
    idx = index_array(op, index)
    size = input._data.size
    bad = idx[(idx < -size) | (idx >= size)]
    if bad.size:
        raise IndexError(
            f"{op}(): out of range: tried to access index {bad.flat[0]} on a tensor of "
            f"{size} elements"
        )
    flat = np.where(idx < 0, idx + size, idx).reshape(-1)
    shape = input._data.shape
    if shape:
        return ((Ellipsis,), np.unravel_index(flat, shape)), idx
    return ((None, Ellipsis), (flat,)), idx


def put(input: Tensor, index: Any, source: Tensor, accumulate: bool = False) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``source`` written at the flat positions ``index``.

    ``input`` is read as if flattened; negative positions count from the end. With
    ``accumulate`` repeated positions add up. ``t.put_(...)`` writes into ``t``.

    Raises:
        IndexError: for a position out of range, or a source whose size is not the index's.
        RuntimeError: for a non-integer index or a source of another dtype.

    Example:
        >>> import microtensor as mt
        >>> mt.put(mt.zeros(2, 2), mt.tensor([0, -1]), mt.tensor([1.0, 2.0]))
        tensor([[1., 0.],
                [0., 2.]])
    """
    key, idx = _flat_key("put", input, index)
    _check_source("put", 3, source)
    if source._data.size != idx.size:
        raise IndexError(
            f"put_(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source._data.size}, index.numel() = {idx.size}"
        )
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"put_(): self ({input.dtype}) and source ({source.dtype}) must have the same "
            "scalar type: cast source with .to(input.dtype)"
        )
    values = reshape(source, (-1,))
    return Put.apply(input, key, values, bool(accumulate))  # type: ignore[no-any-return]


def masked_scatter(input: Tensor, mask: Any, source: Tensor) -> Tensor:  # noqa: A002
    """A copy of ``input`` with its True ``mask`` positions (in order) taken from ``source``.

    ``mask`` broadcasts to ``input``; the first ``mask.sum()`` elements of ``source`` (read
    flat) fill them. ``t.masked_scatter_(...)`` writes into ``t``.

    Raises:
        RuntimeError: for a non-bool mask, a mask that does not broadcast, a source with fewer
            elements than True positions, or a source of another dtype.

    Example:
        >>> import microtensor as mt
        >>> mt.masked_scatter(mt.zeros(2, 2), mt.tensor([True, False]), mt.tensor([1.0, 2.0]))
        tensor([[1., 0.],
                [2., 0.]])
    """
    mask_data = bool_mask("masked_scatter", mask)
    _check_source("masked_scatter", 3, source)
    try:
        shape = np.broadcast_shapes(input._data.shape, mask_data.shape)
    except ValueError:
        raise broadcast_error("masked_scatter", input, mask_data) from None
    if input._data.shape != shape:
        input = expand(input, shape).clone()  # noqa: A001
    full = np.broadcast_to(mask_data, shape)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"masked_scatter(): expected self and source to have same dtypes but got "
            f"{input.dtype} and {source.dtype}"
        )
    count = int(full.sum())
    if source._data.size < count:
        raise RuntimeError(
            f"masked_scatter(): Number of elements of source ({source._data.size}) < number "
            f"of ones in mask ({count})"
        )
    values = GetItem.apply(reshape(source, (-1,)), ((Ellipsis,), (np.arange(count),)))
    key: Key = (
        ((Ellipsis,), np.nonzero(full)) if full.ndim else ((None, Ellipsis), (np.arange(count),))
    )
    return MaskedScatter.apply(input, key, values, False)  # type: ignore[no-any-return]
