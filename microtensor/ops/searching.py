"""Searching values without gradients: unique, unique_consecutive, searchsorted."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from microtensor._numpy_names import numpy_names
from microtensor.ops._common import normalize_dim
from microtensor.tensor import Tensor

__all__ = ["bucketize", "isin", "searchsorted", "unique", "unique_consecutive"]


@numpy_names
def unique(
    input: Tensor,  # noqa: A002
    sorted: bool = True,  # noqa: A002
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """The distinct elements (or slices along ``dim``), sorted; no gradient.

    Args:
        input: the tensor.
        sorted: accepted for compatibility; the result is always sorted (as PyTorch on CPU).
        return_inverse: also return, for each input element (slice), the index of its value
            in the result (int64, shaped like the input, or like ``dim``).
        return_counts: also return how often each distinct value occurs (int64).
        dim: compare whole slices along this dim; None flattens the input.

    Returns:
        The tensor, or a tuple ``(output, inverse?, counts?)`` when either flag is set. NaNs
        are all distinct, as in PyTorch.

    Raises:
        IndexError: if ``dim`` is out of range (a 0-d input has no dims).
        RuntimeError: if another dim has size 0 (nothing to compare).

    Example:
        >>> import microtensor as mt
        >>> mt.unique(mt.tensor([3, 1, 3, 2]), return_counts=True)
        (tensor([1, 2, 3]), tensor([1, 1, 2]))
    """
    a = input._data
    if dim is None:
        values, inverse, counts = np.unique(
            a.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False
        )
        inverse = inverse.reshape(a.shape)
    else:
        d = _unique_dim("unique", a, dim)
        values, inverse, counts = np.unique(
            a, return_inverse=True, return_counts=True, axis=d, equal_nan=False
        )
        inverse = inverse.reshape(-1)
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


@numpy_names
def unique_consecutive(
    input: Tensor,  # noqa: A002
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """Collapse each run of equal consecutive elements (or slices along ``dim``) to one.

    Returns and raises as ``unique``.

    Example:
        >>> import microtensor as mt
        >>> mt.unique_consecutive(mt.tensor([1, 1, 2, 2, 1]), return_inverse=True)
        (tensor([1, 2, 1]), tensor([0, 0, 1, 1, 2]))
    """
    a = input._data
    d = 0 if dim is None else _unique_dim("unique_consecutive", a, dim)
    rest = int(np.prod([n for i, n in enumerate(a.shape) if i != d]))
    work = a.reshape(-1) if dim is None else np.moveaxis(a, d, 0).reshape(a.shape[d], rest)
    new = np.ones(work.shape[0], bool)
    if work.shape[0] > 1:
        differs = work[1:] != work[:-1]
        new[1:] = differs.reshape(differs.shape[0], -1).any(axis=1)
    starts = np.flatnonzero(new)
    counts = np.diff(np.append(starts, work.shape[0]))
    inverse = np.cumsum(new) - 1
    values = np.take(a.reshape(-1) if dim is None else a, starts, axis=d)
    inverse = inverse.reshape(a.shape) if dim is None else inverse
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


def _unique_dim(op: str, a: np.ndarray, dim: int) -> int:
    if a.ndim == 0:
        raise IndexError(f"{op}(): Dimension specified as {dim} but tensor has no dimensions")
    d = normalize_dim(op, dim, a.ndim)
    if any(n == 0 for i, n in enumerate(a.shape) if i != d):
        raise RuntimeError(
            f"{op}(): There are 0 sized dimensions, and they aren't selected, so unique "
            f"cannot be applied (input shape {tuple(a.shape)}, dim={dim})"
        )
    return d


def _unique_result(
    values: np.ndarray,
    inverse: np.ndarray,
    counts: np.ndarray,
    with_inverse: bool,
    with_counts: bool,
) -> Any:
    """The output, then the inverse and the counts if asked for (int64)."""
    extra = [x for x, wanted in ((inverse, with_inverse), (counts, with_counts)) if wanted]
    out = Tensor._make(np.ascontiguousarray(values))
    return (out, *(Tensor._make(np.asarray(x, np.int64)) for x in extra)) if extra else out


def searchsorted(
    sorted_sequence: Tensor,
    input: Any,  # noqa: A002
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: Any = None,
) -> Tensor:
    """For each value of ``input``, the index where it would be inserted to keep order.

    ``sorted_sequence`` is sorted along its last dim: 1-d (shared by all values), or with the
    same leading dims as ``input`` (one sequence per row). ``right`` (or ``side='right'``)
    puts a value after equal elements instead of before. ``sorter`` gives the indices that
    sort an unsorted ``sorted_sequence``. No gradient.

    Raises:
        RuntimeError: for a 0-d sequence, mismatched leading dims, a scalar ``input`` with an
            N-d sequence, conflicting ``side``/``right``, an unknown ``side``, or a ``sorter``
            of the wrong size or out of range.

    Example:
        >>> import microtensor as mt
        >>> edges = mt.tensor([1.0, 3.0, 5.0])
        >>> mt.searchsorted(edges, mt.tensor([0.0, 3.0, 6.0]))
        tensor([0, 1, 3])
        >>> mt.searchsorted(edges, 3, right=True)
        tensor(2)
    """
    seq = sorted_sequence._data
    values = input._data if isinstance(input, Tensor) else np.asarray(input)
    side = _search_side(side, right)
    if seq.ndim == 0:
        raise RuntimeError(
            "searchsorted(): boundaries tensor should have positive dimension, but got 0 dimension"
        )
    if sorter is not None:
        seq = _apply_sorter(seq, sorter)
    if seq.ndim == 1:
        out = np.searchsorted(seq, values, side=side)
    else:
        if not isinstance(input, Tensor) or values.shape[:-1] != seq.shape[:-1]:
            raise RuntimeError(
                f"searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                f"dimensions of boundaries tensor and input value tensor must match, but we "
                f"got boundaries tensor {list(seq.shape)} and input value tensor "
                f"{list(values.shape)}"
            )
        count = int(np.prod(seq.shape[:-1]))
        rows = seq.reshape(count, seq.shape[-1])
        wanted = values.reshape(count, values.shape[-1])
        found = [np.searchsorted(r, v, side=side) for r, v in zip(rows, wanted, strict=True)]
        out = np.stack(found) if found else np.zeros(wanted.shape, np.int64)
        out = out.reshape(values.shape)
    if values.dtype.kind == "f":  # PyTorch puts NaN after everything, even after NaNs
        out = np.where(np.isnan(values), seq.shape[-1], out)
    return Tensor._make(np.asarray(out, np.int32 if out_int32 else np.int64))


def _search_side(side: str | None, right: bool) -> Literal["left", "right"]:
    if side is None:
        return "right" if right else "left"
    if side not in ("left", "right"):
        raise RuntimeError(f"searchsorted(): side can only be 'left' or 'right' but got {side}")
    if right and side == "left":
        raise RuntimeError(
            "searchsorted(): side and right can't be set to opposites, got side of left while "
            "right was True"
        )
    return "right" if side == "right" else "left"


def _apply_sorter(seq: np.ndarray, sorter: Any) -> np.ndarray:
    order = sorter._data if isinstance(sorter, Tensor) else np.asarray(sorter)
    if order.shape != seq.shape:
        raise RuntimeError(
            f"searchsorted(): boundary and sorter must have the same size, but got boundary "
            f"tensor {list(seq.shape)} and got sorter tensor {list(order.shape)}"
        )
    if order.size and (order.min() < 0 or order.max() >= seq.shape[-1]):
        raise RuntimeError(
            f"searchsorted(): sorter index out of range: each index must be in [0, {seq.shape[-1]})"
        )
    return np.take_along_axis(seq, order.astype(np.int64), axis=-1)


def bucketize(
    input: Any,  # noqa: A002
    boundaries: Tensor,
    *,
    out_int32: bool = False,
    right: bool = False,
) -> Tensor:
    """The bucket of each value: the index i with ``boundaries[i-1] < x <= boundaries[i]``.

    With ``right=True``, ``boundaries[i-1] <= x < boundaries[i]``. ``boundaries`` is a sorted
    1-d tensor; ``input`` a tensor or a number (giving a 0-d result). This is
    ``searchsorted(boundaries, input, right=right)``. No gradient.

    Raises:
        RuntimeError: if ``boundaries`` is not 1-d.

    Example:
        >>> import microtensor as mt
        >>> mt.bucketize(mt.tensor([0.5, 1.0, 4.0]), mt.tensor([1.0, 3.0]))
        tensor([0, 0, 2])
    """
    if boundaries._data.ndim != 1:
        raise RuntimeError(
            f"bucketize(): boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})"
        )
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def isin(
    elements: Any,
    test_elements: Any,
    *,
    assume_unique: bool = False,
    invert: bool = False,
) -> Tensor:
    """A bool tensor: whether each of ``elements`` occurs in ``test_elements``.

    Either argument may be a number (but not both). ``invert=True`` gives the complement.

    Raises:
        TypeError: if neither argument is a tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.isin(mt.tensor([[1, 2], [3, 4]]), mt.tensor([2, 3]))
        tensor([[False,  True],
                [ True, False]])
    """
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(
            "isin(): at least one of elements and test_elements must be a Tensor, got "
            f"{type(elements).__name__} and {type(test_elements).__name__}"
        )
    a = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    b = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    found = np.isin(a, b, assume_unique=assume_unique, invert=invert)
    return Tensor._make(np.asarray(found, np.bool_))
