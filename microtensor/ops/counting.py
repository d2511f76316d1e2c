"""Counting: bincount, count_nonzero, histc, histogram.

bincount with weights is ``IndexAddZeros`` (an indexing op), so it is differentiable in the
weights; the counts themselves have no gradient.
"""

from __future__ import annotations

import builtins
from typing import Any, NamedTuple

import numpy as np

from microtensor._numpy_names import numpy_names
from microtensor.ops._common import normalize_dims
from microtensor.ops.indexing import IndexAddZeros
from microtensor.tensor import Tensor

__all__ = ["bincount", "count_nonzero", "histc", "histogram", "histogramdd"]


class Bincount(IndexAddZeros):
    """z[k] = sum of w_i over i with input_i == k: IndexAddZeros;  dz/dw_i = grad[input_i]."""


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


@numpy_names
def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """How many elements are nonzero over ``dim`` (an int or tuple; all when None), as int64.

    Raises:
        IndexError: if a dim is out of range.
        RuntimeError: if a dim is repeated.

    Example:
        >>> import microtensor as mt
        >>> mt.count_nonzero(mt.tensor([[0.0, 1.0], [2.0, 3.0]]), dim=0)
        tensor([1, 2])
    """
    data = input._data
    dims = normalize_dims("count_nonzero", dim, data.ndim)
    return Tensor._make(np.asarray(np.count_nonzero(data, axis=dims), np.int64))


class HistogramResult(NamedTuple):
    """``(hist, bin_edges)`` from ``histogram``, as ``torch.return_types.histogram``."""

    hist: Tensor
    bin_edges: Tensor

    def __repr__(self) -> str:
        return f"microtensor.return_types.histogram(\nhist={self[0]!r},\nbin_edges={self[1]!r})"


def _float_input(op: str, input: Tensor) -> np.ndarray:  # noqa: A002
    data = input._data
    if data.dtype.kind != "f":
        raise RuntimeError(f"{op}(): not implemented for {input.dtype}; call .float() first")
    return data


def _range(op: str, data: np.ndarray, low: float, high: float, widen: float) -> tuple[float, float]:
    """PyTorch's histogram range: the data's range when ``low == high``, widened if empty."""
    if low > high:
        raise RuntimeError(f"{op}(): max must be larger than min, got min={low} and max={high}")
    if low == high and data.size:
        low, high = float(data.min()), float(data.max())
    if not (np.isfinite(low) and np.isfinite(high)):
        raise RuntimeError(f"{op}(): range of [{low}, {high}] is not finite")
    if low == high:  # PyTorch widens by 1 in histc and by 0.5 in histogram
        low, high = low - widen, high + widen
    return low, high


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """Counts of ``input`` in ``bins`` equal-width bins over ``[min, max]`` (input's dtype).

    ``min == max`` (the default) uses the data's smallest and largest values. Values outside
    the range are ignored; the last bin includes ``max``. No gradient.

    Raises:
        RuntimeError: for an integer input, ``bins`` < 1, ``min > max``, or an infinite range.

    Example:
        >>> import microtensor as mt
        >>> mt.histc(mt.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)
        tensor([0., 2., 1., 0.])
    """
    data = _float_input("histc", input)
    if bins <= 0:
        raise RuntimeError(f"histc(): bins must be > 0, got {bins}")
    low, high = _range("histc", data, float(min), float(max), 1.0)
    counts, _ = np.histogram(data, bins, range=(low, high))
    return Tensor._make(counts.astype(data.dtype))


def histogram(
    input: Tensor,  # noqa: A002
    bins: Any = 100,
    *,
    range: Any = None,  # noqa: A002
    weight: Tensor | None = None,
    density: bool = False,
) -> HistogramResult:
    """A histogram of ``input``: ``(hist, bin_edges)``, both of input's dtype.

    ``bins`` is a number of equal-width bins (over ``range``, or the data's range), or a 1-d
    tensor of increasing edges. ``weight`` (input's shape) counts each element with its
    weight; ``density=True`` divides by the total and the bin widths. No gradient.

    Raises:
        RuntimeError: for an integer input, a ``weight`` of another shape, or a bad range.

    Example:
        >>> import microtensor as mt
        >>> mt.histogram(mt.tensor([1.0, 2.0, 1.0]), bins=2)
        microtensor.return_types.histogram(
        hist=tensor([2., 1.]),
        bin_edges=tensor([1.0000, 1.5000, 2.0000]))
    """
    data = _float_input("histogram", input)
    weights = _weights("histogram", weight, data.shape)
    edges = _edges("histogram", data.reshape(-1), bins, range)
    counts, _ = np.histogram(data, edges, weights=weights)
    counts = counts.astype(data.dtype)
    if density:
        with np.errstate(invalid="ignore", divide="ignore"):
            counts = counts / counts.sum() / np.diff(edges)
    return HistogramResult(Tensor._make(counts.astype(data.dtype)), Tensor._make(edges))


def _weights(op: str, weight: Tensor | None, shape: tuple[int, ...]) -> np.ndarray | None:
    if weight is None:
        return None
    if weight._data.shape != shape:
        raise RuntimeError(
            f"{op}(): if weight tensor is provided it should have the same shape as the input "
            f"tensor excluding its innermost dimension, got {list(weight._data.shape)} and "
            f"{list(shape)}"
        )
    return weight._data  # type: ignore[no-any-return]


def _edges(op: str, values: np.ndarray, bins: Any, range: Any) -> np.ndarray:  # noqa: A002
    """The bin edges of one dim: given as a tensor, or ``bins`` equal bins over the range."""
    if isinstance(bins, Tensor):
        return bins._data.astype(values.dtype)
    if range is None and values.size == 0:  # PyTorch's bins for no data and no range
        return np.linspace(0.0, 1.0, int(bins) + 1).astype(values.dtype)
    low, high = (0.0, 0.0) if range is None else (float(range[0]), float(range[1]))
    low, high = _range(op, values, low, high, 0.5)
    return np.linspace(low, high, int(bins) + 1).astype(values.dtype)


def _bin_counts(points: np.ndarray, edges: list[np.ndarray], weights: Any) -> np.ndarray:
    """PyTorch's histogramdd binning: counts per bin, the last bin closed on the right.

    A point counts only if each coordinate lies within its dim's first and last edge.
    """
    shape = [e.size - 1 for e in edges]
    keep = np.ones(points.shape[0], np.bool_)
    flat = np.zeros(points.shape[0], np.int64)
    for d, e in enumerate(edges):
        x = points[:, d]
        keep &= (x >= e[0]) & (x <= e[-1])
        pos = np.searchsorted(e, x, side="right") - 1
        pos = np.clip(np.where(pos == e.size - 1, pos - 1, pos), 0, max(e.size - 2, 0))
        flat = flat * shape[d] + pos
    chosen = None if weights is None else weights[keep]
    total = int(np.prod(shape))
    return np.bincount(flat[keep], chosen, minlength=total)[:total].reshape(shape)


class HistogramddResult(NamedTuple):
    """``(hist, bin_edges)`` from ``histogramdd``, as ``torch.return_types.histogramdd``."""

    hist: Tensor
    bin_edges: tuple[Tensor, ...]

    def __repr__(self) -> str:
        return f"microtensor.return_types.histogramdd(\nhist={self[0]!r},\nbin_edges={self[1]!r})"


def histogramdd(
    input: Tensor,  # noqa: A002
    bins: Any = 10,
    *,
    range: Any = None,  # noqa: A002
    weight: Tensor | None = None,
    density: bool = False,
) -> HistogramddResult:
    """A D-dimensional histogram of the points in the last dim of ``input`` (shape (..., D)).

    ``bins`` is one count for every dim, a count per dim, or a list of 1-d edge tensors;
    ``range`` is ``[min0, max0, min1, max1, ...]``. Each dim's edges follow ``histogram``.
    ``weight`` has ``input``'s shape without the last dim. No gradient.

    Raises:
        RuntimeError: for an integer input, fewer than 2 dims, bins or range of the wrong
            length, or a ``weight`` of the wrong shape.

    Example:
        >>> import microtensor as mt
        >>> points = mt.tensor([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        >>> mt.histogramdd(points, bins=2).hist
        tensor([[0., 1.],
                [1., 1.]])
    """
    data = _float_input("histogramdd", input)
    if data.ndim < 2:
        raise RuntimeError("histogramdd(): input tensor should have at least 2 dimensions")
    dims = data.shape[-1]
    if dims == 0:  # points with no coordinates: PyTorch's 0-d empty histogram, no edges
        return HistogramddResult(Tensor._make(np.zeros((), data.dtype)), ())
    points = data.reshape(-1, dims)
    per_dim = list(bins) if isinstance(bins, list | tuple) else [bins] * dims
    if len(per_dim) != dims:
        raise RuntimeError(
            f"histogramdd(): expected {dims} sequences of bin edges or counts for the {dims} "
            f"dims of the points, got {len(per_dim)}"
        )
    if range is not None and len(range) != 2 * dims:
        raise RuntimeError(
            f"histogramdd(): expected a range of {2 * dims} values (min and max per dim), "
            f"got {len(range)}"
        )
    weights = _weights("histogramdd", weight, data.shape[:-1])
    edges = [
        _edges(
            "histogramdd",
            points[:, d],
            per_dim[d],
            None if range is None else range[2 * d : 2 * d + 2],
        )
        for d in builtins.range(dims)
    ]
    flat_weights = None if weights is None else weights.reshape(-1)
    counts = _bin_counts(points, edges, flat_weights).astype(data.dtype)
    if density:
        widths = np.ones(counts.shape)
        for d, e in enumerate(edges):
            shape = [1] * dims
            shape[d] = -1
            widths = widths * np.diff(e).reshape(shape)
        with np.errstate(invalid="ignore", divide="ignore"):
            counts = counts / counts.sum() / widths
    result_edges = tuple(Tensor._make(e) for e in edges)
    return HistogramddResult(Tensor._make(counts.astype(data.dtype)), result_edges)
