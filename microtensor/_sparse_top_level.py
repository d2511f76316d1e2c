"""Top-level sparse functions: COO and compressed constructors, ``spmm``, the ``*_copy`` ones.

``sparse_coo_tensor``, ``spmm``, the compressed constructors (``sparse_csr_tensor``,
``sparse_csc_tensor``, ``sparse_bsr_tensor``, ``sparse_bsc_tensor``, ``sparse_compressed_tensor``)
and the ``*_copy`` functions of the sparse parts.

They load ``microtensor.sparse`` on first call, so that ``import microtensor`` does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from microtensor._layout import layout, sparse_bsc, sparse_bsr, sparse_csc, sparse_csr

if TYPE_CHECKING:
    from microtensor.sparse.compressed import SparseCompressedTensor
    from microtensor.sparse.coo import SparseTensor
    from microtensor.tensor import Tensor

__all__ = [
    "ccol_indices_copy",
    "col_indices_copy",
    "crow_indices_copy",
    "indices_copy",
    "row_indices_copy",
    "sparse_bsc_tensor",
    "sparse_bsr_tensor",
    "sparse_compressed_tensor",
    "sparse_coo_tensor",
    "sparse_csc_tensor",
    "sparse_csr_tensor",
    "spmm",
    "values_copy",
]


def sparse_coo_tensor(
    indices: Any,
    values: Any,
    size: Any = None,
    *,
    dtype: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    check_invariants: bool | None = None,
    is_coalesced: bool | None = None,
) -> SparseTensor:
    """A COO sparse tensor: ``values[k]`` at ``indices[:, k]``, duplicates summed when used.

    Args:
        indices: (ndim, nnz) integer indices (a Tensor or nested lists), cast to int64.
        values: (nnz,) values; a Tensor that requires grad stays connected to the graph.
        size: the size; when None, each dim is one past its largest index (torch's rule).
        dtype: the values' dtype (default: that of ``values``).
        device: accepted for compatibility (CPU only).
        pin_memory: accepted for compatibility.
        requires_grad: make the values a new leaf that requires grad.
        check_invariants: accepted; the indices are always checked.
        is_coalesced: trust that the indices are sorted and unique (as torch, unchecked).

    Returns:
        A ``SparseTensor`` with ``layout == microtensor.sparse_coo``.

    Raises:
        RuntimeError: for indices that are not 2-D, a values length other than nnz, a size of
            the wrong length, or negative or out-of-range indices (torch's messages).
        NotImplementedError: for values with dense dims (hybrid sparse tensors).

    Differs from PyTorch: indices are always checked against the size (torch checks them
    only with ``check_invariants=True``); hybrid tensors are refused.

    Example:
        >>> import microtensor as mt
        >>> a = mt.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], (2, 2))
        >>> a.to_dense()
        tensor([[0., 1.],
                [2., 0.]])
    """
    from microtensor.sparse.creation import make_sparse_coo

    return make_sparse_coo(indices, values, size, dtype, requires_grad, is_coalesced)


def spmm(input: Any, mat2: Any) -> Tensor:  # noqa: A002
    """``torch.spmm``: ``mm`` that takes a sparse COO first operand (or two dense ones).

    Raises:
        NotImplementedError: for a sparse ``input`` that requires grad (torch gives it a
            dense gradient; use ``sparse.mm``), or a sparse ``mat2``.

    Example:
        >>> import microtensor as mt
        >>> a = mt.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], (2, 2))
        >>> mt.spmm(a, mt.ones(2, 1))
        tensor([[1.],
                [2.]])
    """
    from microtensor.ops.linalg import mm

    return mm(input, mat2)  # mm sends a sparse operand to microtensor.sparse


def sparse_compressed_tensor(
    compressed_indices: Any,
    plain_indices: Any,
    values: Any,
    size: Any = None,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    check_invariants: bool | None = None,
) -> SparseCompressedTensor:
    """A compressed sparse tensor of ``layout`` (CSR, CSC, BSR or BSC) from its three arrays.

    Row (CSR, BSR) or column (CSC, BSC) ``i`` of batch ``b`` owns the entries
    ``compressed_indices[b, i]:compressed_indices[b, i + 1]``; ``plain_indices`` gives their
    columns (rows), sorted within each row (column); ``values`` holds them, one value per entry,
    or one ``(r, c)`` block per entry for BSR and BSC.

    Args:
        compressed_indices: ``(*batch, n + 1)`` int32 or int64 indices (a Tensor or lists).
        plain_indices: ``(*batch, nnz)`` indices of the same dtype.
        values: ``(*batch, nnz)`` values, or ``(*batch, nnz, r, c)`` blocks; a Tensor that
            requires grad stays connected to the graph.
        size: the size; when None, the compressed dim has ``n`` rows (columns) and the plain dim
            is one past the largest plain index (times the block size), as torch.
        dtype: the values' dtype (default: that of ``values``).
        layout: ``sparse_csr``, ``sparse_csc``, ``sparse_bsr`` or ``sparse_bsc`` (required).
        device: accepted for compatibility (CPU only).
        pin_memory: accepted for compatibility.
        requires_grad: make the values a new leaf that requires grad.
        check_invariants: accepted; the invariants are always checked.

    Returns:
        A ``SparseCompressedTensor`` of that layout.

    Raises:
        RuntimeError: for a missing or dense layout, shapes that do not fit, index dtypes that
            differ or are not int32/int64, or indices that break the invariants (torch's
            messages, in torch's order).
        NotImplementedError: for values with dense dims (hybrid sparse tensors).

    Differs from PyTorch: the invariants are always checked (torch checks them only with
    ``check_invariants=True``); hybrid tensors are refused.

    Example:
        >>> import microtensor as mt
        >>> a = mt.sparse_compressed_tensor([0, 1, 2], [1, 0], [1.0, 2.0], layout=mt.sparse_csc)
        >>> a.to_dense()
        tensor([[0., 2.],
                [1., 0.]])
    """
    from microtensor.sparse.compressed_creation import make_sparse_compressed

    return make_sparse_compressed(
        compressed_indices, plain_indices, values, size, layout, dtype, requires_grad
    )


def _compressed(
    layout: layout,
    compressed: Any,
    plain: Any,
    values: Any,
    size: Any,
    dtype: Any,
    requires_grad: bool,
) -> SparseCompressedTensor:
    """``make_sparse_compressed`` of a fixed layout (it loads ``microtensor.sparse``)."""
    from microtensor.sparse.compressed_creation import make_sparse_compressed

    return make_sparse_compressed(compressed, plain, values, size, layout, dtype, requires_grad)


def sparse_csr_tensor(
    crow_indices: Any,
    col_indices: Any,
    values: Any,
    size: Any = None,
    *,
    dtype: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    check_invariants: bool | None = None,
) -> SparseCompressedTensor:
    """A CSR (compressed sparse row) tensor: ``sparse_compressed_tensor`` with that layout.

    Row ``i`` holds ``values[crow_indices[i]:crow_indices[i + 1]]`` at the columns
    ``col_indices[crow_indices[i]:crow_indices[i + 1]]``. The arguments, checks and
    differences from PyTorch are ``sparse_compressed_tensor``'s.

    Raises:
        RuntimeError: for arguments that break torch's rules (torch's messages).
        NotImplementedError: for values with dense dims (hybrid sparse tensors).

    Example:
        >>> import microtensor as mt
        >>> a = mt.sparse_csr_tensor([0, 1, 1, 3], [2, 0, 1], [1.0, 2.0, 3.0], (3, 3))
        >>> a.to_dense()
        tensor([[0., 0., 1.],
                [0., 0., 0.],
                [2., 3., 0.]])
    """
    return _compressed(sparse_csr, crow_indices, col_indices, values, size, dtype, requires_grad)


def sparse_csc_tensor(
    ccol_indices: Any,
    row_indices: Any,
    values: Any,
    size: Any = None,
    *,
    dtype: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    check_invariants: bool | None = None,
) -> SparseCompressedTensor:
    """A CSC (compressed sparse column) tensor: ``sparse_compressed_tensor`` with that layout.

    Column ``j`` holds ``values[ccol_indices[j]:ccol_indices[j + 1]]`` at the rows
    ``row_indices[ccol_indices[j]:ccol_indices[j + 1]]``.

    Raises:
        RuntimeError: for arguments that break torch's rules (torch's messages).
        NotImplementedError: for values with dense dims (hybrid sparse tensors).

    Example:
        >>> import microtensor as mt
        >>> mt.sparse_csc_tensor([0, 1, 2], [1, 0], [1.0, 2.0]).to_dense()
        tensor([[0., 2.],
                [1., 0.]])
    """
    return _compressed(sparse_csc, ccol_indices, row_indices, values, size, dtype, requires_grad)


def sparse_bsr_tensor(
    crow_indices: Any,
    col_indices: Any,
    values: Any,
    size: Any = None,
    *,
    dtype: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    check_invariants: bool | None = None,
) -> SparseCompressedTensor:
    """A BSR (block sparse row) tensor: CSR over blocks, ``values`` of shape ``(nnz, r, c)``.

    Raises:
        RuntimeError: for arguments that break torch's rules (torch's messages).
        NotImplementedError: for values with dense dims (hybrid sparse tensors).

    Example:
        >>> import microtensor as mt
        >>> mt.sparse_bsr_tensor([0, 1], [1], [[[1.0], [2.0]]], (2, 2)).to_dense()
        tensor([[0., 1.],
                [0., 2.]])
    """
    return _compressed(sparse_bsr, crow_indices, col_indices, values, size, dtype, requires_grad)


def sparse_bsc_tensor(
    ccol_indices: Any,
    row_indices: Any,
    values: Any,
    size: Any = None,
    *,
    dtype: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    check_invariants: bool | None = None,
) -> SparseCompressedTensor:
    """A BSC (block sparse column) tensor: CSC over blocks, ``values`` of shape ``(nnz, r, c)``.

    Raises:
        RuntimeError: for arguments that break torch's rules (torch's messages).
        NotImplementedError: for values with dense dims (hybrid sparse tensors).

    Example:
        >>> import microtensor as mt
        >>> mt.sparse_bsc_tensor([0, 1], [1], [[[1.0, 2.0]]], (2, 2)).to_dense()
        tensor([[0., 0.],
                [1., 2.]])
    """
    return _compressed(sparse_bsc, ccol_indices, row_indices, values, size, dtype, requires_grad)


def _part_copy(method: str, input: Any, out: Any) -> Tensor:  # noqa: A002
    """A fresh copy of ``getattr(input, method)()``, written into ``out`` when given."""
    from microtensor.tensor import Tensor

    part = getattr(input, method, None) if not isinstance(input, Tensor) else None
    if part is None:
        wanted = {
            "crow_indices": "sparse row compressed",
            "col_indices": "sparse row compressed",
            "ccol_indices": "sparse column compressed",
            "row_indices": "sparse column compressed",
            "indices": "sparse coordinate",
            "values": "sparse",
        }[method]
        raise RuntimeError(f"{method} expected {wanted} tensor layout but got Strided")
    result = part().clone()
    if out is None:
        return result  # type: ignore[no-any-return]
    from microtensor._out_argument import write_out

    return write_out(out, result, f"{method}_copy")


def crow_indices_copy(input: Any, *, out: Any = None) -> Tensor:  # noqa: A002
    """A copy of ``input.crow_indices()`` (a CSR or BSR tensor's compressed row indices).

    Raises:
        RuntimeError: for a tensor of another layout (torch's message).

    Example:
        >>> import microtensor as mt
        >>> mt.crow_indices_copy(mt.eye(2).to_sparse_csr())
        tensor([0, 1, 2])
    """
    return _part_copy("crow_indices", input, out)


def col_indices_copy(input: Any, *, out: Any = None) -> Tensor:  # noqa: A002
    """A copy of ``input.col_indices()`` (a CSR or BSR tensor's column indices).

    Raises:
        RuntimeError: for a tensor of another layout (torch's message).

    Example:
        >>> import microtensor as mt
        >>> mt.col_indices_copy(mt.eye(2).to_sparse_csr())
        tensor([0, 1])
    """
    return _part_copy("col_indices", input, out)


def ccol_indices_copy(input: Any, *, out: Any = None) -> Tensor:  # noqa: A002
    """A copy of ``input.ccol_indices()`` (a CSC or BSC tensor's compressed column indices).

    Raises:
        RuntimeError: for a tensor of another layout (torch's message).

    Example:
        >>> import microtensor as mt
        >>> mt.ccol_indices_copy(mt.eye(2).to_sparse_csc())
        tensor([0, 1, 2])
    """
    return _part_copy("ccol_indices", input, out)


def row_indices_copy(input: Any, *, out: Any = None) -> Tensor:  # noqa: A002
    """A copy of ``input.row_indices()`` (a CSC or BSC tensor's row indices).

    Raises:
        RuntimeError: for a tensor of another layout (torch's message).

    Example:
        >>> import microtensor as mt
        >>> mt.row_indices_copy(mt.eye(2).to_sparse_csc())
        tensor([0, 1])
    """
    return _part_copy("row_indices", input, out)


def indices_copy(input: Any, *, out: Any = None) -> Tensor:  # noqa: A002
    """A copy of ``input.indices()`` (a coalesced COO tensor's indices).

    Raises:
        RuntimeError: for a dense or compressed tensor, or an uncoalesced one (torch's
            messages).

    Differs from PyTorch: torch 2.13 has no kernel of it for COO tensors (it raises
    NotImplementedError); this returns the copy its documentation describes.

    Example:
        >>> import microtensor as mt
        >>> mt.indices_copy(mt.eye(2).to_sparse())
        tensor([[0, 1],
                [0, 1]])
    """
    return _part_copy("indices", input, out)


def values_copy(input: Any, *, out: Any = None) -> Tensor:  # noqa: A002
    """A copy of ``input.values()`` (differentiable, as a clone is).

    Raises:
        RuntimeError: for a dense tensor or an uncoalesced COO one (torch's messages).

    Differs from PyTorch: torch 2.13 has no kernel of it for COO tensors (it raises
    NotImplementedError); this returns the copy its documentation describes.

    Example:
        >>> import microtensor as mt
        >>> mt.values_copy(mt.sparse_csr_tensor([0, 1], [0], [5.0]))
        tensor([5.])
    """
    return _part_copy("values", input, out)
