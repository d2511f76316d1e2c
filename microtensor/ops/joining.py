"""Joining along a dim: cat, stack, hstack, vstack, dstack, column_stack, block_diag.

The Function classes come in adjoint pairs, each one's backward being the other, so they stay
together here: ``Cat`` and ``Split``, ``Stack`` and ``Unbind``, ``Narrow`` and constant padding
(``ConstantPad``, used by ``pad``). The public splitting functions built on ``Split``,
``Unbind`` and ``Narrow`` are in ``splitting.py``. ``cat`` and ``stack`` copy; ``block_diag``
pads and joins.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._numpy_names import numpy_names
from microtensor._out_argument import write_out
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import normalize_dim
from microtensor.ops.shape import atleast_3d, reshape
from microtensor.tensor import Tensor

__all__ = [
    "block_diag",
    "cat",
    "column_stack",
    "concat",
    "concatenate",
    "dstack",
    "hstack",
    "row_stack",
    "stack",
    "vstack",
]


def _along(dim: int, index: Any) -> tuple[Any, ...]:
    """An index tuple selecting ``index`` (an int or a slice) along ``dim``, views only."""
    return (slice(None),) * dim + (index, Ellipsis)


class Cat(Op):
    """z = the inputs joined along dim;  dz/d(input i) = the slice of grad_out where input i sits.

    Inputs flagged in ``skip`` (PyTorch's legacy 1-D empty tensors) take no part.
    """

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, *arrays: Any, dim: int, skip: tuple[bool, ...]) -> Any:
        ctx.dim, ctx.skip = dim, skip
        kept = [a for a, s in zip(arrays, skip, strict=True) if not s]
        ctx.sizes = tuple(a.shape[dim] for a in kept)
        return np.concatenate(kept, axis=dim)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        pieces = iter(_split(grad_out, ctx.sizes, ctx.dim))
        if dual.is_array(grad_out):
            empty = np.zeros(0, grad_out.dtype)
        else:  # an empty slice of grad_out, so it stays part of the recorded graph
            empty = Narrow.apply(grad_out.reshape(-1), 0, 0, 0)
        return tuple(empty if s else next(pieces) for s in ctx.skip)


class Split(Op):
    """z_k = the k-th block of sizes[k] slices of a along dim;  dz/da = the z_k gradients joined."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, sizes: tuple[int, ...], dim: int) -> Any:
        ctx.dim = dim
        ends = np.cumsum(sizes).tolist()
        pieces = zip(sizes, ends, strict=True)
        return tuple(a[_along(dim, slice(end - n, end))] for n, end in pieces)

    @staticmethod
    def backward(ctx: Any, *grad_outs: Any) -> Any:
        if all(dual.is_array(g) for g in grad_outs):
            return np.concatenate(grad_outs, axis=ctx.dim)
        return Cat.apply(*grad_outs, dim=ctx.dim, skip=(False,) * len(grad_outs))


def _split(x: Any, sizes: tuple[int, ...], dim: int) -> tuple[Any, ...]:
    if dual.is_array(x):  # views by slicing: much cheaper than np.split for many small pieces
        lead = (slice(None),) * dim
        pieces = zip(sizes, _ends(sizes), strict=True)
        return tuple([x[(*lead, slice(end - n, end))] for n, end in pieces])
    return Split.apply(x, sizes, dim)  # type: ignore[no-any-return]


def _ends(sizes: tuple[int, ...]) -> list[int]:
    """Where each of consecutive blocks of ``sizes`` ends."""
    ends, end = [], 0
    for n in sizes:
        end += n
        ends.append(end)
    return ends


class Stack(Op):
    """z = the inputs stacked along a new dim;  dz/d(input i) = grad_out's i-th entry along it."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, *arrays: Any, dim: int) -> Any:
        ctx.dim = dim
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        if dual.is_array(grad_out):
            return tuple(grad_out[_along(ctx.dim, i)] for i in range(grad_out.shape[ctx.dim]))
        return Unbind.apply(grad_out, ctx.dim)


class Unbind(Op):
    """z_i = a's i-th entry along dim (that dim removed);  dz/da = the z_i gradients stacked."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, dim: int) -> Any:
        ctx.dim = dim
        return tuple(a[_along(dim, i)] for i in range(a.shape[dim]))

    @staticmethod
    def backward(ctx: Any, *grad_outs: Any) -> Any:
        if all(dual.is_array(g) for g in grad_outs):
            return np.stack(grad_outs, axis=ctx.dim)
        return Stack.apply(*grad_outs, dim=ctx.dim)


class Narrow(Op, node_name="SliceBackward0"):
    """z = a[start:start + length] along dim (a view);  dz/da = grad_out zero-padded back."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, dim: int, start: int, length: int) -> Any:
        ctx.widths = tuple(
            (start, n - start - length) if d == dim else (0, 0) for d, n in enumerate(a.shape)
        )
        return a[_along(dim, slice(start, start + length))]

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _pad_zeros(grad_out, ctx.widths)


class ConstantPad(Op, node_name="ConstantPadNdBackward0"):
    """z = a padded with value;  dz/da = grad_out cropped back (zero where a was cropped).

    ``widths[d] = (before, after)`` elements are added on dim d; negative widths crop.
    """

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, widths: tuple[tuple[int, int], ...], value: Any) -> Any:
        ctx.widths = widths
        return _constant_pad(a, widths, value)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _pad_zeros(grad_out, tuple((-before, -after) for before, after in ctx.widths))


def _constant_pad(a: Any, widths: tuple[tuple[int, int], ...], value: Any) -> Any:
    crop = tuple(
        slice(max(-before, 0), n - max(-after, 0))
        for (before, after), n in zip(widths, a.shape, strict=True)
    )
    grow = [(max(before, 0), max(after, 0)) for before, after in widths]
    if not any(before or after for before, after in grow):
        return a[crop].copy()
    return np.pad(a[crop], grow, constant_values=value)


def _pad_zeros(x: Any, widths: tuple[tuple[int, int], ...]) -> Any:
    if dual.is_array(x):
        return _constant_pad(x, widths, 0)
    return ConstantPad.apply(x, widths, 0)


# --- argument handling ------------------------------------------------------------------------


def _tensor_list(op: str, tensors: Any, *, non_empty: bool = False) -> list[Tensor]:
    """``tensors`` as a list, checked: a sequence of Tensors (non-empty if asked, as stack's)."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, Sequence):
        raise TypeError(
            f"{op}(): argument 'tensors' must be a tuple or list of Tensors, not "
            f"{type(tensors).__name__}"
        )
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{op}(): expected a Tensor at position {i} of 'tensors', got {type(t).__name__}"
            )
    if non_empty and not tensors:
        raise RuntimeError(f"{op} expects a non-empty TensorList: pass at least one tensor")
    return list(tensors)


def _joinable(tensors: list[Tensor], dim: int) -> int | None:
    """``dim`` made non-negative when ``cat`` needs no check, cast or skip, else None.

    That is: one dtype, the same number (> 0) of dims, sizes equal except along ``dim``,
    and no legacy 1-D empty tensor.
    """
    first = tensors[0]._data
    ref, dtype = first.shape, first.dtype
    if not ref or ref == (0,) or dim.__class__ is not int or not -len(ref) <= dim < len(ref):
        return None
    d = dim % len(ref)
    for t in tensors:
        data = t._data
        shape = data.shape
        if data.dtype != dtype:
            return None
        if shape != ref and (
            len(shape) != len(ref) or shape[:d] != ref[:d] or shape[d + 1 :] != ref[d + 1 :]
        ):
            return None
    return d


def _promote_all(tensors: list[Tensor]) -> list[Tensor]:
    """Cast every tensor to the common dtype of all of them (differentiably)."""
    target = tensors[0]._data.dtype
    for t in tensors[1:]:
        target = dtypes.result_type(np.empty(1, target), np.empty(1, t._data.dtype))
    return [t if t._data.dtype == target else t.to(target) for t in tensors]


# --- public functions -------------------------------------------------------------------------


@numpy_names
def cat(tensors: Sequence[Tensor], dim: int = 0, *, out: Any = None) -> Tensor:
    """Join tensors along an existing dim ``dim``; all other sizes must match.

    Inputs of different dtypes are promoted to a common dtype. As in PyTorch, 1-D empty
    tensors (shape ``(0,)``) are skipped whatever the other tensors' shapes.

    Raises:
        ValueError: for an empty list.
        RuntimeError: for 0-d tensors, different numbers of dims or mismatched sizes.
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.cat([mt.tensor([[1, 2]]), mt.tensor([[3, 4], [5, 6]])])
        tensor([[1, 2],
                [3, 4],
                [5, 6]])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, cat(tensors, dim), "cat")
    tensors = _tensor_list("cat", tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    d = _joinable(tensors, dim)
    if d is not None:  # fast path: one dtype, sizes that match, nothing to skip
        return Cat.apply(*tensors, dim=d, skip=(False,) * len(tensors))  # type: ignore[no-any-return]
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(
                f"cat(): zero-dimensional tensor (at position {i}) cannot be "
                "concatenated; unsqueeze it to shape (1,) or use stack()"
            )
    skip = tuple(t._data.shape == (0,) for t in tensors)
    if all(skip):
        skip = (False,) * len(tensors)
    kept = [(i, t._data.shape) for i, (t, s) in enumerate(zip(tensors, skip, strict=True)) if not s]
    first = kept[0][1]
    d = normalize_dim("cat", dim, len(first))
    for i, shape in kept:
        if len(shape) != len(first):
            raise RuntimeError(
                f"cat(): Tensors must have same number of dimensions: got "
                f"{len(first)} and {len(shape)} (shapes {first} and {shape})"
            )
        for k, (n, m) in enumerate(zip(first, shape, strict=True)):
            if k != d and n != m:
                raise RuntimeError(
                    f"cat(): Sizes of tensors must match except in dimension {d}. Expected "
                    f"size {n} but got size {m} for tensor number {i} in the list (shapes "
                    f"{first} and {shape}); only dim {d} may differ"
                )
    return Cat.apply(*_promote_all(tensors), dim=d, skip=skip)  # type: ignore[no-any-return]


concat = concatenate = cat


@numpy_names
def stack(tensors: Sequence[Tensor], dim: int = 0, *, out: Any = None) -> Tensor:
    """Join equally shaped tensors along a new dim ``dim``.

    Raises:
        RuntimeError: for an empty list or tensors of different shapes.
        IndexError: if ``dim`` is out of range (``[-ndim - 1, ndim]``).

    Example:
        >>> import microtensor as mt
        >>> mt.stack([mt.tensor([1, 2]), mt.tensor([3, 4])], dim=1)
        tensor([[1, 3],
                [2, 4]])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, stack(tensors, dim), "stack")
    tensors = _tensor_list("stack", tensors, non_empty=True)
    first = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != first:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got "
                f"{list(first)} at entry 0 and {list(t._data.shape)} at entry {i}"
            )
    d = normalize_dim("stack", dim, len(first) + 1)
    return Stack.apply(*_promote_all(tensors), dim=d)  # type: ignore[no-any-return]


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1 (dim 0 for 1-D tensors); 0-d tensors count as 1-D.

    Example:
        >>> import microtensor as mt
        >>> mt.hstack([mt.tensor([1, 2]), mt.tensor([3])])
        tensor([1, 2, 3])
    """
    tensors = _tensor_list("hstack", tensors, non_empty=True)
    tensors = [t if t._data.ndim else reshape(t, (1,)) for t in tensors]
    return cat(tensors, 0 if tensors and tensors[0]._data.ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 0, treating 0-d and 1-D tensors as rows.

    Example:
        >>> import microtensor as mt
        >>> mt.vstack([mt.tensor([1, 2]), mt.tensor([3, 4])])
        tensor([[1, 2],
                [3, 4]])
    """
    tensors = _tensor_list("vstack", tensors, non_empty=True)
    return cat([t if t._data.ndim >= 2 else reshape(t, (1, -1)) for t in tensors], 0)


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 2 after ``atleast_3d`` ((n,) is (1, n, 1), (m, n) is (m, n, 1)).

    Raises:
        RuntimeError: for no tensors, or shapes that do not fit.

    Example:
        >>> import microtensor as mt
        >>> mt.dstack([mt.tensor([1, 2]), mt.tensor([3, 4])])
        tensor([[[1, 3],
                 [2, 4]]])
    """
    tensors = _tensor_list("dstack", tensors, non_empty=True)
    return cat([atleast_3d(t) for t in tensors], 2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Join as columns: 0-d and 1-d tensors become (n, 1) columns, then ``hstack``.

    Example:
        >>> import microtensor as mt
        >>> mt.column_stack([mt.tensor([1, 2]), mt.tensor([[3], [4]])])
        tensor([[1, 3],
                [2, 4]])
    """
    tensors = _tensor_list("column_stack", tensors, non_empty=True)
    return hstack([t if t._data.ndim >= 2 else reshape(t, (-1, 1)) for t in tensors])


def row_stack(tensors: Sequence[Tensor]) -> Tensor:
    """``vstack`` (PyTorch's alias).

    Example:
        >>> import microtensor as mt
        >>> mt.row_stack([mt.tensor([1, 2]), mt.tensor([3, 4])]).shape
        microtensor.Size([2, 2])
    """
    return vstack(tensors)


def block_diag(*tensors: Tensor) -> Tensor:
    """A block-diagonal matrix with the given tensors (0-d, 1-d as a row, or 2-d) as blocks.

    The dtype is the promotion of all inputs; zeros fill the rest.

    Raises:
        RuntimeError: for a tensor with more than 2 dims.

    Example:
        >>> import microtensor as mt
        >>> mt.block_diag(mt.tensor([[1, 2]]), mt.tensor(3))
        tensor([[1, 2, 0],
                [0, 0, 3]])
    """
    blocks = []
    for i, t in enumerate(tensors):
        if t._data.ndim > 2:
            raise RuntimeError(
                f"block_diag(): Input tensors must have 2 or fewer dimensions. Input {i} has "
                f"{t._data.ndim} dimensions"
            )
        blocks.append(t if t._data.ndim == 2 else reshape(t, (1, -1)))
    if not blocks:
        return Tensor._make(np.zeros((1, 0), dtypes.get_default_dtype().numpy))
    blocks = _promote_all(blocks)
    width = sum(b._data.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        n = b._data.shape[1]
        widths = ((0, 0), (left, width - left - n))
        rows.append(ConstantPad.apply(b, widths, 0))
        left += n
    return cat(rows, 0)
