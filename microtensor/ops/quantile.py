"""Quantiles: quantile and nanquantile, with PyTorch's five interpolation modes.

A composition, as PyTorch's own: sort along the dim (``Sort``, a selection), pick the two
order statistics around each rank (``GetItem``) and ``lerp`` between them with a constant
weight. So the gradient goes to the one or two elements each quantile reads, and second
derivatives follow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor._numpy_names import numpy_names
from microtensor.ops._common import normalize_dim
from microtensor.ops.indexing import GetItem
from microtensor.tensor import Tensor

__all__ = ["nanquantile", "quantile"]

_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


class QuantileSelect(GetItem):
    """z = the order statistics at the ranks of each quantile: GetItem at an advanced key."""


@numpy_names
def quantile(
    input: Tensor,  # noqa: A002
    q: Any,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """The ``q``-th quantiles of ``input`` along ``dim`` (of all elements when None).

    ``q`` is a number in [0, 1] or a 1-d tensor of them (its dim then comes first in the
    result). The rank ``q * (n - 1)`` falls between two order statistics; ``interpolation``
    picks ``"linear"`` (the weighted mean), ``"lower"``, ``"higher"``, ``"midpoint"`` or
    ``"nearest"`` (ties to the even rank, as ``round``). A slice with NaN gives NaN.

    Raises:
        RuntimeError: for an integer input, an empty input, a q out of [0, 1], a q tensor with
            more than 1 dim or another dtype, or an unknown ``interpolation``.
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[0.0, 1.0, 2.0, 3.0]])
        >>> mt.quantile(x, 0.5, dim=1)
        tensor([1.5000])
        >>> mt.quantile(x, mt.tensor([0.25, 1.0]), dim=1, interpolation="lower")
        tensor([[0.],
                [3.]])
    """
    return _quantile("quantile", input, q, dim, keepdim, interpolation, ignore_nan=False)


@numpy_names
def nanquantile(
    input: Tensor,  # noqa: A002
    q: Any,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """``quantile`` ignoring NaN: each slice's quantiles of its non-NaN values (NaN if none).

    Raises:
        RuntimeError: as ``quantile``.

    Example:
        >>> import microtensor as mt
        >>> mt.nanquantile(mt.tensor([1.0, float("nan"), 3.0]), 0.5)
        tensor(2.)
    """
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, ignore_nan=True)


def _q_values(op: str, input: Tensor, q: Any) -> np.ndarray:  # noqa: A002
    """``q`` as an array of the input's dtype (0-d for a number), checked."""
    if isinstance(q, Tensor):
        if q._data.ndim > 1:
            raise RuntimeError(f"{op}() q must be a scalar or 1D tensor, got shape {q.shape}")
        if q._data.dtype != input._data.dtype:
            raise RuntimeError(
                f"{op}() q tensor must be same dtype as the input tensor, got {q.dtype} and "
                f"{input.dtype}"
            )
        values = q._data
    elif isinstance(q, int | float) and not isinstance(q, bool):
        values = np.asarray(q, input._data.dtype)
    else:
        raise TypeError(
            f"{op}(): argument 'q' must be a number or a Tensor, not {type(q).__name__}"
        )
    if values.size and not ((values >= 0) & (values <= 1)).all():
        raise RuntimeError(f"{op}() q must be in the range [0, 1] but got {values.tolist()}")
    return values


def _quantile(
    op: str,
    input: Tensor,  # noqa: A002
    q: Any,
    dim: int | None,
    keepdim: bool,
    interpolation: str,
    ignore_nan: bool,
) -> Tensor:
    if input._data.dtype not in (np.float32, np.float64):
        raise RuntimeError(
            f"{op}() input tensor must be either float or double dtype, got {input.dtype}"
        )
    qs = _q_values(op, input, q)
    if interpolation not in _MODES:
        raise RuntimeError(
            f"{op}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
            f"but got {interpolation}"
        )
    if input._data.size == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    ndim = input._data.ndim
    if dim is None:
        x, d = ops.reshape(input, (-1,)), 0
        kept_shape = (1,) * ndim
    else:
        d = normalize_dim(op, dim, ndim)
        x = input if ndim else ops.reshape(input, (1,))
        kept_shape = tuple(1 if i == d else n for i, n in enumerate(input._data.shape))
    rows = ops.reshape(ops.movedim(ops.sort(x, d).values, d, -1), (-1, x._data.shape[d]))
    below, above, weight, fixed = _ranks(rows._data, qs.reshape(-1), interpolation, ignore_nan)
    at = np.arange(rows._data.shape[0])
    low = QuantileSelect.apply(rows, ((Ellipsis,), (at, below)))
    high = QuantileSelect.apply(rows, ((Ellipsis,), (at, above)))
    dtype = rows._data.dtype
    weights = Tensor._make(weight.astype(dtype))
    if interpolation == "linear" and isinstance(q, Tensor) and q.requires_grad:
        # the weight q * (n - 1) - below is differentiable in q, as PyTorch's
        n_minus_1 = Tensor._make((_count(rows._data, ignore_nan) - 1).astype(dtype))
        ranks = ops.reshape(q, (-1, 1)) * n_minus_1 - Tensor._make(below.astype(dtype))
        weights = ops.where(Tensor._make(fixed), weights, ranks)
    out = ops.lerp(low, high, weights)
    if keepdim:
        reduced = kept_shape
    elif dim is None or ndim == 0:
        reduced = ()
    else:
        reduced = tuple(n for i, n in enumerate(input._data.shape) if i != d)
    return ops.reshape(out, qs.shape + reduced)


def _ranks(
    rows: np.ndarray, qs: np.ndarray, interpolation: str, ignore_nan: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The indices of the order statistics around each rank, the lerp weight, and the mask.

    The mask marks ranks that were fixed (NaN rows, clipped ranks), whose weight does not
    depend on q. ``rows`` is sorted (NaN last); the results have shape
    ``(len(qs), len(rows))``.
    """
    n = rows.shape[1]
    nans = np.isnan(rows).sum(axis=1)
    count = _count(rows, ignore_nan)
    rank = qs[:, None] * (count[None, :] - 1)
    if interpolation == "lower":
        rank = np.floor(rank)
    elif interpolation == "higher":
        rank = np.ceil(rank)
    elif interpolation == "nearest":
        rank = np.round(rank)  # half to even, as PyTorch's round
    # a slice with NaN (all NaN for nanquantile) reads its last element, a NaN
    has_nan = (count == 0) if ignore_nan else (nans > 0)
    fixed = has_nan[None, :] | (rank < 0)
    rank = np.where(has_nan[None, :], n - 1, np.clip(rank, 0, None))
    below = np.floor(rank).astype(np.int64)
    above = np.ceil(rank).astype(np.int64)
    weight = 0.5 * (above != below) if interpolation == "midpoint" else rank - below
    return below, above, weight, fixed


def _count(rows: np.ndarray, ignore_nan: bool) -> np.ndarray:
    """The number of values each row's quantiles are taken of (its non-NaN ones for nan*)."""
    n = rows.shape[1]
    return n - np.isnan(rows).sum(axis=1) if ignore_nan else np.full(rows.shape[0], n)
