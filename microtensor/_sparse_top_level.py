"""``microtensor.sparse_coo_tensor`` and ``microtensor.spmm``, top-level sparse functions.

They load ``microtensor.sparse`` on first call, so that ``import microtensor`` does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from microtensor.sparse.coo import SparseTensor
    from microtensor.tensor import Tensor

__all__ = ["sparse_coo_tensor", "spmm"]


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
