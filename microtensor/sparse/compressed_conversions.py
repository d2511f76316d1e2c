"""Conversions to and between compressed layouts, and their transpose.

Dense -> CSR, CSC, BSR, BSC (``Tensor.to_sparse_csr()`` and kin), COO -> compressed, CSR <-> CSC
and BSR <-> BSC (the stored entries reordered), compressed -> COO. Each takes its values from
the source with differentiable indexing, so gradients flow back as torch's do.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor._layout import (
    layout,
    sparse_bsc,
    sparse_bsr,
    sparse_coo,
    sparse_csc,
    sparse_csr,
    strided,
)
from microtensor.sparse import compressed_nodes as nodes
from microtensor.sparse.compressed import LAYOUTS, TORCH_NAMES, SparseCompressedTensor
from microtensor.tensor import Tensor

__all__ = [
    "blocksize_error",
    "coo_to_compressed",
    "dense_to_compressed",
    "sparse_to_sparse",
    "transpose",
]

# the node torch records for a conversion to each layout
_CONVERSION_NODES = {
    sparse_csr: nodes.ToSparseCsrValues,
    sparse_csc: nodes.ToSparseCscValues,
    sparse_bsr: nodes.ToSparseBsrValues,
    sparse_bsc: nodes.ToSparseBscValues,
}
_FLIPPED = {
    sparse_csr: sparse_csc,
    sparse_csc: sparse_csr,
    sparse_bsr: sparse_bsc,
    sparse_bsc: sparse_bsr,
}


def _name(target: layout) -> str:
    return target.name.removeprefix("sparse_")


def _compressed_from_counts(counts: np.ndarray, shape: tuple[int, ...]) -> Tensor:
    """``(*batch, n + 1)`` compressed indices from per-batch entry counts ``(B, n)``."""
    starts = np.zeros((counts.shape[0], counts.shape[1] + 1), dtype=np.int64)
    np.cumsum(counts, axis=1, out=starts[:, 1:])
    return Tensor._make(starts.reshape(*shape, counts.shape[1] + 1))


def blocksize_error(prefix: str, source: str, target: layout, given: bool) -> RuntimeError:
    """The error of torch for a blocksize given to a non-block layout or missing for a block one."""
    said = "with" if given else "without"
    return RuntimeError(
        f"{prefix}: conversion from {source} to {TORCH_NAMES[target]} {said} blocksize argument "
        "given is not supported"
    )


def _check_dense_dim(op: str, ndim: int, dense_dim: int | None) -> None:
    if not dense_dim:
        return
    if ndim == 2:
        raise RuntimeError(
            f"dense_{op}: dense_dim argument must be in [0,0] range, but {dense_dim} is given"
        )
    raise NotImplementedError(
        f"{op}(): dense_dim={dense_dim} makes a hybrid sparse tensor, which microtensor does not "
        "support"
    )


def dense_to_compressed(
    tensor: Any, target: layout, blocksize: Any = None, dense_dim: int | None = None
) -> SparseCompressedTensor:
    """``tensor.to_sparse_csr()`` (and ``_csc``, ``_bsr``, ``_bsc``): the non-zero entries.

    A block is stored when any of its elements is non-zero. Every batch must hold the same
    number of entries (torch's rule).

    Raises:
        RuntimeError: for fewer than 2 dims, a blocksize that does not divide the size, or
            batches of different entry counts (torch's messages).
    """
    op, ndim = f"to_sparse_{_name(target)}", tensor.dim()
    if ndim < 2:
        raise RuntimeError(
            f"{op}(): expected a tensor with at least 2 dims (batch dims, rows, columns), but got "
            f"a {ndim}-D tensor"
        )
    _check_dense_dim(op, ndim, dense_dim)
    by_rows, blocked = LAYOUTS[target][2:]
    if blocked != (blocksize is not None):
        raise blocksize_error("dense_to_sparse", "Strided", target, not blocked)
    r, c = (int(blocksize[0]), int(blocksize[1])) if blocked else (1, 1)
    *batch_shape, nrows, ncols = tensor.shape
    if nrows % r or ncols % c:
        raise RuntimeError(
            f"dense_{op}: tensor sparse size ({nrows},{ncols}) must be divisible by given "
            f"blocksize ({r},{c})"
        )
    batches = math.prod(batch_shape)
    blocks = tensor.reshape(batches, nrows // r, r, ncols // c, c).permute(0, 1, 3, 2, 4)
    mask = (blocks._data != 0).any(axis=(3, 4))  # (batch, block row, block col)
    if not by_rows:
        mask = mask.transpose(0, 2, 1)
    counts = mask.reshape(batches, -1).sum(1)
    if batches and (counts != counts[0]).any():
        raise RuntimeError("Expect the same number of specified elements per batch.")
    nnz = int(counts[0]) if batches else 0
    batch, owner, plain = np.nonzero(mask)
    values = blocks[(batch, owner, plain) if by_rows else (batch, plain, owner)]
    values = (
        values.reshape(*batch_shape, nnz, r, c) if blocked else values.reshape(*batch_shape, nnz)
    )
    values = _CONVERSION_NODES[target].apply(values)
    compressed = _compressed_from_counts(mask.sum(2), tuple(batch_shape))
    plain_t = Tensor._make(plain.astype(np.int64).reshape(*batch_shape, nnz))
    return SparseCompressedTensor(compressed, plain_t, values, tuple(tensor.shape), target)


def _flip(sparse: SparseCompressedTensor, target: layout) -> SparseCompressedTensor:
    """CSR <-> CSC or BSR <-> BSC: the same entries (blocks) reordered for the other layout."""
    batch, block_rows, block_cols = sparse._block_coordinates()
    batch_shape = sparse._shape[: sparse._batch_ndim()]
    batches, nnz = math.prod(batch_shape), sparse._nnz()
    by_rows = LAYOUTS[target][2]
    owner, plain = (block_rows, block_cols) if by_rows else (block_cols, block_rows)
    order = np.lexsort((plain, owner, batch))
    r, c = sparse._blocksize()
    owners = (sparse._shape[-2] // r) if by_rows else (sparse._shape[-1] // c)
    counts = np.bincount(batch * owners + owner, minlength=batches * owners)
    compressed = _compressed_from_counts(counts.reshape(batches, owners), batch_shape)
    index_dtype = sparse._compressed_t._data.dtype
    compressed = Tensor._make(compressed._data.astype(index_dtype))
    plain_t = Tensor._make(plain[order].astype(index_dtype).reshape(*batch_shape, nnz))
    block = (r, c) if LAYOUTS[target][3] else ()
    values = sparse._values_t.reshape(batches * nnz, *block)[order]
    values = _CONVERSION_NODES[target].apply(values.reshape(*batch_shape, nnz, *block))
    return SparseCompressedTensor(compressed, plain_t, values, sparse._shape, target)


def sparse_to_sparse(
    sparse: SparseCompressedTensor,
    sparseDims: int | None = None,  # noqa: N803 - torch's name
    *,
    layout: Any = None,
    blocksize: Any = None,
    dense_dim: int | None = None,
) -> Any:
    """A compressed tensor in another layout: COO (the default), or compressed.

    Raises:
        RuntimeError: for a conversion torch refuses (block layouts to CSR or CSC, a changed
            blocksize between block layouts, COO with other than 2 sparse dims).
    """
    source = TORCH_NAMES[sparse.layout]
    if layout is None or layout is sparse_coo:
        if sparseDims is not None and sparseDims != 2:
            raise RuntimeError(
                f"sparse_compressed_to_sparse: conversion from {source} to Sparse with sparse_dim "
                "argument !=2 is not supported"
            )
        return sparse.to_sparse_coo()
    if layout is strided:
        return sparse.to_dense()
    if layout not in LAYOUTS:
        raise RuntimeError(f"to_sparse(): unknown layout {layout}")
    if LAYOUTS[layout][3] != (blocksize is not None):
        raise blocksize_error("sparse_compressed_to_sparse", source, layout, not LAYOUTS[layout][3])
    _check_dense_dim(f"to_sparse_{_name(layout)}", sparse.dim(), dense_dim)
    name = _name(layout)
    if not LAYOUTS[layout][3]:
        if LAYOUTS[sparse.layout][3]:
            raise RuntimeError(
                f"sparse_compressed_to_sparse_{name}: expected SparseCsr or SparseCsc layout but "
                f"got {source}"
            )
        return sparse if layout is sparse.layout else _flip(sparse, layout)
    blocksize = (int(blocksize[0]), int(blocksize[1]))
    if not LAYOUTS[sparse.layout][3]:
        return dense_to_compressed(sparse.to_dense(), layout, blocksize)
    if blocksize != sparse._blocksize():
        op = (
            f"to_sparse_{name}"
            if layout is sparse.layout
            else f"sparse_compressed_to_sparse_{name}"
        )
        raise RuntimeError(
            f"{op}: conversion from {source} to {TORCH_NAMES[layout]} with blocksize changed from "
            f"{list(sparse._blocksize())} to {list(blocksize)} is not supported"
        )
    return sparse if layout is sparse.layout else _flip(sparse, layout)


def coo_to_compressed(
    coo: Any, target: layout, blocksize: Any = None, dense_dim: int | None = None
) -> SparseCompressedTensor:
    """A 2-D COO tensor in a compressed layout (duplicates summed first, as torch).

    Raises:
        RuntimeError: for a COO tensor of other than 2 dims (torch's message).
    """
    if LAYOUTS[target][3] != (blocksize is not None):
        raise blocksize_error("sparse_coo_to_sparse", "Sparse", target, not LAYOUTS[target][3])
    if LAYOUTS[target][3]:
        return dense_to_compressed(coo.to_dense(), target, blocksize, dense_dim)
    _check_dense_dim(f"to_sparse_{_name(target)}", coo.dim(), dense_dim)
    if coo.dim() != 2:
        raise RuntimeError(
            f"coo_to_sparse_{_name(target)}: conversion from Sparse to {TORCH_NAMES[target]} for "
            "input tensors with sparse_dim()!=2 is not supported"
        )
    coo = coo.coalesce()
    rows, cols = coo._indices_t._data
    counts = np.bincount(rows, minlength=coo._shape[0])[None, :]
    plain = Tensor._make(cols.astype(np.int64))
    if target is not sparse_csr:
        csr = SparseCompressedTensor(
            _compressed_from_counts(counts, ()), plain, coo._values_t, coo._shape, sparse_csr
        )
        return _flip(csr, target)
    values = nodes.ToSparseCsrValues.apply(coo._values_t)
    return SparseCompressedTensor(
        _compressed_from_counts(counts, ()), plain, values, coo._shape, sparse_csr
    )


def transpose(
    sparse: SparseCompressedTensor, dim0: int, dim1: int, node: Any = nodes.TransposeValues
) -> SparseCompressedTensor:
    """Swap two batch dims, or the two sparse dims (CSR <-> CSC, BSR <-> BSC, blocks turned).

    ``node`` is the graph node of the result's values (``TValues`` for ``t()``).

    Raises:
        RuntimeError: for a batch dim with a sparse one (torch's message).
    """
    from microtensor.ops._common import normalize_dim

    ndim = sparse.dim()
    d0, d1 = (normalize_dim("transpose", d, ndim) for d in (dim0, dim1))
    if d0 == d1:
        return sparse
    batch = ndim - 2
    kinds = ["Batch" if d < batch else "Sparse" for d in (d0, d1)]
    if kinds[0] != kinds[1]:
        raise RuntimeError(
            "transpose(): can only transpose dimensions of the same type (Batch, Sparse, Dense), "
            f"got {d0}({kinds[0]}) and {d1}({kinds[1]})"
        )
    shape = list(sparse._shape)
    shape[d0], shape[d1] = shape[d1], shape[d0]
    if kinds[0] == "Batch":
        compressed, plain = (
            Tensor._make(np.ascontiguousarray(np.swapaxes(t._data, d0, d1)))
            for t in (sparse._compressed_t, sparse._plain_t)
        )
        values = sparse._values_t.transpose(d0, d1)
        return SparseCompressedTensor(
            compressed, plain, values, tuple(shape), sparse.layout, sparse._masked
        )
    values = sparse._values_t
    if LAYOUTS[sparse.layout][3]:
        values = values.transpose(-2, -1)  # each block turned
    values = node.apply(values)
    target = _FLIPPED[sparse.layout]
    return SparseCompressedTensor(
        sparse._compressed_t, sparse._plain_t, values, tuple(shape), target, sparse._masked
    )
