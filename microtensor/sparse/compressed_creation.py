"""Making compressed sparse tensors from their arrays: torch's checks, in torch's order.

``microtensor.sparse_csr_tensor`` (and ``_csc_``, ``_bsr_``, ``_bsc_``,
``sparse_compressed_tensor``) call ``make_sparse_compressed``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor._layout import layout, sparse_bsc, sparse_bsr, sparse_csc, sparse_csr
from microtensor.sparse.compressed import LAYOUTS, SparseCompressedTensor
from microtensor.sparse.compressed_nodes import SparseCompressedValues
from microtensor.tensor import Tensor

__all__ = ["check_indices", "make_sparse_compressed", "scalar_name"]

_SCALAR_NAMES = {
    "int8": "Char",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "uint8": "Byte",
    "bool": "Bool",
    "float16": "Half",
    "float32": "Float",
    "float64": "Double",
}
_DIM_NAMES = {
    sparse_csr: "row",
    sparse_csc: "column",
    sparse_bsr: "row block",
    sparse_bsc: "column block",
}


def scalar_name(array: np.ndarray) -> str:
    """The name torch gives an array's dtype in error messages (``Long``, ``Float``)."""
    return _SCALAR_NAMES.get(str(array.dtype), str(array.dtype))


def _array(indices: Any) -> np.ndarray:
    if isinstance(indices, Tensor):
        return indices._data
    from microtensor.creation import tensor

    return tensor(indices)._data  # type: ignore[no-any-return]  # torch's dtypes: [] is float32


def _values_tensor(values: Any, dtype: Any) -> Tensor:
    if not isinstance(values, Tensor):
        from microtensor.creation import tensor

        return tensor(values, dtype=dtype)  # type: ignore[no-any-return]
    return values if dtype is None or values.dtype == dtype else values.to(dtype)


def _inferred_size(
    compressed: np.ndarray, plain: np.ndarray, values: np.ndarray, layout: layout
) -> tuple[int, ...]:
    """The size torch infers: one past the largest plain index (times the blocksize)."""
    batch = compressed.ndim - 1
    block = values.shape[batch + 1 : batch + 3] if LAYOUTS[layout][3] else (1, 1)
    n_compressed = compressed.shape[-1] - 1
    n_plain = int(plain.max()) + 1 if plain.size else 0
    rows, cols = (n_compressed, n_plain) if LAYOUTS[layout][2] else (n_plain, n_compressed)
    dense = values.shape[batch + 1 + (2 if LAYOUTS[layout][3] else 0) :]
    return (*compressed.shape[:-1], rows * block[0], cols * block[1], *dense)


def _check_shapes(
    compressed: np.ndarray, plain: np.ndarray, values: np.ndarray, size: Any, layout: layout
) -> tuple[tuple[int, ...], int, int]:
    """The shape checks of torch; returns the size and the compressed and plain dim lengths."""
    cname, pname, by_rows, blocked = LAYOUTS[layout]
    batch, block_ndim = compressed.ndim - 1, 2 if blocked else 0
    if batch < 0:
        raise RuntimeError(f"{cname} must have dimensionality >= 1 but got {compressed.ndim}")
    if compressed.ndim != plain.ndim:
        raise RuntimeError(
            f"{cname} and {pname} dimensionalities must be equal but got {compressed.ndim} and "
            f"{plain.ndim}, respectively"
        )
    dense_ndim = values.ndim - batch - block_ndim - 1
    if dense_ndim < 0:
        raise RuntimeError(
            "values must have dimensionality > sum of batch and block dimensionalities (="
            f"{batch} + {block_ndim}) but got {values.ndim}"
        )
    if size is None:
        size = _inferred_size(compressed, plain, values, layout)
    size = tuple(int(s) for s in size)
    if len(size) != batch + 2 + dense_ndim:
        raise RuntimeError(
            "tensor dimensionality must be sum of batch, base, and dense dimensionalities (="
            f"{batch} + 2 + {dense_ndim}) but got {len(size)}"
        )
    if dense_ndim:
        raise NotImplementedError(
            f"sparse compressed tensor: values of shape {values.shape} have {dense_ndim} dense "
            "dims (a hybrid sparse tensor), which microtensor does not support"
        )
    batches = [list(size[:batch]), *(list(a.shape[:batch]) for a in (compressed, plain, values))]
    if any(b != batches[0] for b in batches[1:]):
        raise RuntimeError(
            f"all batch dimensions of {cname} (={batches[1]}), {pname} (={batches[2]}), and "
            f"values (={batches[3]}) must be equal to tensor batch dimensions (={batches[0]})"
        )
    blocksize = [max(1, values.shape[batch + 1 + i]) if blocked else 1 for i in range(2)]
    for i in range(block_ndim):
        if size[batch + i] % blocksize[i]:
            raise RuntimeError(
                f"tensor shape[{batch + i}] (={size[batch + i]}) must be divisible with "
                f"blocksize[{i}] (={blocksize[i]}) as defined by values shape"
            )
    nrows, ncols = size[batch] // blocksize[0], size[batch + 1] // blocksize[1]
    n_compressed, n_plain = (nrows, ncols) if by_rows else (ncols, nrows)
    if compressed.shape[-1] != n_compressed + 1:
        raise RuntimeError(
            f"{cname}.shape[-1] must be equal to the number of {_DIM_NAMES[layout]}s + 1 (="
            f"{n_compressed + 1}), but got {compressed.shape[-1]}"
        )
    nnz = values.shape[batch]
    if plain.shape[-1] != nnz:
        raise RuntimeError(
            f"{pname}.shape[-1] must be equal to nnz (={nnz}) as defined by values.shape[{batch}], "
            f"but got {plain.shape[-1]}"
        )
    return size, n_compressed, n_plain


def check_indices(compressed: np.ndarray, plain: np.ndarray, n_plain: int, layout: layout) -> None:
    """The index invariants of torch, in the order torch's CPU kernel reports them.

    The plain indices' bounds first (all batches), then batch by batch: the first and last
    compressed index, then row by row (column by column) its entry count and whether its
    plain indices are sorted and distinct.
    """
    cname, pname, by_rows = LAYOUTS[layout][:3]
    c, p = ("crow", "col") if by_rows else ("ccol", "row")
    plain_dim = "ncols" if by_rows else "nrows"
    compressed_dim = "nrows" if by_rows else "ncols"
    if plain.size and (plain.min() < 0 or plain.max() >= n_plain):
        raise RuntimeError(f"`0 <= {pname} < {plain_dim}` is not satisfied.")
    nnz, batches = plain.shape[-1], math.prod(compressed.shape[:-1])
    for row_starts, indices in zip(
        compressed.reshape(batches, -1), plain.reshape(batches, nnz), strict=True
    ):
        if row_starts[0] != 0:
            raise RuntimeError(f"`{cname}[..., 0] == 0` is not satisfied.")
        if row_starts[-1] != nnz:
            raise RuntimeError(f"`{cname}[..., -1] == nnz` is not satisfied.")
        counts = np.diff(row_starts)
        bad_count = (counts < 0) | (counts > n_plain)
        # unsorted pairs counted cumulatively: a row holds one if its range gains any
        unsorted = np.concatenate([[0], np.cumsum(indices[:-1] >= indices[1:])])
        start = np.clip(row_starts[:-1], 0, max(nnz - 1, 0))
        end = np.clip(row_starts[1:] - 1, 0, max(nnz - 1, 0))
        bad_order = (counts >= 2) & (unsorted[end] > unsorted[start])
        if bad_count.any() or bad_order.any():
            first_count = np.argmax(bad_count) if bad_count.any() else len(counts)
            first_order = np.argmax(bad_order) if bad_order.any() else len(counts)
            if first_count <= first_order:
                raise RuntimeError(
                    f"`0 <= {c}_indices[..., 1:] - {c}_indices[..., :-1] <= {plain_dim}` is not "
                    "satisfied."
                )
            raise RuntimeError(
                f"`{p}_indices[..., {c}_indices[..., i - 1]:{c}_indices[..., i]] for all i = 1, "
                f"..., {compressed_dim} are sorted and distinct along the last dimension values` "
                "is not satisfied."
            )


def make_sparse_compressed(
    compressed_indices: Any,
    plain_indices: Any,
    values: Any,
    size: Any,
    layout: Any,
    dtype: Any,
    requires_grad: bool,
) -> SparseCompressedTensor:
    """The work of ``sparse_csr_tensor`` and its kin (documented there): checks, then the tensor."""
    if layout not in LAYOUTS:
        got = (
            "none"
            if layout is None
            else {"strided": "Strided", "sparse_coo": "Sparse"}.get(
                getattr(layout, "name", ""), str(layout)
            )
        )
        raise RuntimeError(
            f"sparse_compressed_tensor expected sparse compressed tensor layout but got {got}"
        )
    compressed, plain = _array(compressed_indices), _array(plain_indices)
    value = _values_tensor(values, dtype)
    size, n_compressed, n_plain = _check_shapes(compressed, plain, value._data, size, layout)
    cname, pname = LAYOUTS[layout][:2]
    if compressed.dtype != plain.dtype:
        raise RuntimeError(
            f"{cname} and {pname} must have the same dtype, bot got {scalar_name(compressed)} and "
            f"{scalar_name(plain)}, respectively"
        )
    if compressed.dtype not in (np.int32, np.int64):
        raise RuntimeError(
            f"{cname} and {pname} dtype must be Int or Long, but got {scalar_name(compressed)}"
        )
    check_indices(compressed, plain, n_plain, layout)
    if requires_grad:
        value = value.detach().requires_grad_(True)
    elif value.requires_grad:
        value = SparseCompressedValues.apply(value)  # torch's node: not a leaf
    masked = value.requires_grad and not requires_grad
    return SparseCompressedTensor(
        Tensor._make(compressed), Tensor._make(plain), value, size, layout, masked
    )
