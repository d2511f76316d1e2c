"""Splitting and slicing along a dim: split, chunk, unbind, narrow, tensor_split and kin.

``tensor_split`` and ``split_with_sizes`` cut as ``split`` does; ``hsplit``, ``vsplit`` and
``dsplit`` are ``tensor_split`` along a fixed dim. Pieces are views of the input, as in PyTorch.
The Function classes (``Split``, ``Unbind``, ``Narrow``) sit in ``joining.py`` with their
adjoints (``Cat``, ``Stack``, ``ConstantPad``).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor._numpy_names import numpy_names
from microtensor.ops._common import normalize_dim
from microtensor.ops.joining import Narrow, Split, Unbind, _along
from microtensor.tensor import Tensor

__all__ = [
    "chunk",
    "dsplit",
    "hsplit",
    "narrow",
    "narrow_copy",
    "split",
    "split_with_sizes",
    "tensor_split",
    "unbind",
    "unsafe_chunk",
    "unsafe_split",
    "vsplit",
]


class SplitWithSizes(Split, node_name="SplitWithSizesBackward0"):
    """``split`` with a list of sizes (torch's split_with_sizes)."""


@numpy_names
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
    op: type[Split] = SplitWithSizes
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
        op = Split
    return op.apply(tensor, sizes, d)  # type: ignore[no-any-return]


@numpy_names
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


@numpy_names
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


@numpy_names
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """A view of ``length`` elements of ``input`` along ``dim`` from ``start`` (may be negative).

    Raises:
        RuntimeError: for a 0-d tensor, a negative length, a range past the end, or a
            ``start`` tensor that is not a 0-d integer one.
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
    if isinstance(start, Tensor) and (start._data.ndim or start._data.dtype.kind not in "iu"):
        raise RuntimeError(
            f"narrow(): start must be an 0-dim integral Tensor, got shape "
            f"{list(start._data.shape)} and dtype {start.dtype}: pass an int or start.item()"
        )
    start, length = _int_arg("start", 3, start), _int_arg("length", 4, length)
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


def _int_arg(name: str, position: int, value: Any) -> int:
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(
            f"narrow(): argument '{name}' (position {position}) must be int, not "
            f"{type(value).__name__}"
        ) from None


@numpy_names
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


@numpy_names
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


@numpy_names
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


@numpy_names
def unsafe_split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """``split`` (PyTorch's variant that skips view checks; here the same views).

    Example:
        >>> import microtensor as mt
        >>> len(mt.unsafe_split(mt.arange(5), 2))
        3
    """
    return split(tensor, split_size_or_sections, dim)


@numpy_names
def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``chunk`` (PyTorch's variant that skips view checks; here the same views).

    Example:
        >>> import microtensor as mt
        >>> len(mt.unsafe_chunk(mt.arange(5), 2))
        2
    """
    return chunk(input, chunks, dim)
