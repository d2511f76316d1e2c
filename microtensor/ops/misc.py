"""Ops built from indexing: one_hot, repeat_interleave, index_add, bincount, fill_diagonal.

The differentiable ones are the indexing ops (``GetItem``, ``IndexPut``, ``IndexAddZeros``) at
a computed key, so their gradients, and second derivatives, come from indexing. More assorted
ops are in ``misc_math.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.ops._common import normalize_dim
from microtensor.ops._index_key import check_index, index_array
from microtensor.ops.indexing import GetItem, IndexAddZeros, IndexPut
from microtensor.tensor import Tensor

__all__ = ["bincount", "fill_diagonal_op", "index_add", "one_hot", "repeat_interleave"]


class RepeatInterleave(GetItem):
    """z = a[:, index] (dim 1) with each position repeated: GetItem at an advanced key."""


class IndexAdd(IndexPut):
    """z = a with z[:, index[i]] += v[:, i] (dim 1): IndexPut with accumulation."""


class FillDiagonal(IndexPut):
    """z = a with its diagonal set to a number: IndexPut at the diagonal positions."""


class Bincount(IndexAddZeros):
    """z[k] = sum of w_i over i with input_i == k: IndexAddZeros;  dz/dw_i = grad[input_i]."""


# --- built from the indexing ops -------------------------------------------------------------


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Each class index of ``tensor`` (int64) as a row of zeros with a 1 at that index.

    Args:
        tensor: class indices, an int64 tensor of any shape.
        num_classes: the row length; -1 means ``tensor.max() + 1``.

    Returns:
        An int64 tensor of shape ``(*tensor.shape, num_classes)``.

    Raises:
        RuntimeError: for a tensor that is not int64, a negative class, a class not smaller
            than ``num_classes``, or ``num_classes=-1`` with an empty tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.one_hot(mt.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    data = tensor._data
    if data.dtype != np.int64:
        raise RuntimeError(
            f"one_hot(): one_hot is only applicable to index tensor of type LongTensor, got "
            f"{tensor.dtype}: convert it with .long()"
        )
    if num_classes == -1:
        if data.size == 0:
            raise RuntimeError(
                "one_hot(): Can not infer total number of classes from empty tensor; pass "
                "num_classes"
            )
        num_classes = int(data.max()) + 1
    if data.size and data.min() < 0:
        raise RuntimeError(f"one_hot(): Class values must be non-negative, got {data.min()}")
    if data.size and data.max() >= num_classes or num_classes < 0:
        raise RuntimeError(
            f"one_hot(): Class values must be smaller than num_classes ({num_classes}), got "
            f"{data.max() if data.size else num_classes}"
        )
    return Tensor._make((data[..., None] == np.arange(num_classes)).astype(np.int64))


def repeat_interleave(
    input: Tensor,  # noqa: A002
    repeats: Any = None,
    dim: int | None = None,
    *,
    output_size: int | None = None,
) -> Tensor:
    """Repeat each element (or slice along ``dim``) ``repeats`` times, keeping the order.

    ``repeats`` is an int or a 0-d/1-d integer tensor (one count per position of ``dim``, or
    one for all). With ``dim=None`` the input is flattened first. Called with one integer
    tensor only, ``repeat_interleave(repeats)`` gives ``arange(len(repeats))`` repeated.

    Raises:
        RuntimeError: for negative repeats, a repeats tensor that is not 0-d/1-d or whose
            length does not match, or a wrong ``output_size``.
        NotImplementedError: for a floating repeats tensor (as PyTorch).
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> mt.repeat_interleave(x, mt.tensor([1, 2]), dim=0)
        tensor([[1., 2.],
                [3., 4.],
                [3., 4.]])
        >>> mt.repeat_interleave(mt.tensor([2, 1]))
        tensor([0, 0, 1])
    """
    if repeats is None:
        counts = _repeats(input, 0, None)
        return Tensor._make(np.repeat(np.arange(counts.size), counts))
    if dim is None or input._data.ndim == 0:
        input = ops.reshape(input, (-1,))  # noqa: A001
        dim = 0
    d = normalize_dim("repeat_interleave", dim, input._data.ndim)
    counts = _repeats(repeats, input._data.shape[d], d)
    index = np.repeat(np.arange(input._data.shape[d]), counts)
    if output_size is not None and output_size != index.size:
        raise RuntimeError(
            f"repeat_interleave(): output_size={output_size} does not match the repeated size "
            f"{index.size}"
        )
    return RepeatInterleave.apply(input, ((Ellipsis,), (slice(None),) * d + (index,)))  # type: ignore[no-any-return]


def _repeats(repeats: Any, size: int, dim: int | None) -> np.ndarray:
    """The repeat counts as an int64 array of length ``size`` (or of its own length)."""
    counts = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if counts.dtype.kind not in "iu":
        raise NotImplementedError(
            f"repeat_interleave(): repeats must be an integer tensor, got {counts.dtype}"
        )
    if counts.ndim > 1:
        raise RuntimeError(
            f"repeat_interleave(): repeats must be 0-dim or 1-dim tensor, got shape "
            f"{list(counts.shape)}"
        )
    if counts.size and counts.min() < 0:
        raise RuntimeError(f"repeat_interleave(): Repeats must be non-negative, got {counts}")
    if dim is None:
        return counts.reshape(-1).astype(np.int64)
    if counts.size == 1:
        return np.full(size, counts.reshape(()), np.int64)
    if counts.size != size:
        raise RuntimeError(
            f"repeat_interleave(): repeats must have the same size as input along dim, but "
            f"got repeats.size(0) = {counts.size} and input.size({dim}) = {size}"
        )
    return counts.astype(np.int64)


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


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:  # noqa: A002
    """How often each value ``0, 1, ..., max(input)`` occurs in the 1-d int tensor ``input``.

    With ``weights`` each occurrence adds its weight instead of 1 (float32 weights give
    float32, other weights float64). The result has at least ``minlength`` entries.
    Differs from PyTorch: the result is differentiable with respect to ``weights``.

    Raises:
        RuntimeError: for an input that is not 1-d or has negative values, weights of another
            shape, or a negative ``minlength``.
        NotImplementedError: for a floating or bool input (as PyTorch).

    Example:
        >>> import microtensor as mt
        >>> mt.bincount(mt.tensor([0, 1, 1, 3]))
        tensor([1, 2, 0, 1])
        >>> mt.bincount(mt.tensor([0, 1, 1]), weights=mt.tensor([0.5, 1.0, 2.0]))
        tensor([0.5000, 3.0000])
    """
    data = input._data
    if data.dtype.kind not in "iu":
        raise NotImplementedError(f"bincount(): not implemented for {input.dtype}; use .long()")
    if data.ndim != 1 or data.size and data.min() < 0:
        raise RuntimeError(
            f"bincount(): bincount only supports 1-d non-negative integral inputs, got shape "
            f"{list(data.shape)}"
        )
    if minlength < 0:
        raise RuntimeError(f"bincount(): minlength should be >= 0, got {minlength}")
    length = max(int(data.max()) + 1 if data.size else 0, minlength)
    if weights is None or data.size == 0:  # PyTorch: int64 zeros for no input, even weighted
        return Tensor._make(np.bincount(data, minlength=length).astype(np.int64))
    if weights._data.shape != data.shape:
        raise RuntimeError(
            f"bincount(): weights should be 1-d and have the same length as input, got "
            f"{list(weights._data.shape)} for input {list(data.shape)}"
        )
    if weights._data.dtype not in (np.float32, np.float64):
        weights = weights.to("float64")
    key = ((Ellipsis,), (data.astype(np.int64),))
    return Bincount.apply(weights, (length,), key)  # type: ignore[no-any-return]


def fill_diagonal_op(input: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:  # noqa: A002
    """A copy of ``input`` with its main diagonal set to ``fill_value`` (``t.fill_diagonal_``).

    For a matrix taller than wide, ``wrap=True`` starts the diagonal again after a gap of one
    row, every ``cols + 1`` rows (NumPy's and PyTorch's rule). The gradient of ``input`` is 0
    on the diagonal.

    Raises:
        RuntimeError: for fewer than 2 dims, or more than 2 dims of different lengths.

    Example:
        >>> import microtensor as mt
        >>> mt.fill_diagonal_op(mt.zeros(2, 3), 5.0)
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
