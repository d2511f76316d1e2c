"""``embedding_bag`` as one op, ``EmbeddingBag``: torch's ``EmbeddingBagBackward0`` node.

The bags' sums, means or maxima of the looked-up rows are computed on the arrays, without a
rows tensor in the graph; the node lists the weight and the per-sample weights, as torch's.
The backward adds each bag's gradient into the rows it read (for max, into the row of each
column's first maximum), and gives each per-sample weight the dot product of its bag's
gradient with its row. It is written with the row helpers below (NumPy on arrays,
``index_select`` / ``index_add`` on Tensors), so it is recorded under ``create_graph=True``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.tensor import Tensor


def _take_rows(a: Any, index: np.ndarray) -> Any:
    """``a[index]`` along dim 0."""
    if dual.is_array(a):
        return a[index]
    return ops.index_select(a, 0, Tensor._make(index.astype(np.int64)))


def _add_rows(rows: int, index: np.ndarray, values: Any) -> Any:
    """Zeros with ``rows`` rows and ``values[k]`` added into row ``index[k]``."""
    shape = (rows, *values.shape[1:])
    if dual.is_array(values):
        out = np.zeros(shape, dtype=values.dtype)
        np.add.at(out, index, values)
        return out
    zeros = Tensor._make(np.zeros(shape, dtype=values._data.dtype))
    return ops.index_add(zeros, 0, Tensor._make(index.astype(np.int64)), values)


def _first_max_rows(rows: np.ndarray, bag: np.ndarray, count: int) -> np.ndarray:
    """``(count, D)``: for each bag and column, which of ``rows`` holds the first maximum.

    Rows of a bag are consecutive; an empty bag's entries are -1.
    """
    sizes = np.bincount(bag, minlength=count)
    longest = int(sizes.max()) if sizes.size else 0
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    slot = np.arange(bag.size) - starts[bag]
    dense = np.full((count, max(longest, 1), rows.shape[1]), -np.inf, dtype=rows.dtype)
    dense[bag, slot] = rows
    first = starts[:, None] + np.argmax(dense, 1)  # NaN counts as the largest, as torch
    return np.where((sizes > 0)[:, None], first, -1)


class EmbeddingBag(Op, node_name="EmbeddingBagBackward0"):
    """out[b] = sum over bag b's k of w[idx_k] * s_k (/ size for 'mean'), or the column max.

    'max' gives 0 for an empty bag. d/dw[idx_k] += g[bag_k] * s_k / size,
    d/ds_k = g[bag_k] . w[idx_k] / size;  for 'max', d/dw[r, j] += g[b, j] at the row r of
    column j's first maximum.
    """

    _listed = (0, 1)  # torch lists weight and per_sample_weights, None or not

    @staticmethod
    def forward(
        ctx: Any,
        weight: Any,
        per_sample_weights: Any,
        idx: np.ndarray,
        position: np.ndarray,
        bag: np.ndarray,
        count: int,
        mode: str,
    ) -> Any:
        ctx.idx, ctx.position, ctx.bag, ctx.mode = idx, position, bag, mode
        ctx.save_for_backward(weight, per_sample_weights)
        rows = weight[idx]
        if mode == "max":
            ctx.first = first = _first_max_rows(rows, bag, count)
            values = np.take_along_axis(rows, np.maximum(first, 0), 0)
            return np.where(first >= 0, values, np.zeros((), rows.dtype))
        sizes = np.maximum(np.bincount(bag, minlength=count), 1).astype(rows.dtype)
        ctx.scale = 1.0 / sizes[:, None] if mode == "mean" else None
        if per_sample_weights is not None:
            rows = rows * per_sample_weights.reshape(-1)[position][:, None]
        out = _add_rows(count, bag, rows)
        return out if ctx.scale is None else out * ctx.scale

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        weight, per_sample_weights = ctx.saved_tensors
        n, d = weight.shape
        if ctx.mode == "max":
            first, cols = ctx.first, np.arange(d)
            used = first >= 0  # (count, D): the entries of non-empty bags
            flat_rows = ctx.idx[first[used]] * d + np.broadcast_to(cols, first.shape)[used]
            picked = _take_rows(grad_out.reshape(-1), np.flatnonzero(used.ravel()))
            grad_weight = _add_rows(n * d, flat_rows, picked).reshape(n, d)
            return grad_weight, None, None, None, None, None, None
        g = grad_out if ctx.scale is None else grad_out * ctx.scale
        per_row = _take_rows(g, ctx.bag)  # each looked-up row's bag gradient
        grad_weight = grad_psw = None
        if ctx.needs_input_grad[0]:
            rows_grad = per_row
            if per_sample_weights is not None:
                picked = _take_rows(per_sample_weights.reshape(-1), ctx.position)
                rows_grad = per_row * picked.reshape(-1, 1)
            grad_weight = _add_rows(n, ctx.idx, rows_grad)
        if per_sample_weights is not None and ctx.needs_input_grad[1]:
            dots = dual.sum(per_row * _take_rows(weight, ctx.idx), 1)
            total = per_sample_weights.reshape(-1).shape[0]
            grad_psw = _add_rows(total, ctx.position, dots).reshape(per_sample_weights.shape)
        return grad_weight, grad_psw, None, None, None, None, None
