"""Joining and slicing along a dim: cat, stack, *stack, block_diag, split, chunk, unbind, narrow.

``tensor_split`` and ``split_with_sizes`` cut as ``split`` does; ``block_diag`` pads and joins.

The ops come in adjoint pairs, each one's backward being the other: ``cat`` and ``split``,
``stack`` and ``unbind``, ``narrow`` and constant padding (``ConstantPad``, used by ``pad``).
Pieces from ``split``, ``chunk``, ``unbind`` and ``narrow`` are views of the input, as in
PyTorch; ``cat`` and ``stack`` copy.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import normalize_dim
from microtensor.ops.shape import atleast_3d, reshape
from microtensor.tensor import Tensor

__all__ = [
    "block_diag",
    "cat",
    "chunk",
    "column_stack",
    "concat",
    "concatenate",
    "dsplit",
    "dstack",
    "hsplit",
    "hstack",
    "narrow",
    "narrow_copy",
    "row_stack",
    "split",
    "split_with_sizes",
    "stack",
    "tensor_split",
    "unbind",
    "unsafe_chunk",
    "unsafe_split",
    "vsplit",
    "vstack",
]


def _along(dim: int, index: Any) -> tuple[Any, ...]:
    """An index tuple selecting ``index`` (an int or a slice) along ``dim``, views only."""
    return (slice(None),) * dim + (index, Ellipsis)


class Cat(Op):
    """z = the inputs joined along dim;  dz/d(input i) = the slice of grad_out where input i sits.

    Inputs flagged in ``skip`` (PyTorch's legacy 1-D empty tensors) take no part.
    """

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
    if dual.is_array(x):
        return tuple(np.split(x, np.cumsum(sizes[:-1]).tolist(), axis=dim))
    return Split.apply(x, sizes, dim)  # type: ignore[no-any-return]


class Stack(Op):
    """z = the inputs stacked along a new dim;  dz/d(input i) = grad_out's i-th entry along it."""

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

    @staticmethod
    def forward(ctx: Any, a: Any, dim: int) -> Any:
        ctx.dim = dim
        return tuple(a[_along(dim, i)] for i in range(a.shape[dim]))

    @staticmethod
    def backward(ctx: Any, *grad_outs: Any) -> Any:
        if all(dual.is_array(g) for g in grad_outs):
            return np.stack(grad_outs, axis=ctx.dim)
        return Stack.apply(*grad_outs, dim=ctx.dim)


class Narrow(Op):
    """z = a[start:start + length] along dim (a view);  dz/da = grad_out zero-padded back."""

    @staticmethod
    def forward(ctx: Any, a: Any, dim: int, start: int, length: int) -> Any:
        ctx.widths = tuple(
            (start, n - start - length) if d == dim else (0, 0) for d, n in enumerate(a.shape)
        )
        return a[_along(dim, slice(start, start + length))]

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _pad_zeros(grad_out, ctx.widths)


class ConstantPad(Op):
    """z = a padded with value;  dz/da = grad_out cropped back (zero where a was cropped).

    ``widths[d] = (before, after)`` elements are added on dim d; negative widths crop.
    """

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


def _tensor_list(op: str, tensors: Any) -> list[Tensor]:
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
    return list(tensors)


def _promote_all(tensors: list[Tensor]) -> list[Tensor]:
    """Cast every tensor to the common dtype of all of them (differentiably)."""
    target = tensors[0]._data.dtype
    for t in tensors[1:]:
        target = dtypes.result_type(np.empty(1, target), np.empty(1, t._data.dtype))
    return [t if t._data.dtype == target else t.to(target) for t in tensors]


# --- public functions -------------------------------------------------------------------------


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
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
    tensors = _tensor_list("cat", tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
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


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
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
    tensors = _tensor_list("stack", tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
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
    tensors = [t if t._data.ndim else reshape(t, (1,)) for t in _tensor_list("hstack", tensors)]
    return cat(tensors, 0 if tensors and tensors[0]._data.ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 0, treating 0-d and 1-D tensors as rows.

    Example:
        >>> import microtensor as mt
        >>> mt.vstack([mt.tensor([1, 2]), mt.tensor([3, 4])])
        tensor([[1, 2],
                [3, 4]])
    """
    tensors = _tensor_list("vstack", tensors)
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
    tensors = _tensor_list("dstack", tensors)
    if not tensors:
        raise RuntimeError("dstack(): expects a non-empty TensorList")
    return cat([atleast_3d(t) for t in tensors], 2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Join as columns: 0-d and 1-d tensors become (n, 1) columns, then ``hstack``.

    Example:
        >>> import microtensor as mt
        >>> mt.column_stack([mt.tensor([1, 2]), mt.tensor([[3], [4]])])
        tensor([[1, 3],
                [2, 4]])
    """
    tensors = _tensor_list("column_stack", tensors)
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


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Views of ``tensor`` cut into pieces along ``dim``.

    An int ``split_size_or_sections`` gives pieces of that many elements (the last may be
    smaller); a list gives the size of each piece.

    Raises:
        RuntimeError: for a 0-d tensor, a negative size, a size of 0 for a non-empty dim, or a
            list that doesn't sum to the dim's size.
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.split(mt.arange(5), 2)
        (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    """
    if tensor._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = normalize_dim("split", dim, tensor._data.ndim)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, Sequence | np.ndarray):
        sizes = tuple(operator.index(s) for s in split_size_or_sections)
        if any(s < 0 for s in sizes):
            raise RuntimeError(
                f"split_with_sizes expects split_sizes have only non-negative "
                f"entries, but got split_sizes={list(sizes)}"
            )
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                f"size at dimension {d}), but got split_sizes={list(sizes)}"
            )
    else:
        size = operator.index(split_size_or_sections)
        if size < 0:
            raise RuntimeError(
                f"split expects split_size be non-negative, but got split_size={size}"
            )
        if size == 0 and n:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}"
            )
        count = max(-(-n // size), 1) if size else 1
        sizes = (size,) * (count - 1) + (n - size * (count - 1),)
    return Split.apply(tensor, sizes, d)  # type: ignore[no-any-return]


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """Split ``input`` into ``chunks`` views of ``ceil(size / chunks)`` elements along ``dim``.

    As in PyTorch, fewer chunks come back when the size doesn't allow that many.

    Raises:
        RuntimeError: for a 0-d tensor, or ``chunks`` < 1.
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> [c.tolist() for c in mt.chunk(mt.arange(6), 4)]
        [[0, 1], [2, 3], [4, 5]]
    """
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = normalize_dim("chunk", dim, input._data.ndim)
    n = input._data.shape[d]
    if n == 0:  # PyTorch keeps the number of (empty) chunks here
        return split(input, [0] * chunks, d)
    return split(input, -(-n // chunks), d)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """Views of the slices of ``input`` along ``dim``, that dim removed.

    Raises:
        IndexError: for a 0-d tensor or a dim out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.unbind(mt.tensor([[1, 2], [3, 4]]), 1)
        (tensor([1, 3]), tensor([2, 4]))
    """
    if input._data.ndim == 0:
        raise IndexError("unbind(): Dimension specified as 0 but tensor has no dimensions")
    d = normalize_dim("unbind", dim, input._data.ndim)
    return Unbind.apply(input, d)  # type: ignore[no-any-return]


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """A view of ``length`` elements of ``input`` along ``dim`` from ``start`` (may be negative).

    Raises:
        RuntimeError: for a 0-d tensor, a negative length, or a range past the end.
        IndexError: if ``dim`` or ``start`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.narrow(mt.tensor([[1, 2, 3], [4, 5, 6]]), 1, 1, 2)
        tensor([[2, 3],
                [5, 6]])
    """
    if input._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = normalize_dim("narrow", dim, input._data.ndim)
    n = input._data.shape[d]
    start, length = operator.index(start), operator.index(length)
    if not -n <= start <= n:
        raise IndexError(
            f"narrow(): start out of range (expected to be in range of [{-n}, {n}], "
            f"but got {start})"
        )
    start = start + n if start < 0 else start
    if length < 0:
        raise RuntimeError(f"narrow(): length must be non-negative, got {length}.")
    if start + length > n:
        raise RuntimeError(
            f"narrow(): start ({start}) + length ({length}) exceeds dimension size ({n})."
        )
    return Narrow.apply(input, d, start, length)  # type: ignore[no-any-return]


def split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """Views of ``input`` cut along ``dim`` into pieces of the given sizes (which sum to it).

    Raises:
        RuntimeError: for a negative size or sizes that do not sum to the dim's size.
        TypeError: if ``split_sizes`` is not a sequence of ints.

    Example:
        >>> import microtensor as mt
        >>> mt.split_with_sizes(mt.arange(5), [1, 4])
        (tensor([0]), tensor([1, 2, 3, 4]))
    """
    if not isinstance(split_sizes, Sequence | np.ndarray):
        raise TypeError(
            f"split_with_sizes(): argument 'split_sizes' must be a sequence of ints, not "
            f"{type(split_sizes).__name__}"
        )
    return split(input, split_sizes, dim)


def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """Views of ``input`` cut along ``dim``: into ``n`` near-equal parts, or at the indices given.

    An int (or 0-d int64 tensor) ``n`` gives ``n`` parts, the first ``size % n`` one element
    longer. A list (or 1-d int64 tensor) of indices cuts before each index, as Python slices
    ``input[:i0], input[i0:i1], ..., input[ik:]`` (so pieces may be empty).

    Raises:
        RuntimeError: for a 0-d input, ``n`` < 1, or an index tensor that is not int64 or has
            more than 1 dim.
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> [p.tolist() for p in mt.tensor_split(mt.arange(7), 3)]
        [[0, 1, 2], [3, 4], [5, 6]]
        >>> [p.tolist() for p in mt.tensor_split(mt.arange(7), [1, 5])]
        [[0], [1, 2, 3, 4], [5, 6]]
    """
    if input._data.ndim == 0:
        raise RuntimeError(
            "tensor_split(): expected at least a 1-dimensional tensor, but got a tensor with 0 dims"
        )
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        if spec._data.dtype != np.int64:
            raise RuntimeError(
                f"tensor_split(): expected tensor_indices_or_sections to have dtype of long, "
                f"but got {spec.dtype}"
            )
        if spec._data.ndim > 1:
            raise RuntimeError(
                "tensor_split(): expected tensor_indices_or_sections to be a zero-dimensional "
                f"or one-dimensional tensor, but got a tensor with {spec._data.ndim} dims"
            )
        spec = spec._data.tolist()
    d = normalize_dim("tensor_split", dim, input._data.ndim)
    if isinstance(spec, Sequence):
        bounds = [None, *(operator.index(i) for i in spec), None]
    else:
        sections = operator.index(spec)
        if sections <= 0:
            raise RuntimeError(
                f"tensor_split(): number of sections must be larger than 0, got {sections}"
            )
        size = input._data.shape[d]
        base, extra = divmod(size, sections)
        bounds = [int(i * base + min(i, extra)) for i in range(sections + 1)]
    return tuple(
        input[_along(d, slice(start, end))] for start, end in zip(bounds, bounds[1:], strict=False)
    )


def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """``narrow`` as a copy rather than a view.

    Example:
        >>> import microtensor as mt
        >>> mt.narrow_copy(mt.tensor([1, 2, 3]), 0, 1, 2)
        tensor([2, 3])
    """
    return narrow(input, dim, start, length).clone()


def _directional_split(op: str, dim: int, min_dims: int, input: Tensor, spec: Any) -> Any:  # noqa: A002
    ndim = input._data.ndim
    if ndim < min_dims:
        raise RuntimeError(
            f"{op}(): requires a tensor with at least {min_dims} dimension, but got a tensor "
            f"with {ndim} dimensions!"
        )
    if not isinstance(spec, Sequence | Tensor):
        size = input._data.shape[dim]
        sections = operator.index(spec)
        if sections == 0 or size % sections:
            raise RuntimeError(
                f"{op}(): attempted to split along dimension {dim}, but the size of the "
                f"dimension {size} is not divisible by the split_size {sections}!"
            )
    return tensor_split(input, spec, dim)


def hsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """``tensor_split`` along dim 1 (dim 0 for a 1-d tensor); a count must divide the size.

    Raises:
        RuntimeError: for a 0-d tensor, or a number of sections that does not divide the dim.

    Example:
        >>> import microtensor as mt
        >>> [p.shape for p in mt.hsplit(mt.ones(2, 4), 2)]
        [microtensor.Size([2, 2]), microtensor.Size([2, 2])]
    """
    dim = 1 if input._data.ndim > 1 else 0
    return _directional_split("hsplit", dim, 1, input, indices_or_sections)  # type: ignore[no-any-return]


def vsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """``tensor_split`` along dim 0 of a tensor with at least 2 dims; a count must divide it.

    Example:
        >>> import microtensor as mt
        >>> [p.shape for p in mt.vsplit(mt.ones(4, 2), [1])]
        [microtensor.Size([1, 2]), microtensor.Size([3, 2])]
    """
    return _directional_split("vsplit", 0, 2, input, indices_or_sections)  # type: ignore[no-any-return]


def dsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """``tensor_split`` along dim 2 of a tensor with at least 3 dims; a count must divide it.

    Example:
        >>> import microtensor as mt
        >>> [p.shape for p in mt.dsplit(mt.ones(1, 2, 4), 2)]
        [microtensor.Size([1, 2, 2]), microtensor.Size([1, 2, 2])]
    """
    return _directional_split("dsplit", 2, 3, input, indices_or_sections)  # type: ignore[no-any-return]


def unsafe_split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """``split`` (PyTorch's variant that skips view checks; here the same views).

    Example:
        >>> import microtensor as mt
        >>> len(mt.unsafe_split(mt.arange(5), 2))
        3
    """
    return split(tensor, split_size_or_sections, dim)


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``chunk`` (PyTorch's variant that skips view checks; here the same views).

    Example:
        >>> import microtensor as mt
        >>> len(mt.unsafe_chunk(mt.arange(5), 2))
        2
    """
    return chunk(input, chunks, dim)
