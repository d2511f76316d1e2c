"""Scatter: scatter, scatter_add, scatter_reduce, and the ``*_scatter`` ops that embed a tensor.

``scatter`` and ``scatter_add`` are ``IndexPut`` at an advanced key built from the index.
``scatter_reduce`` (and ``index_reduce``, the same op at a slice key) is one op,
``ScatterReduce``: every src element is combined into ``out[key]`` with a sum, product, mean,
max or min. Its backward is PyTorch's formula (``scatter_reduce_backward``) written with dual
helpers, so it runs on arrays and, under ``create_graph=True``, on Tensors: gathering is
``GetItem``, the product's masked re-reduction is ``ScatterReduce`` itself.

``select_scatter``, ``slice_scatter`` and ``diagonal_scatter`` are ``IndexPut`` at a basic or
diagonal key.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor._numpy_names import numpy_names
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import normalize_dim
from microtensor.ops._index_key import Key, gather_key, index_array, selection_shape
from microtensor.ops.indexing import IndexPut, _index, _put_zeros, getitem
from microtensor.tensor import Tensor

# fmt: off
__all__ = [
    "diagonal_scatter", "scatter", "scatter_add", "scatter_reduce", "select_scatter",
    "slice_scatter",
]
# fmt: on

_UFUNCS = {
    "sum": np.add,
    "mean": np.add,
    "prod": np.multiply,
    "amax": np.maximum,
    "amin": np.minimum,
}


class ScatterAdd(IndexPut):
    """z = a with z[index[i][j]][j] += src[i][j] (dim 0): IndexPut with accumulation."""


class Scatter(IndexPut):
    """z = a with z[index[i][j]][j] = src[i][j] (dim 0): IndexPut at an advanced key."""


class ScatterValue(Scatter, node_name="ScatterBackward1"):
    """``scatter`` of a number (torch's scatter.value)."""


class ScatterReduce(Op):
    """z[key] = reduce(a[key] (if include_self), src ...);  PyTorch's gradients per reduction.

    sum:  dz/da = 1, dz/dsrc = 1 (gathered).  mean: both divided by the count of the slot.
    prod: d/dx = the product of the other values of the slot (zeros handled exactly).
    amax, amin: the gradient is split evenly between the values equal to the result.
    Without include_self, ``a`` gets no gradient at the scattered positions.
    """

    @staticmethod
    def forward(ctx: Any, a: Any, src: Any, key: Key, reduce: str, include_self: bool) -> Any:
        ctx.key, ctx.reduce, ctx.include_self = key, reduce, include_self
        out = _reduce_at(a, key, src, reduce, include_self)
        if reduce in ("prod", "amax", "amin"):
            ctx.save_for_backward(a, src, out)
        elif reduce == "mean":
            ctx.count = _count(a.shape, key, src.shape, include_self).astype(_float(a.dtype))
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        key, reduce = ctx.key, ctx.reduce
        if reduce == "sum":
            grad_a, grad_src = grad_out, _index(grad_out, key)
        elif reduce == "mean":
            grad_a = grad_out / ctx.count
            grad_src = _index(grad_a, key)
        elif reduce == "prod":
            grad_a, grad_src = _prod_grads(ctx, grad_out)
        else:
            a, src, out = ctx.saved_tensors
            a_is_out = _values(a) == _values(out)
            src_is_out = _values(src) == _values(_index(out, key))
            ties = np.zeros(a_is_out.shape, _float(_values(a).dtype))
            _np_index_add(ties, key, src_is_out)
            share = grad_out / (ties + a_is_out)
            grad_a = dual.where(a_is_out, share, 0.0)
            grad_src = dual.where(src_is_out, _index(share, key), 0.0)
        if not ctx.include_self:
            grad_a = _put_zeros(grad_a, key)
        return grad_a, grad_src, None, None, None


def _prod_grads(ctx: Any, grad_out: Any) -> tuple[Any, Any]:
    """PyTorch's product gradients: the product of the others, from re-reductions with 1s."""
    a, src, out = ctx.saved_tensors
    key, include_self = ctx.key, ctx.include_self
    a_zero = _values(a) == 0
    masked_a = dual.where(a_zero, 1.0, a)
    grad_a = grad_out * _scatter_prod(masked_a, src, key, include_self) / masked_a
    src_zero = _values(src) == 0
    zeros_at = np.zeros(np.shape(_values(a)))
    _np_index_add(zeros_at, key, src_zero)
    single_zero = src_zero & (zeros_at[key[0]][key[1]] == 1)
    masked_src = dual.where(single_zero, 1.0, src)
    with_single = _index(grad_out * _scatter_prod(a, masked_src, key, include_self), key)
    others = _index(grad_out * out, key) / dual.where(src_zero, 1.0, src)
    return grad_a, dual.where(single_zero, with_single, others)


def _scatter_prod(a: Any, src: Any, key: Key, include_self: bool) -> Any:
    if dual.is_array(a) and dual.is_array(src):
        return _reduce_at(a, key, src, "prod", include_self)
    return ScatterReduce.apply(a, src, key, "prod", include_self)


def _float(dtype: np.dtype) -> Any:
    return dtype if dtype.kind == "f" else np.float64


def _values(x: Any) -> Any:
    return x if dual.is_array(x) else x._data


def _np_index_add(out: np.ndarray, key: Any, values: np.ndarray) -> None:
    np.add.at(out[key[0]], key[1], values)


def _count(shape: tuple[int, ...], key: Key, src_shape: tuple[int, ...], include_self: bool) -> Any:
    """How many values each slot of a mean reduction averages (at least 1)."""
    count = np.full(shape, 1.0 if include_self else 0.0)
    _np_index_add(count, key, np.ones(src_shape))
    count[count == 0] = 1.0
    return count


def _reduce_at(a: np.ndarray, key: Any, src: np.ndarray, reduce: str, include_self: bool) -> Any:
    out = np.array(a)  # a copy, and an array even for a NumPy scalar
    view = out[key[0]]
    if not include_self:
        view[key[1]] = _identity(reduce, a.dtype)
    _UFUNCS[reduce].at(view, key[1], src)
    if reduce == "mean":
        count = _count(a.shape, key, src.shape, include_self)
        if out.dtype.kind == "f":
            return out / count.astype(out.dtype)
        return np.floor_divide(out, count.astype(out.dtype))
    return out


def _identity(reduce: str, dtype: np.dtype) -> Any:
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if dtype.kind == "b":
        return reduce == "amin"
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


def check_reduce(op: str, reduce: str, allowed: tuple[str, ...]) -> None:
    """Raise PyTorch's RuntimeError for a reduction ``op`` does not know."""
    if reduce not in allowed:
        names = ", ".join(allowed[:-1]) + f" or {allowed[-1]}"
        raise RuntimeError(f"{op}(): reduce argument must be either {names}, got {reduce}")


@numpy_names
def scatter_reduce(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Any,
    src: Tensor,
    reduce: str,
    *,
    include_self: bool = True,
) -> Tensor:
    """Reduce ``src`` into a copy of ``input`` at ``index`` along ``dim``.

    ``out[index[i][j]][j] = reduce(out[index[i][j]][j], src[i][j])`` for ``dim=0``, with
    ``reduce`` one of ``"sum"``, ``"prod"``, ``"mean"``, ``"amax"``, ``"amin"``. With
    ``include_self=False`` the scattered-to positions of ``input`` do not take part. A mean
    of integers rounds down. Gradients are PyTorch's: the gradient of amax/amin is shared
    evenly among all values equal to the result (PyTorch counts an excluded ``input`` value
    in that split too, and so does this function).
    ``t.scatter_reduce_(...)`` writes the result into ``t``.

    Raises:
        RuntimeError: for an unknown ``reduce``, mismatched dims, sizes or dtypes, or an
            index out of range.
        TypeError: if ``src`` is not a tensor.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([1.0, 2.0, 3.0])
        >>> mt.scatter_reduce(x, 0, mt.tensor([0, 0, 2]), mt.tensor([5.0, 4.0, 1.0]), "amax")
        tensor([5., 2., 3.])
        >>> mt.scatter_reduce(x, 0, mt.tensor([0, 0]), mt.tensor([5.0, 4.0]), "mean",
        ...                   include_self=False)
        tensor([4.5000, 2.0000, 3.0000])
    """
    if not isinstance(src, Tensor):
        raise TypeError(
            f"scatter_reduce(): argument 'src' (position 4) must be Tensor, not "
            f"{type(src).__name__}"
        )
    check_reduce("scatter_reduce", reduce, ("sum", "prod", "mean", "amax", "amin"))
    if src._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"scatter_reduce(): Expected self.dtype to be equal to src.dtype, got "
            f"{input.dtype} and {src.dtype}: cast src with .to(input.dtype)"
        )
    key, idx = gather_key("scatter_reduce", input, dim, index, src._data.shape)
    if src._data.shape != idx.shape:  # only the first index.shape elements of src are used
        src = ops.getitem(src, tuple(slice(0, n) for n in idx.shape) if idx.ndim else 0)
    return ScatterReduce.apply(input, src, key, reduce, bool(include_self))  # type: ignore[no-any-return]


@numpy_names
def scatter_add(input: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:  # noqa: A002
    """Add ``src`` into a copy of ``input``: ``out[index[i][j]][j] += src[i][j]`` for ``dim=0``.

    Repeated indices accumulate. Gradients: ``input`` gets the output gradient, ``src`` gets
    it gathered at ``index``.

    Raises:
        RuntimeError: for mismatched dims, sizes or dtypes, or an index out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.scatter_add(mt.zeros(3), 0, mt.tensor([0, 2, 0]), mt.tensor([1.0, 2.0, 3.0]))
        tensor([4., 0., 2.])
    """
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' must be Tensor, not {type(src).__name__}")
    return _scatter(ScatterAdd, "scatter_add", input, dim, index, src)


@numpy_names
def scatter(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Any,
    src: Any = None,
    *,
    value: Any = None,
    reduce: str | None = None,
) -> Tensor:
    """Write ``src`` (a tensor, or the number ``value``) into a copy of ``input`` at ``index``.

    ``out[index[i][j]][j] = src[i][j]`` for ``dim=0``. For repeated indices the last write
    wins (PyTorch leaves it unspecified). ``reduce="add"`` or ``"multiply"`` combines instead
    of writing (``scatter_reduce`` with ``"sum"`` or ``"prod"``). Differs from PyTorch: with
    ``reduce`` the result is differentiable (PyTorch has no derivative there).

    Raises:
        RuntimeError: for mismatched dims, sizes or dtypes, an index out of range, or an
            unknown ``reduce``.
        TypeError: if neither or both of ``src`` and ``value`` are given.

    Example:
        >>> import microtensor as mt
        >>> mt.scatter(mt.zeros(2, 2), 1, mt.tensor([[1], [0]]), value=5.0)
        tensor([[0., 5.],
                [5., 0.]])
    """
    if (src is None) == (value is None):
        raise TypeError("scatter(): give exactly one of src (a tensor or number) and value")
    src = value if src is None else src
    if reduce is not None:
        return _scatter_with_reduce(input, dim, index, src, reduce)
    return _scatter(
        Scatter if isinstance(src, Tensor) else ScatterValue, "scatter", input, dim, index, src
    )


def _scatter(
    op_class: Any,
    op: str,
    input: Tensor,  # noqa: A002
    dim: int,
    index: Any,
    src: Any,
) -> Tensor:
    if not isinstance(src, Tensor):
        key, _ = gather_key(op, input, dim, index)
        return op_class.apply(input, key, src, False)  # type: ignore[no-any-return]
    if src._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"{op}(): Expected self.dtype to be equal to src.dtype, got "
            f"{input.dtype} and {src.dtype}: cast src with .to(input.dtype)"
        )
    if src._data.ndim != input._data.ndim and max(src._data.ndim, input._data.ndim) > 1:
        raise RuntimeError(
            f"{op}(): Index tensor must have the same number of dimensions as "
            f"src tensor: got src of shape {list(src.shape)} for input of shape "
            f"{list(input.shape)}"
        )
    key, index = gather_key(op, input, dim, index, src._data.shape)
    if src._data.shape != index.shape:  # only the first index.shape elements of src are used
        src = getitem(src, tuple(slice(0, n) for n in index.shape) if index.ndim else 0)
    return op_class.apply(input, key, src, op_class is ScatterAdd)  # type: ignore[no-any-return]


def _scatter_with_reduce(input: Tensor, dim: int, index: Any, src: Any, reduce: str) -> Tensor:  # noqa: A002
    if reduce not in ("add", "multiply"):
        raise RuntimeError(
            f"scatter(): reduce argument must be either add or multiply, got {reduce}"
        )
    if not isinstance(src, Tensor):
        shape = index_array("scatter", index).shape
        src = Tensor._make(np.full(shape, src, input._data.dtype))
    return scatter_reduce(input, dim, index, src, "sum" if reduce == "add" else "prod")


def _embed(op: str, input: Tensor, src: Tensor, key: Any) -> Tensor:  # noqa: A002
    """``input`` with ``src`` written at the basic ``key``; src must match the slice exactly."""
    if not isinstance(src, Tensor):
        raise TypeError(f"{op}(): argument 'src' must be Tensor, not {type(src).__name__}")
    slice_shape = input._data[key].shape
    if src._data.shape != slice_shape:
        raise RuntimeError(
            f"{op}(): expected src to have a size equal to the slice of self. src size = "
            f"{list(src._data.shape)}, slice size = {list(slice_shape)}"
        )
    if src._data.dtype != input._data.dtype:
        src = src.to(input.dtype)
    return IndexPut.apply(input, ((*key, Ellipsis), None), src, False)  # type: ignore[no-any-return]


@numpy_names
def slice_scatter(
    input: Tensor,  # noqa: A002
    src: Tensor,
    dim: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
) -> Tensor:
    """A copy of ``input`` with ``src`` written into the slice ``start:end:step`` of ``dim``.

    Raises:
        RuntimeError: if ``src``'s shape is not the slice's shape, or ``step`` is not positive.
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.slice_scatter(mt.zeros(2, 4), mt.ones(2, 2), dim=1, start=0, step=2)
        tensor([[1., 0., 1., 0.],
                [1., 0., 1., 0.]])
    """
    d = normalize_dim("slice_scatter", dim, input._data.ndim)
    if step <= 0:
        raise RuntimeError(f"slice_scatter(): slice step must be positive, got {step}")
    return _embed("slice_scatter", input, src, (slice(None),) * d + (slice(start, end, step),))


@numpy_names
def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``src`` written at position ``index`` of ``dim``.

    ``src`` has ``input``'s shape without ``dim`` (the shape of ``select(input, dim, index)``).

    Raises:
        RuntimeError: if ``src``'s shape does not match.
        IndexError: if ``dim`` or ``index`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.select_scatter(mt.zeros(2, 2), mt.tensor([1.0, 2.0]), 0, 1)
        tensor([[0., 0.],
                [1., 2.]])
    """
    ndim = input._data.ndim
    d = normalize_dim("select_scatter", dim, ndim)
    size = input._data.shape[d] if ndim else 1
    if not -size <= index < size:
        raise IndexError(
            f"select_scatter(): index {index} out of range for tensor of size "
            f"{list(input._data.shape)} at dimension {d}"
        )
    if ndim == 0:
        return _embed("select_scatter", input, src, ())
    return _embed("select_scatter", input, src, (slice(None),) * d + (int(index),))


def diagonal_scatter(
    input: Tensor,  # noqa: A002
    src: Tensor,
    offset: int = 0,
    dim1: int = 0,
    dim2: int = 1,
) -> Tensor:
    """A copy of ``input`` with ``src`` written onto the diagonal ``diagonal(input, ...)``.

    ``src`` has the shape of ``diagonal(input, offset, dim1, dim2)``: the other dims, then the
    diagonal.

    Raises:
        RuntimeError: if ``src``'s shape does not match, or for ``dim1 == dim2``.
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.diagonal_scatter(mt.zeros(2, 3), mt.tensor([1.0, 2.0]), 1)
        tensor([[0., 1., 0.],
                [0., 0., 2.]])
    """
    if not isinstance(src, Tensor):
        raise TypeError(
            f"diagonal_scatter(): argument 'src' must be Tensor, not {type(src).__name__}"
        )
    ndim = input._data.ndim
    d1 = normalize_dim("diagonal_scatter", dim1, ndim)
    d2 = normalize_dim("diagonal_scatter", dim2, ndim)
    if d1 == d2:
        raise RuntimeError(
            f"diagonal_scatter(): diagonal dimensions cannot be identical {dim1}, {dim2}"
        )
    moved = ops.movedim(input, (d1, d2), (-2, -1))
    rows, cols = moved._data.shape[-2:]
    start_row, start_col = max(-offset, 0), max(offset, 0)
    n = max(min(rows - start_row, cols - start_col), 0)
    positions = (np.arange(n) + start_row, np.arange(n) + start_col)
    diag_shape = selection_shape(moved._data.shape, (slice(None),) * (ndim - 2) + positions)
    if src._data.shape != diag_shape:
        raise RuntimeError(
            f"diagonal_scatter(): expected src to have a size equal to the slice of self. src "
            f"size = {list(src._data.shape)}, slice size = {list(diag_shape)}"
        )
    if src._data.dtype != input._data.dtype:
        src = src.to(input.dtype)
    key: Key = ((Ellipsis,), (slice(None),) * (ndim - 2) + positions)
    out = IndexPut.apply(moved, key, src, False)
    return ops.movedim(out, (-2, -1), (d1, d2))  # type: ignore[no-any-return]
