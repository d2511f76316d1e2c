"""Sparse-dense products and sums: ``sparse.mm``, ``sparse.addmm``, ``sparse.sum``.

The results are dense Tensors (``sparse.sum`` over some dims only: sparse, as torch's).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.sparse.compressed import TORCH_NAMES, SparseCompressedTensor
from microtensor.sparse.compressed_products import compressed_product
from microtensor.sparse.coo import SparseTensor
from microtensor.tensor import Tensor

__all__ = ["addmm", "dense_addmm", "mm", "sum"]

_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long"}


def _rows_times(a: Any, rows: Any, cols: Any, n: int, b: np.ndarray) -> np.ndarray:
    out = np.zeros((n, b.shape[1]), dtype=np.result_type(a, b))
    np.add.at(out, rows, a[:, None] * b[cols])  # entry by entry, as torch's CPU kernel
    return out


class SparseMm(Op, node_name="SparseAddmmBackward0"):
    """z = A @ b, A stored as (rows r, cols c, values a): z[r_k] += a_k * b[c_k].

    dz/da_k = sum_j grad[r_k, j] * b[c_k, j] (A's pattern);  dz/db = A^T @ grad.
    """

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any, *, rows: Any, cols: Any, n: int) -> Any:
        ctx.save_for_backward(a, b)
        ctx.rows, ctx.cols = rows, cols
        return _rows_times(a, rows, cols, n, b)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, b = ctx.saved_tensors
        rows, cols = ctx.rows, ctx.cols
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = (grad_out[rows] * b[cols]).sum(1)
        if ctx.needs_input_grad[1]:
            k = b.shape[0]
            if isinstance(grad_out, np.ndarray):
                grad_b = _rows_times(a, cols, rows, k, grad_out)
            else:  # create_graph: A^T @ grad recorded as a sparse product itself
                grad_b = SparseMm.apply(a, grad_out, rows=cols, cols=rows, n=k)
        return grad_a, grad_b


def _check_mm(op: str, sparse: Any, dense: Any) -> None:
    if not isinstance(dense, Tensor):
        raise TypeError(f"{op}(): mat2 must be a dense Tensor, got {type(dense).__name__}")
    if sparse.dim() != 2:
        raise RuntimeError(f"{op}(): the sparse input must be 2-D, but got size {sparse._shape}")
    if dense.dim() != 2:
        raise IndexError(
            "Dimension out of range (expected to be in range of "
            f"[{-max(dense.dim(), 1)}, {max(dense.dim(), 1) - 1}], but got 1)"
        )
    if sparse._shape[1] != dense.shape[0]:
        raise RuntimeError(
            f"addmm: Argument #3 (dense): Expected dim 0 size {sparse._shape[1]}, got "
            f"{dense.shape[0]}"
        )
    mine, theirs = str(sparse._values_t._data.dtype), str(dense._data.dtype)
    if mine != theirs:
        raise RuntimeError(
            f"expected scalar type {_SCALAR_NAMES.get(mine, mine)} but found "
            f"{_SCALAR_NAMES.get(theirs, theirs)}"
        )


def mm(mat1: SparseTensor, mat2: Tensor, reduce: str = "sum") -> Tensor:
    """``mat1 @ mat2`` for a sparse COO ``mat1`` (n, k) and a dense ``mat2`` (k, m).

    Gradients: w.r.t. ``mat2`` (A^T @ grad) and w.r.t. ``mat1``'s values, so a sparse leaf's
    gradient is sparse with its pattern, as torch's.

    Raises:
        RuntimeError: for a sparse input that is not 2-D, mismatched inner sizes or dtypes
            (torch's messages).
        IndexError: for a ``mat2`` that is not 2-D (torch's message).
        NotImplementedError: for a dense ``mat1``, a sparse ``mat2``, or ``reduce`` other
            than "sum".

    Example:
        >>> import microtensor as mt
        >>> a = mt.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], (2, 2))
        >>> mt.sparse.mm(a, mt.ones(2, 1))
        tensor([[1.],
                [2.]])
    """
    if reduce != "sum":
        raise NotImplementedError(f"sparse.mm(): reduce={reduce!r} is not supported")
    if isinstance(mat1, SparseCompressedTensor) or isinstance(mat2, SparseCompressedTensor):
        return compressed_product("sparse.mm", mat1, mat2)
    if not isinstance(mat1, SparseTensor) or isinstance(mat2, SparseTensor):
        raise NotImplementedError(
            "sparse.mm(): microtensor supports a sparse COO first operand times a dense second "
            "one; call .to_dense() on the other operands"
        )
    _check_mm("sparse.mm", mat1, mat2)
    rows, cols = mat1._indices_t._data
    n = mat1._shape[0]
    return SparseMm.apply(mat1._values_t, mat2, rows=rows, cols=cols, n=n)  # type: ignore[no-any-return]


def dense_product(op: str, input: Any, other: Any) -> Tensor:  # noqa: A002
    """``mm``, ``matmul``, ``spmm`` and ``@`` with a sparse operand: sparse @ dense only.

    torch gives a sparse input of these a dense gradient (``sparse.mm``'s is sparse); that
    gradient is not supported here, so a sparse input that requires grad is refused.
    A compressed operand (first or second) goes to ``compressed_product``.
    """
    if isinstance(input, SparseCompressedTensor) or isinstance(other, SparseCompressedTensor):
        return compressed_product(op, input, other)
    if not isinstance(input, SparseTensor) or isinstance(other, SparseTensor):
        raise NotImplementedError(
            f"{op}(): microtensor supports a sparse COO first operand times a dense second one; "
            "call .to_dense() on the other operands"
        )
    if input.requires_grad:
        raise NotImplementedError(
            f"{op}(): torch gives the sparse input of {op} a dense gradient, which microtensor "
            "does not support; use microtensor.sparse.mm (sparse gradient, as torch's) or "
            "detach the sparse tensor"
        )
    if isinstance(other, Tensor) and other.dim() == 1 and op == "matmul":
        return mm(input, other.reshape(-1, 1)).reshape(-1)
    return mm(input, other)


def addmm(
    mat: Tensor, mat1: SparseTensor, mat2: Tensor, *, beta: float = 1.0, alpha: float = 1.0
) -> Tensor:
    """``beta * mat + alpha * (mat1 @ mat2)`` for a sparse ``mat1``, as ``torch.sparse.addmm``.

    ``mat`` broadcasts to the product's shape; ``beta=0`` ignores it (NaN in it included).

    Example:
        >>> import microtensor as mt
        >>> a = mt.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], (2, 2))
        >>> mt.sparse.addmm(mt.ones(2, 1), a, mt.ones(2, 1), beta=0.5)
        tensor([[1.5000],
                [2.5000]])
    """
    return _scaled_sum("sparse.addmm", mat, mm(mat1, mat2), beta, alpha)


def dense_addmm(
    input: Tensor,  # noqa: A002
    mat1: Any,
    mat2: Any,
    *,
    beta: float = 1.0,
    alpha: float = 1.0,
) -> Tensor:
    """``microtensor.addmm`` with a sparse operand: ``beta * input + alpha * (mat1 @ mat2)``.

    As ``mm``: a sparse leaf that requires grad is refused (torch gives it a dense gradient).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.sparse.products import dense_addmm
        >>> a = mt.tensor([[0.0, 1.0], [2.0, 0.0]]).to_sparse_csr()
        >>> dense_addmm(mt.ones(2, 1), a, mt.ones(2, 1), alpha=2)
        tensor([[3.],
                [5.]])
    """
    return _scaled_sum("addmm", input, dense_product("addmm", mat1, mat2), beta, alpha)


def _scaled_sum(op: str, mat: Tensor, product: Tensor, beta: float, alpha: float) -> Tensor:
    shape = tuple(product.shape)
    try:
        fits = np.broadcast_shapes(tuple(mat.shape), shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(
            f"{op}(): mat of shape {tuple(mat.shape)} does not broadcast to the product's "
            f"shape {shape}"
        )
    scaled = product if alpha == 1 else product * alpha
    if beta == 0:
        return scaled  # torch ignores mat
    return (mat if beta == 1 else mat * beta) + scaled


def sum(input: SparseTensor, dim: Any = None, dtype: Any = None) -> Any:  # noqa: A001, A002
    """The sum of a sparse COO tensor: over all dims a dense 0-d Tensor, over some a sparse one.

    Raises:
        IndexError: for a dim out of range.

    Example:
        >>> import microtensor as mt
        >>> a = mt.sparse_coo_tensor([[0, 1, 1], [1, 0, 0]], [1.0, 2.0, 3.0], (2, 2))
        >>> mt.sparse.sum(a)
        tensor(6.)
    """
    if isinstance(input, SparseCompressedTensor):  # torch's sparse.sum coalesces: COO only
        raise RuntimeError(
            f"coalesce expected sparse coordinate tensor layout but got {TORCH_NAMES[input.layout]}"
        )
    if not isinstance(input, SparseTensor):
        raise TypeError(f"sparse.sum(): input must be a sparse tensor, got {type(input).__name__}")
    values = input._values_t if dtype is None else input._values_t.to(dtype)
    if dim is None:
        return values.sum()
    from microtensor.ops._common import normalize_dim

    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    summed = {normalize_dim("sum", d, input.dim()) for d in dims}
    kept = [d for d in range(input.dim()) if d not in summed]
    if not kept:
        return values.sum()
    indices = Tensor._make(input._indices_t._data[kept])
    size = tuple(input._shape[d] for d in kept)
    return SparseTensor(indices, values, size, False).coalesce()
