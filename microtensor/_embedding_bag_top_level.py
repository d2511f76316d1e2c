"""``torch.embedding_bag``: aten's form of ``F.embedding_bag``, with its four outputs.

aten's operator takes the weight first, an integer ``mode`` (0 sum, 1 mean, 2 max) and
returns ``(output, offset2bag, bag_size, max_indices)``: the bags' reductions (from
``F.embedding_bag``) and the bookkeeping torch's CPU kernel keeps for backward, reproduced
here as that kernel fills it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.nn import functional as F
from microtensor.tensor import Tensor

__all__ = ["embedding_bag"]

_MODES = ("sum", "mean", "max")


def _bag_of_each_index(count: int, offsets: np.ndarray) -> np.ndarray:
    """offset2bag: the bag each position of the flat indices belongs to."""
    return np.searchsorted(offsets, np.arange(count), side="right").astype(np.int64) - 1


def _max_indices(
    weight: np.ndarray, indices: np.ndarray, bag: np.ndarray, bags: int, kept: np.ndarray
) -> np.ndarray:
    """For each bag and column, the index whose row holds the maximum (the first of ties)."""
    out = np.zeros((bags, weight.shape[1]), np.int64)
    for b in range(bags):
        members = indices[(bag == b) & kept]
        if members.size:
            out[b] = members[np.argmax(weight[members], axis=0)]
    return out


def embedding_bag(
    weight: Tensor,
    indices: Tensor,
    offsets: Tensor,
    scale_grad_by_freq: bool = False,
    mode: int = 0,
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """torch.embedding_bag: ``(output, offset2bag, bag_size, max_indices)``.

    ``output`` is ``F.embedding_bag(indices, weight, offsets, ...)`` with ``mode`` 0, 1 or
    2 for 'sum', 'mean', 'max'. The rest is what torch's CPU kernel fills: ``offset2bag``
    gives each index's bag (empty in sum mode without ``padding_idx`` below float64),
    ``bag_size`` the non-padding count of each bag (zeros in sum mode), ``max_indices`` the
    arg-max index per bag and column in max mode, ``bag_size`` in mean mode, zeros in sum.

    Raises:
        ValueError: for a ``mode`` other than 0, 1, 2.

    Example:
        >>> import microtensor as mt
        >>> w = mt.tensor([[1.0], [2.0], [4.0]])
        >>> out, offset2bag, bag_size, _ = mt.embedding_bag(w, mt.tensor([0, 2, 1]),
        ...                                                 mt.tensor([0, 2]), mode=1)
        >>> out, offset2bag, bag_size
        (tensor([[2.5000],
                [2.0000]]), tensor([0, 0, 1]), tensor([2, 1]))
    """
    if mode not in (0, 1, 2):
        raise ValueError(f"embedding_bag(): mode must be 0 (sum), 1 (mean) or 2 (max), got {mode}")
    output = F.embedding_bag(
        indices,
        weight,
        offsets,
        scale_grad_by_freq=scale_grad_by_freq,
        mode=_MODES[mode],
        sparse=sparse,
        per_sample_weights=per_sample_weights,
        include_last_offset=include_last_offset,
        padding_idx=padding_idx,
    )
    flat = indices._data.reshape(-1).astype(np.int64)
    starts = offsets._data.astype(np.int64)
    bags = output.shape[0]
    bag = _bag_of_each_index(flat.size, starts)
    kept = (
        np.ones(flat.size, bool) if padding_idx is None else flat != _resolve(padding_idx, weight)
    )
    counts = np.bincount(bag[kept & (bag < bags)], minlength=bags)[:bags].astype(np.int64)
    zeros = np.zeros(bags, np.int64)
    # torch's sum kernel for float32/16 (fbgemm's) leaves offset2bag empty without padding
    fast_sum = mode == 0 and padding_idx is None and weight._data.dtype != np.float64
    offset2bag = np.zeros(0, np.int64) if fast_sum else bag
    if mode == 0:
        bag_size, max_indices = zeros, zeros
    elif mode == 1:
        bag_size, max_indices = counts, counts
    else:
        bag_size = counts
        max_indices = _max_indices(weight._data, flat, bag, bags, kept)
    return output, *(Tensor._make(a) for a in (offset2bag, bag_size, max_indices))  # type: ignore[return-value]


def _resolve(padding_idx: int, weight: Tensor) -> Any:
    return padding_idx if padding_idx >= 0 else padding_idx + weight.shape[0]
