"""Making COO sparse tensors: ``microtensor.sparse_coo_tensor`` and ``Tensor.to_sparse()``.

``to_sparse(layout=...)`` with a compressed layout hands over to ``compressed_conversions``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor._layout import sparse_coo
from microtensor.sparse.coo import SparseTensor
from microtensor.tensor import Tensor

__all__ = ["dense_to_sparse", "make_sparse_coo"]


def _index_array(indices: Any) -> np.ndarray:
    data = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if data.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(data.shape)}")
    return data.astype(np.int64)


def _values_tensor(values: Any, dtype: Any) -> Tensor:
    if not isinstance(values, Tensor):
        from microtensor.creation import tensor

        return tensor(values, dtype=dtype)  # type: ignore[no-any-return]
    return values if dtype is None or values.dtype == dtype else values.to(dtype)


def _checked_size(index: np.ndarray, size: Any) -> tuple[int, ...]:
    """``size`` checked against the indices, or inferred from them (max + 1) when None."""
    ndim, nnz = index.shape
    for dim in range(ndim if nnz else 0):
        low = int(index[dim].min())
        if low < 0:
            raise RuntimeError(f"found negative index {low} for dim {dim}")
    if size is None:
        return tuple(int(index[dim].max()) + 1 if nnz else 0 for dim in range(ndim))
    size = tuple(int(s) for s in size)
    if len(size) != ndim:
        raise RuntimeError(
            "'len(size) == sparse_dim + dense_dim' is not satisfied: len(size) = "
            f"{len(size)}, sparse_dim = {ndim}, dense_dim = 0"
        )
    for dim in range(ndim if nnz else 0):
        high = int(index[dim].max())
        if high >= size[dim]:
            raise RuntimeError(
                f"size is inconsistent with indices: for dim {dim}, size is {size[dim]} but "
                f"found index {high}"
            )
    return size


def make_sparse_coo(
    indices: Any,
    values: Any,
    size: Any,
    dtype: Any,
    requires_grad: bool,
    is_coalesced: bool | None,
) -> SparseTensor:
    """``microtensor.sparse_coo_tensor``'s work (documented there): checks, then the tensor."""
    index = _index_array(indices)
    value = _values_tensor(values, dtype)
    if value.dim() != 1:
        if value.dim() > 1 and value.shape[0] == index.shape[1]:
            raise NotImplementedError(
                f"sparse_coo_tensor(): values of shape {tuple(value.shape)} have dense dims (a "
                "hybrid sparse tensor), which microtensor does not support; give 1-D values"
            )
        raise RuntimeError(
            f"sparse_coo_tensor(): values must be 1-D (nnz,), but got shape {tuple(value.shape)}"
        )
    if value.shape[0] != index.shape[1]:
        raise RuntimeError(
            "indices and values must have same nnz, but got nnz from indices: "
            f"{index.shape[1]}, nnz from values: {value.shape[0]}"
        )
    shape = _checked_size(index, size)
    if requires_grad:
        value = value.detach().requires_grad_(True)
    return SparseTensor(Tensor._make(index), value, shape, bool(is_coalesced))


def dense_to_sparse(
    tensor: Any,
    sparse_dim: int | None = None,
    *,
    layout: Any = None,
    blocksize: Any = None,
    dense_dim: Any = None,
) -> SparseTensor:
    """``tensor.to_sparse()``: its non-zero elements, coalesced (row-major order), as torch.

    A compressed ``layout`` (``sparse_csr`` and kin) goes to ``dense_to_compressed``.

    Raises:
        RuntimeError: for a blocksize with the COO layout.
        NotImplementedError: for a layout that is not sparse, or dense dims (hybrid).
    """
    from microtensor.sparse.compressed import LAYOUTS

    if layout in LAYOUTS:
        from microtensor.sparse.compressed_conversions import dense_to_compressed

        return dense_to_compressed(tensor, layout, blocksize, dense_dim)  # type: ignore[return-value]
    if layout is not None and layout is not sparse_coo:
        raise NotImplementedError(f"to_sparse(): layout {layout} is not supported in microtensor")
    if blocksize is not None:
        raise RuntimeError(
            "dense_to_sparse: conversion from Strided to Sparse with blocksize argument given is "
            "not supported"
        )
    ndim = tensor.dim()
    if (sparse_dim is not None and sparse_dim != ndim) or dense_dim:
        raise NotImplementedError(
            f"to_sparse(): only sparse_dim == ndim ({ndim}) is supported in microtensor (no "
            "hybrid sparse tensors with dense dims)"
        )
    data = tensor._data
    if ndim == 0:
        index = np.zeros((0, int(data != 0)), dtype=np.int64)
        values = tensor.reshape(1)[: index.shape[1]]
    else:
        where = np.nonzero(data)
        index = np.stack(where).astype(np.int64).reshape(ndim, len(where[0]))
        values = tensor[where]
    return SparseTensor(Tensor._make(index), values, tuple(data.shape), True)
