"""Indexing: ``t[key]``, ``t[key] = v``, gather, take, select, index_select, masked_select.

(masked_fill is in ``masked_fill.py``, nonzero and argwhere in ``nonzero.py``.)

Every selection is one op, ``GetItem``: a key is parsed once into ``(basic, adv)``, a basic
NumPy key (ints, slices, None: a view) followed by an optional advanced key (integer arrays)
applied to that view. Its backward adds the gradient into zeros at the key (``IndexAddZeros``),
whose own backward selects again, so both derivatives are differentiable. gather, take,
index_select, take_along_dim and masked_select build an advanced key and reuse GetItem.
Writes at such keys (``IndexPut``) are used by ``scatter.py`` and ``index_update.py``.
"""

from __future__ import annotations

import builtins
import operator
from typing import Any

import numpy as np

from microtensor._numpy_names import numpy_names
from microtensor.autograd.broadcast import sum_to_shape
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import normalize_dim, shape_of
from microtensor.ops._index_key import (
    Key,
    bool_mask,
    gather_key,
    in_range_ints,
    index_array,
    index_select_key,
    masked_select_key,
    parse_key,
    selection_shape,
    take_along_key,
)
from microtensor.ops.shape import reshape
from microtensor.tensor import Tensor

__all__ = [
    "gather",
    "getitem",
    "index_put",
    "index_select",
    "masked_select",
    "select",
    "take",
    "take_along_dim",
]

# --- the ops -------------------------------------------------------------------------------


class GetItem(Op):
    """z = a[key];  dz/da scatters the gradient back: zeros with grad added at key."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, key: Key) -> Any:
        ctx.shape, ctx.key = a.shape, key
        return _index(a, key)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _index_add_zeros(grad_out, ctx.shape, ctx.key), None


# The node of ``x[key]`` is torch's last step: it selects ints, slices, adds None dims left to
# right (skipping full slices), then indexes with the tensors and lists.
class Select(GetItem, node_name="SelectBackward0"):
    """``x[i]``, ``select``: the last step is an int."""


class Slice(GetItem, node_name="SliceBackward0"):
    """``x[a:b]``: the last step is a slice."""


class NewAxis(GetItem, node_name="UnsqueezeBackward0"):
    """``x[None]``: the last step adds a dim."""


class Alias(GetItem, node_name="AliasBackward0"):
    """``x[...]``, ``x[:, :]``: no step at all."""


class Index(GetItem, node_name="IndexBackward0"):
    """``x[idx]``, ``x[mask]``, ``x[[0, 1]]``: advanced indexing comes last."""


class Gather(GetItem):
    """z = a[i][index[i][j]] (dim 1): GetItem at an advanced key built from index."""


class IndexSelect(GetItem):
    """z = a[:, index] (dim 1): GetItem at an advanced key."""


class TakeAlongDim(GetItem):
    """z = a[i][indices[i][j]] with broadcasting (dim 1): GetItem at an advanced key."""


class Take(GetItem):
    """z = a.flatten()[index]: GetItem at the unravelled positions of index."""


class MaskedSelect(GetItem):
    """z = a[mask] after broadcasting a and mask: GetItem at the mask's nonzero positions."""


class IndexAddZeros(Op):
    """z = zeros(shape) with g added at key (GetItem's backward);  dz/dg = select at key."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, g: Any, shape: tuple[int, ...], key: Key) -> Any:
        ctx.key = key
        return _index_add_zeros(g, shape, key)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _index(grad_out, ctx.key), None, None


class IndexPut(Op):
    """z = a with z[key] = v (or += v);  dz/da = 1 off key (1 if +=),  dz/dv = grad at key."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, key: Key, v: Any, accumulate: bool) -> Any:
        ctx.key, ctx.accumulate, ctx.v_shape = key, accumulate, np.shape(v)
        out = a.copy()
        _put(out, key, v, accumulate)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        grad_a = grad_v = None
        if ctx.needs_input_grad[0]:
            grad_a = grad_out if ctx.accumulate else _put_zeros(grad_out, ctx.key)
        if ctx.needs_input_grad[2]:
            grad_v = _sum_to_values(_index(grad_out, ctx.key), ctx.v_shape)
        return grad_a, None, grad_v, None


# --- dual helpers: NumPy on arrays, the ops above on Tensors ---------------------------------


def _index(x: Any, key: Key) -> Any:
    """x[key] for a parsed key."""
    if not dual.is_array(x):
        return GetItem.apply(x, key)
    basic, adv = key
    view = x[basic]
    return view if adv is None else view[adv]


def _index_add_zeros(g: Any, shape: tuple[int, ...], key: Key) -> Any:
    """Zeros of ``shape`` with ``g`` added at ``key`` (repeated indices accumulate)."""
    if not dual.is_array(g):
        return IndexAddZeros.apply(g, shape, key)
    out = np.zeros(shape, g.dtype)
    if key[1] is None:  # a basic key selects each element once: a plain write adds to zeros
        out[key[0]] = g
    else:
        _put(out, key, g, accumulate=True)
    return out


def _put_zeros(g: Any, key: Key) -> Any:
    """``g`` with zeros written at ``key``."""
    if not dual.is_array(g):
        return IndexPut.apply(g, key, 0.0, False)
    out = np.array(g)  # a copy, and an array even for a NumPy scalar (0-d arithmetic)
    _put(out, key, 0, accumulate=False)
    return out


def _put(out: np.ndarray, key: Key, v: Any, accumulate: bool) -> None:
    """Write (or add) ``v``, broadcast to the selection, into ``out`` at ``key`` in place."""
    basic, adv = key
    view = out[basic]
    sel_ndim = len(selection_shape(view.shape, adv))
    v = np.asarray(v)
    if v.ndim > sel_ndim:  # leading size-1 dims of the value are dropped, as in PyTorch
        v = v.reshape(v.shape[v.ndim - sel_ndim :])
    if adv is None:
        if accumulate:
            view += v
        else:
            view[...] = v
    elif accumulate:
        np.add.at(view, adv, v)
    else:
        view[adv] = v


def _sum_to_values(g: Any, v_shape: tuple[int, ...]) -> Any:
    """Sum the gradient of the selection back to the value's shape (it was broadcast)."""
    g = sum_to_shape(g, v_shape[max(len(v_shape) - g.ndim, 0) :])
    return g if g.shape == v_shape else g.reshape(v_shape)


# --- public functions ----------------------------------------------------------------------


def getitem(input: Tensor, key: Any) -> Tensor:  # noqa: A002
    """``input[key]`` with PyTorch's indexing: ints, slices, None, ``...``, masks, index tensors.

    Ints, slices, None and ``...`` give a view (no copy). Integer index tensors (or lists,
    arrays) and bool masks select a copy; several of them broadcast together, and their dims
    go where NumPy's advanced-indexing rule puts them, applied after the ints (as PyTorch).
    Repeated indices accumulate in the gradient.
    Differs from PyTorch: a list key is always an index, as PyTorch plans (2.x still reads
    ``x[[0, slice(None)]]`` as a tuple, with a deprecation warning).

    Raises:
        IndexError: for an index out of bounds, too many indices, a mask of the wrong shape,
            index tensors that do not broadcast, or a non-integer index.
        ValueError: for a slice step that is not positive.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> x[1, ::2]
        tensor([4., 6.])
        >>> x[mt.tensor([0, 0]), mt.tensor([2, 1])]
        tensor([3., 2.])
        >>> x[x > 4]
        tensor([5., 6.])
    """
    shape = input._data.shape
    if key.__class__ is int and shape and -shape[0] <= key < shape[0]:  # fast path: iteration
        out = Select.apply(input, ((key, Ellipsis), None))
    elif key.__class__ is tuple and in_range_ints(key, shape):  # fast path: x[i, j]
        out = Select.apply(input, ((*key, Ellipsis), None))
    else:
        parsed = parse_key(key, shape)
        out = _getitem_op(key, parsed, shape).apply(input, parsed)
    if out._base is not None:
        out._view_key = (key,)  # lets ``out += v`` write back into ``input`` (Tensor._inplace)
    return out  # type: ignore[no-any-return]


def _getitem_op(key: Any, parsed: Key, shape: tuple[int, ...]) -> type[GetItem]:
    """The op whose node torch records last for ``x[key]`` (a valid, parsed key)."""
    if parsed[1] is not None:
        return Index
    if not isinstance(key, tuple):  # torch slices even a full single slice: x[:] is a Slice
        if isinstance(key, slice):
            return Slice
        return NewAxis if key is None else Alias if key is Ellipsis else Select
    op: type[GetItem] = Alias
    skipped = len(shape) - builtins.sum(k is not None and k is not Ellipsis for k in key)
    dim = 0
    for k in key:
        if k is Ellipsis:
            dim += skipped
        elif k is None:
            op = NewAxis
        else:
            if not isinstance(k, slice):
                op = Select
            elif k.indices(shape[dim]) != (0, shape[dim], 1):
                op = Slice
            dim += 1
    return op


def index_put(
    input: Tensor,  # noqa: A002
    indices: Any,
    values: Any,
    accumulate: bool = False,
) -> Tensor:
    """The out-of-place ``input[indices] = values`` (``+=`` with ``accumulate``).

    ``t[key] = v`` calls this and writes the result into ``t``. ``values`` (a tensor or a
    number) broadcasts to the shape of ``input[indices]`` and is cast to ``input``'s dtype.
    Differs from PyTorch: ``indices`` may be any key accepted by ``getitem``, not only a tuple
    of index tensors; a ``values`` dtype different from ``input``'s is cast, not an error.

    Raises:
        RuntimeError: if ``values`` does not broadcast to the indexed shape.
        IndexError: for a bad key (see ``getitem``).

    Example:
        >>> import microtensor as mt
        >>> mt.index_put(mt.zeros(3), (mt.tensor([0, 0, 2]),), mt.tensor(1.0), accumulate=True)
        tensor([2., 0., 1.])
    """
    key = parse_key(indices, input._data.shape)
    selection = selection_shape(input._data[key[0]].shape, key[1])
    v_shape = shape_of(values)
    stripped = v_shape[max(len(v_shape) - len(selection), 0) :]
    fits = all(n == 1 for n in v_shape[: len(v_shape) - len(stripped)])
    try:
        fits = fits and np.broadcast_shapes(stripped, selection) == selection
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(
            f"index_put(): shape mismatch: value tensor of shape {list(v_shape)} "
            f"cannot be broadcast to indexing result of shape {list(selection)}"
        )
    if not isinstance(values, Tensor):
        values = np.asarray(values).item() if np.ndim(values) == 0 else np.asarray(values)
    return IndexPut.apply(input, key, values, bool(accumulate))  # type: ignore[no-any-return]


@numpy_names
def gather(input: Tensor, dim: int, index: Any) -> Tensor:  # noqa: A002
    """Pick values along ``dim``: ``out[i][j] = input[index[i][j]][j]`` for ``dim=0``.

    ``index`` has as many dims as ``input`` and is no larger in the other dims; the result has
    ``index``'s shape. The gradient is a scatter_add of the output gradient.

    Raises:
        RuntimeError: for a non-integer index, mismatched dims or sizes, or an index out of
            range.
        IndexError: for a bad ``dim``.

    Example:
        >>> import microtensor as mt
        >>> mt.gather(mt.tensor([[1.0, 2.0], [3.0, 4.0]]), 1, mt.tensor([[1], [0]]))
        tensor([[2.],
                [3.]])
    """
    idx = index_array("gather", index)
    if idx.size == 0:  # PyTorch skips the shape checks for an empty index
        normalize_dim("gather", dim, input._data.ndim)
        flat = reshape(input, (-1,))
        return Gather.apply(flat, ((Ellipsis,), (idx,)))  # type: ignore[no-any-return]
    key, _ = gather_key("gather", input, dim, idx)
    return Gather.apply(input, key)  # type: ignore[no-any-return]


@numpy_names
def index_select(input: Tensor, dim: int, index: Any) -> Tensor:  # noqa: A002
    """The slices of ``input`` at positions ``index`` (a 1-d integer tensor) along ``dim``.

    Raises:
        IndexError: for a bad ``dim``, an index that is not 0-d or 1-d, or out of range.
        RuntimeError: for a non-integer index.

    Example:
        >>> import microtensor as mt
        >>> mt.index_select(mt.tensor([[1.0, 2.0], [3.0, 4.0]]), 0, mt.tensor([1, 1]))
        tensor([[3., 4.],
                [3., 4.]])
    """
    key = index_select_key(input, dim, index)
    return IndexSelect.apply(input, key)  # type: ignore[no-any-return]


@numpy_names
def take_along_dim(input: Tensor, indices: Any, dim: int | None = None) -> Tensor:  # noqa: A002
    """Pick values at ``indices`` along ``dim``, broadcasting the other dims (flat if None).

    Along a dim, negative indices count from the end (as PyTorch); flat indices must be
    non-negative.

    Raises:
        RuntimeError: for non-integer indices, mismatched dims, shapes that do not broadcast,
            or an index out of range.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[10.0, 30.0, 20.0]])
        >>> mt.take_along_dim(x, mt.tensor([[0, 2]]), dim=1)
        tensor([[10., 20.]])
    """
    return TakeAlongDim.apply(input, take_along_key(input, indices, dim))  # type: ignore[no-any-return]


@numpy_names
def select(input: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """The slice of ``input`` at position ``index`` of ``dim`` (a view without that dim).

    ``select(x, 1, 2)`` is ``x[:, 2]``; negative ``index`` counts from the end.

    Raises:
        IndexError: if ``dim`` or ``index`` is out of range, or ``input`` is 0-d.

    Example:
        >>> import microtensor as mt
        >>> mt.select(mt.tensor([[1.0, 2.0], [3.0, 4.0]]), 1, -1)
        tensor([2., 4.])
    """
    shape = input._data.shape
    if not shape:
        raise IndexError("select(): cannot be applied to a 0-dim tensor; use it as it is")
    d = normalize_dim("select", dim, len(shape))
    i = operator.index(index)
    if not -shape[d] <= i < shape[d]:
        raise IndexError(
            f"select(): index {i} out of range for tensor of size {list(shape)} at dimension {d}"
        )
    return getitem(input, (slice(None),) * d + (i,))


def take(input: Tensor, index: Any) -> Tensor:  # noqa: A002
    """The elements of ``input`` at the flat positions ``index`` (shape of ``index``).

    ``input`` is read as if flattened; negative positions count from the end.

    Raises:
        RuntimeError: for a non-integer index.
        IndexError: for a position out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.take(mt.tensor([[1.0, 2.0], [3.0, 4.0]]), mt.tensor([[0, -1]]))
        tensor([[1., 4.]])
    """
    idx = index_array("take", index)
    size = input._data.size
    bad = idx[(idx < -size) | (idx >= size)]
    if bad.size:
        raise IndexError(
            f"take(): out of range: tried to access index {bad.flat[0]} on a tensor of "
            f"{size} elements"
        )
    flat = np.where(idx < 0, idx + size, idx)
    shape = input._data.shape
    if shape:
        positions = np.unravel_index(flat.reshape(-1), shape)
        key: Key = ((Ellipsis,), tuple(p.reshape(idx.shape) for p in positions))
    else:
        key = ((None, Ellipsis), (flat,))
    return Take.apply(input, key)  # type: ignore[no-any-return]


def masked_select(input: Tensor, mask: Any) -> Tensor:  # noqa: A002
    """The elements of ``input`` where the bool ``mask`` is True, as a 1-d tensor.

    ``input`` and ``mask`` broadcast together.

    Raises:
        RuntimeError: for a non-bool mask or shapes that do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> mt.masked_select(x, mt.tensor([True, False]))
        tensor([1., 3.])
    """
    key = masked_select_key(input, bool_mask("masked_select", mask))
    return MaskedSelect.apply(input, key)  # type: ignore[no-any-return]
