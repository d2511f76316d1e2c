"""Products of a compressed sparse matrix (CSR, CSC, BSR, BSC) with a dense one.

``sparse.mm``, ``mm``, ``matmul``, ``@`` and ``sparse.addmm`` come here for a compressed
operand, first or second. The product runs entry by entry on the stored elements
(``SparseMm``, COO's kernel), so the gradients are COO's: the dense operand gets
``A^T @ grad`` and the values ``grad[r_k] . b[c_k]`` on the pattern, as torch's.
"""

from __future__ import annotations

from typing import Any

from microtensor.sparse.compressed import SparseCompressedTensor
from microtensor.sparse.compressed_creation import scalar_name
from microtensor.sparse.coo import SparseTensor
from microtensor.tensor import Tensor

__all__ = ["compressed_product"]


def _entries_product(sparse: SparseCompressedTensor, dense: Tensor) -> Tensor:
    from microtensor.sparse.products import SparseMm

    *_, rows, cols = sparse._coordinates()
    values = sparse._values_t.reshape(-1)
    n = sparse._shape[0]
    return SparseMm.apply(values, dense, rows=rows, cols=cols, n=n)  # type: ignore[no-any-return]


def _check(op: str, mat1: Any, mat2: Any, sparse_first: bool) -> None:
    """The checks torch makes of a compressed product, in its words."""
    for name, operand in (("mat1", mat1), ("mat2", mat2)):
        if not isinstance(operand, (Tensor, SparseCompressedTensor)):
            raise TypeError(f"{op}(): {name} must be a Tensor, got {type(operand).__name__}")
    dense = mat2 if sparse_first else mat1
    if mat1.dim() != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {mat1.dim()}-D tensor")
    if mat2.dim() != 2:
        if op == "mm" and sparse_first:
            ndim = max(mat2.dim(), 1)
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but "
                "got 1)"
            )
        raise RuntimeError(f"mat2 must be a matrix, got {mat2.dim()}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x{mat1.shape[1]} and "
            f"{mat2.shape[0]}x{mat2.shape[1]})"
        )
    sparse = mat1 if sparse_first else mat2
    if sparse._values_t._data.dtype != dense._data.dtype:
        first, second = sparse._values_t._data, dense._data
        if op == "sparse.mm":  # torch's sparse.mm names them the other way round
            first, second = second, first
        raise RuntimeError(
            f"expected scalar type {scalar_name(first)} but found {scalar_name(second)}"
        )


def compressed_product(op: str, input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input @ other`` where one of them is compressed sparse and the other dense (2-D).

    ``matmul`` also takes a 1-D dense operand (a matrix-vector product), as torch.

    Raises:
        NotImplementedError: for two sparse operands, or a sparse leaf that requires grad (or
            a tensor converted from a dense or COO one that does) given to ``mm``, ``matmul``
            or ``@`` (torch gives it a dense gradient; use ``sparse.mm``, whose gradient has
            the pattern). A tensor built from values that require grad is fine: torch's
            gradient of the values is the pattern's.
        RuntimeError: for operands that are not matrices, mismatched inner sizes or dtypes
            (torch's messages).
        IndexError: for a 1-D second operand of ``mm`` (torch's message).
    """
    sparse_types = (SparseTensor, SparseCompressedTensor)
    if isinstance(input, sparse_types) and isinstance(other, sparse_types):
        raise NotImplementedError(
            f"{op}(): products of two sparse tensors are not supported in microtensor; call "
            ".to_dense() on one of them"
        )
    sparse_first = isinstance(input, SparseCompressedTensor)
    sparse = input if sparse_first else other
    if op != "sparse.mm" and sparse.requires_grad and not sparse._masked:
        raise NotImplementedError(
            f"{op}(): torch gives a sparse leaf that requires grad (or the dense or COO tensor "
            f"it was converted from) a dense gradient in {op}, which microtensor does not "
            "support; use microtensor.sparse.mm (gradient with the sparse pattern, as torch's) "
            "or detach the sparse tensor"
        )
    if op == "matmul" and isinstance(input, Tensor) and input.dim() == 1:
        return compressed_product(op, input.reshape(1, -1), other).reshape(-1)
    if op == "matmul" and isinstance(other, Tensor) and other.dim() == 1:
        return compressed_product(op, input, other.reshape(-1, 1)).reshape(-1)
    _check(op, input, other, sparse_first)
    if sparse_first:
        return _entries_product(input, other)
    return _entries_product(other.t(), input.t()).t()  # x @ A = (A^T @ x^T)^T
