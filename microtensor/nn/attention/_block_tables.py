"""The tile tables of a BlockMask: converting between the ordered and the dense forms.

An ordered table is a count per row and the columns of that row, the set ones first, in
ascending order, then the rest (torch's stable descending argsort): ``num_blocks`` (..., rows)
and ``indices`` (..., rows, cols). The dense form is the 0/1 (..., rows, cols) table.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.tensor import Tensor


def _int32(array: np.ndarray) -> Tensor:
    return Tensor._make(np.ascontiguousarray(array, dtype=np.int32))


def _ordered_to_dense(num_blocks: np.ndarray, indices: np.ndarray, num_cols: int) -> np.ndarray:
    """The 0/1 (..., rows, num_cols) table of the first ``num_blocks`` columns of each row."""
    valid = np.arange(indices.shape[-1]) < num_blocks[..., None]
    # entries past a row's count are undefined: they write to one spare column, dropped after
    cols = np.where(valid, indices, num_cols).astype(np.int64)
    dense = np.zeros((*indices.shape[:-1], num_cols + 1), dtype=np.int32)
    np.put_along_axis(dense, cols, 1, axis=-1)
    return dense[..., :num_cols]


def _dense_to_ordered(dense: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: how many tiles are set, and every column, the set ones first (torch's order)."""
    dense = dense.astype(np.int32)
    order = np.argsort(-dense, axis=-1, kind="stable")
    return dense.sum(axis=-1, dtype=np.int32), order.astype(np.int32)


def _transpose_ordered(num_blocks: np.ndarray, indices: np.ndarray) -> tuple[Tensor, Tensor]:
    dense = _ordered_to_dense(num_blocks, indices, indices.shape[-1])
    q_num_blocks, q_indices = _dense_to_ordered(np.swapaxes(dense, -2, -1))
    return _int32(q_num_blocks), _int32(q_indices)


def _adjust_num_blocks_and_indices(
    num_blocks: np.ndarray, indices: np.ndarray, rows: int, cols: int
) -> tuple[Tensor, Tensor]:
    """Torch's crop of the tables to ``rows x cols`` tiles (the upper-left corner)."""
    indices = indices[:, :, :rows, :cols]
    num_blocks = np.minimum(num_blocks[:, :, :rows], cols)
    num_blocks = np.sum(indices < num_blocks[..., None], axis=-1)
    return _int32(num_blocks), _int32(indices)


def _dq_write_order(
    tables: dict[str, Tensor | None], descending: bool | None
) -> tuple[Tensor, Tensor | None]:
    """Torch's dQ write order for its deterministic FLASH backward, from a mask's tables.

    Per (batch, head) and tile (m, n) that is computed, the rank of n among the computed
    tiles of row m (ascending, or descending when ``descending``), then read in the order of
    the q tables: one value per entry of ``q_indices`` (and of ``full_q_indices``).
    """
    q_indices = tables["q_indices"]
    if tables["q_num_blocks"] is None or q_indices is None:
        raise ValueError("BlockMask must have q_num_blocks and q_indices to compute dq_write_order")
    arrays: dict[str, Any] = {name: None if t is None else t.numpy() for name, t in tables.items()}
    present = [a for a in arrays.values() if a is not None and a.ndim == 4]
    batch, heads = np.broadcast_shapes(*(a.shape[:2] for a in present))
    kv_indices = arrays["kv_indices"]
    kv_indices = np.broadcast_to(kv_indices, (batch, heads, *kv_indices.shape[2:]))
    num_m, num_n = kv_indices.shape[2], q_indices.shape[2]
    kv_num = np.broadcast_to(arrays["kv_num_blocks"], (batch, heads, num_m))
    dense = _ordered_to_dense(kv_num, kv_indices, num_n)
    if arrays["full_kv_num_blocks"] is not None and arrays["full_kv_indices"] is not None:
        full_indices = np.broadcast_to(arrays["full_kv_indices"], kv_indices.shape)
        full_num = np.broadcast_to(arrays["full_kv_num_blocks"], kv_num.shape)
        dense = np.minimum(dense + _ordered_to_dense(full_num, full_indices, num_n), 1)
    cumsum = dense.cumsum(axis=-1)
    rank = cumsum - dense
    if descending:
        rank = cumsum[..., -1:] - 1 - rank

    def gather(backward_indices: np.ndarray) -> Tensor:
        b = np.arange(batch)[:, None, None, None]
        h = np.arange(heads)[None, :, None, None]
        n = np.arange(backward_indices.shape[2])[None, None, :, None]
        return _int32(rank[b, h, np.clip(backward_indices, 0, num_m - 1), n])

    full_q = arrays["full_q_indices"]
    has_full = arrays["full_kv_num_blocks"] is not None and full_q is not None
    return gather(arrays["q_indices"]), gather(full_q) if has_full else None
