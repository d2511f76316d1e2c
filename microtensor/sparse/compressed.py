"""Compressed sparse tensors: CSR, CSC, BSR and BSC (``SparseCompressedTensor``).

A ``SparseCompressedTensor`` holds three dense Tensors and its size, as torch's: the
compressed indices (``crow_indices`` for CSR/BSR, ``ccol_indices`` for CSC/BSC; shape
``(*batch, n + 1)``, where row or column ``i`` owns the stored entries
``compressed[i]:compressed[i + 1]``), the plain indices (``col_indices`` or ``row_indices``;
``(*batch, nnz)``) and the values (``(*batch, nnz)``, or ``(*batch, nnz, r, c)`` blocks for
BSR/BSC). Indices are int32 or int64, as given. Gradients flow through the values, so a leaf's
gradient has its pattern, as torch's. Like the COO ``SparseTensor``, dense ops refuse it with an
error naming the op and telling to call ``.to_dense()``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor._layout import layout, sparse_bsc, sparse_bsr, sparse_csc, sparse_csr
from microtensor.sparse.coo import SparseTensor, ToDense
from microtensor.sparse.sparse_base import SparseBase
from microtensor.tensor import Tensor

__all__ = ["SparseCompressedTensor"]

# layout -> (compressed indices' name, plain indices' name, compresses rows, has blocks)
LAYOUTS = {
    sparse_csr: ("crow_indices", "col_indices", True, False),
    sparse_csc: ("ccol_indices", "row_indices", False, False),
    sparse_bsr: ("crow_indices", "col_indices", True, True),
    sparse_bsc: ("ccol_indices", "row_indices", False, True),
}
# torch's names of the layouts in its error messages
TORCH_NAMES = {
    sparse_csr: "SparseCsr",
    sparse_csc: "SparseCsc",
    sparse_bsr: "SparseBsr",
    sparse_bsc: "SparseBsc",
}


def _wrong_layout(method: str, wanted: str, got: str) -> RuntimeError:
    return RuntimeError(f"{method} expected sparse {wanted} tensor layout but got {got}")


def _refuse(op: str, name: str) -> RuntimeError:
    return RuntimeError(
        f"{op}(): got a sparse {name} tensor, which this op does not support in microtensor (it "
        "needs a dense tensor); call .to_dense() first, or use microtensor.sparse.mm, mm, @, "
        "t(), transpose() or scalar * and / on the sparse tensor"
    )


class SparseCompressedTensor(SparseBase):
    """A CSR, CSC, BSR or BSC sparse tensor, as torch's (batch dims allowed, no dense dims).

    Made by ``microtensor.sparse_csr_tensor`` (and ``_csc_``, ``_bsr_``, ``_bsc_``,
    ``sparse_compressed_tensor``) or ``Tensor.to_sparse_csr()`` (and ``to_sparse_csc``,
    ``to_sparse_bsr``, ``to_sparse_bsc``).

    Differs from PyTorch: a class of its own beside ``Tensor``; hybrid tensors (values with
    dense dims) are not supported; dense ops refuse it; a leaf that requires grad, or a
    tensor converted from a dense or COO one that does, is refused by ``mm``, ``matmul``,
    ``@``, ``addmm`` and ``sum`` (torch gives it a dense gradient; use ``sparse.mm`` or
    ``values()``); CSC, BSR and BSC products have gradients (torch has no
    backward for them); converting to BSR or BSC from another layout goes through the dense
    tensor, so an explicitly stored zero is kept only inside a block that is stored anyway.
    """

    __slots__ = (
        "_compressed_t",
        "_plain_t",
        "_values_t",
        "_shape",
        "layout",
        "_masked",
        "__weakref__",
    )
    _scaling = "sparse compressed tensor can be multiplied"
    is_sparse = False  # torch: True only for COO

    def __init__(
        self,
        compressed: Tensor,
        plain: Tensor,
        values: Tensor,
        size: tuple[int, ...],
        layout: layout,
        masked: bool = False,
    ) -> None:
        self._compressed_t = compressed
        self._plain_t = plain
        self._values_t = values
        self._shape = tuple(size)
        self.layout = layout
        # True when torch's gradient of this tensor in a dense product reaches the graph only
        # through its values' pattern: it was built by sparse_csr_tensor (and kin) from values
        # that require grad, then scaled or transposed. A leaf, or a tensor converted from a
        # dense or COO one, gets a dense gradient in torch's mm and sum instead.
        self._masked = masked

    # --- what it tells about itself ---------------------------------------------------------
    @property
    def is_sparse_csr(self) -> bool:
        """True for the CSR layout only (torch's flag)."""
        return self.layout is sparse_csr

    def numel(self) -> int:
        """Number of elements of the dense tensor it stands for."""
        return math.prod(self._shape)

    def sparse_dim(self) -> int:
        """Number of sparse dims: 2 (rows and columns)."""
        return 2

    def _batch_ndim(self) -> int:
        return self._compressed_t.dim() - 1

    def _blocksize(self) -> tuple[int, int]:
        if not LAYOUTS[self.layout][3]:
            return (1, 1)
        batch = self._batch_ndim()
        return (int(self._values_t.shape[batch + 1]), int(self._values_t.shape[batch + 2]))

    def _nnz(self) -> int:
        """Number of stored elements (blocks for BSR/BSC) per batch."""
        return int(self._plain_t.shape[-1])

    def _indices_part(self, method: str) -> Tensor:
        """The compressed or plain indices, if ``method`` belongs to this layout (torch's check)."""
        compressed_name, plain_name = LAYOUTS[self.layout][:2]
        if method not in (compressed_name, plain_name):
            wanted = "row" if method in ("crow_indices", "col_indices") else "column"
            raise _wrong_layout(method, f"{wanted} compressed", TORCH_NAMES[self.layout])
        return self._compressed_t if method == compressed_name else self._plain_t

    def values(self) -> Tensor:
        """The stored values (gradients flow through them)."""
        return self._values_t

    def indices(self) -> Any:
        """Refused, as torch: compressed tensors have no COO indices.

        Raises:
            RuntimeError: always (torch's message).
        """
        raise _wrong_layout("indices", "coordinate", TORCH_NAMES[self.layout])

    # --- autograd ------------------------------------------------------------------------
    @property
    def grad(self) -> SparseCompressedTensor | None:
        """The gradient: a tensor of this layout with this tensor's pattern, as torch's."""
        grad = self._values_t.grad
        if grad is None:
            return None
        return self._with_values(grad.detach())

    @grad.setter
    def grad(self, value: None) -> None:
        self._set_grad(value)

    def detach(self) -> SparseCompressedTensor:
        """The same indices and values, out of the graph."""
        return self._with_values(self._values_t.detach())

    def _with_values(self, values: Tensor) -> SparseCompressedTensor:
        return SparseCompressedTensor(
            self._compressed_t, self._plain_t, values, self._shape, self.layout, self._masked
        )

    # --- conversions ---------------------------------------------------------------------
    def _block_coordinates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The flat batch number, block row and block column of every stored entry, in order.

        Row ``i`` of a CSR tensor owns ``compressed[i + 1] - compressed[i]`` entries; repeating
        each row number that many times gives the entries' rows (columns for CSC).
        """
        batches = math.prod(self._shape[: self._batch_ndim()])
        compressed = self._compressed_t._data.reshape(batches, -1).astype(np.int64)
        plain = self._plain_t._data.reshape(-1).astype(np.int64)
        counts = np.diff(compressed, axis=1)
        owner = np.repeat(np.tile(np.arange(counts.shape[1]), batches), counts.reshape(-1))
        block_rows, block_cols = (owner, plain) if LAYOUTS[self.layout][2] else (plain, owner)
        return np.repeat(np.arange(batches), self._nnz()), block_rows, block_cols

    def _coordinates(self) -> tuple[np.ndarray, ...]:
        """The dense index (batch dims, row, col) of every element of ``values``, in C order."""
        batch, block_rows, block_cols = self._block_coordinates()
        r, c = self._blocksize()
        rows = block_rows[:, None, None] * r + np.arange(r)[None, :, None]
        cols = block_cols[:, None, None] * c + np.arange(c)[None, None, :]
        shape = (len(batch), r, c)
        rows, cols = (np.broadcast_to(a, shape).reshape(-1) for a in (rows, cols))
        batch_shape = self._shape[: self._batch_ndim()]
        if not batch_shape:
            return rows, cols
        return (*np.unravel_index(np.repeat(batch, r * c), batch_shape), rows, cols)

    def to_dense(self, dtype: Any = None, *, masked_grad: Any = None) -> Tensor:
        """The dense tensor; its gradient w.r.t. the values has this tensor's pattern."""
        values = self._values_t.reshape(-1)
        dense = ToDense.apply(values, index=self._coordinates(), size=self._shape)
        return dense if dtype is None else dense.to(dtype)

    def to_sparse_coo(self) -> SparseTensor:
        """The COO tensor of the same elements (blocks' elements one by one), as torch."""
        coordinates = self._coordinates()
        indices = np.stack(coordinates).astype(np.int64).reshape(len(coordinates), -1)
        # torch marks the result coalesced when the entries come in row-major order by
        # construction (CSR, BSR of 1 x 1 blocks) or there is at most one
        one_by_one = self.layout is sparse_bsr and self._blocksize() == (1, 1)
        coalesced = self.layout is sparse_csr or one_by_one or self._values_t._data.size <= 1
        from microtensor.sparse.compressed_nodes import ToSparseCooValues

        values = ToSparseCooValues.apply(self._values_t.reshape(-1))
        return SparseTensor(Tensor._make(indices), values, self._shape, coalesced)

    def to_sparse(self, *args: Any, **kwargs: Any) -> Any:
        """``to_sparse(sparseDims=None, *, layout=None, blocksize=None, dense_dim=None)``.

        COO by default; another compressed layout when ``layout`` says so.
        """
        from microtensor.sparse.compressed_conversions import sparse_to_sparse

        return sparse_to_sparse(self, *args, **kwargs)

    def transpose(self, dim0: int, dim1: int) -> SparseCompressedTensor:
        """Swap two dims: the two sparse ones (CSR <-> CSC, BSR <-> BSC), or two batch dims.

        Raises:
            RuntimeError: for a batch dim with a sparse one (torch's message).
        """
        from microtensor.sparse.compressed_conversions import transpose

        return transpose(self, dim0, dim1)

    def t(self) -> SparseCompressedTensor:
        """The transpose of a 2-D tensor: CSR <-> CSC and BSR <-> BSC on the same arrays.

        Raises:
            RuntimeError: for batch dims (torch's message).
        """
        if self.dim() > 2:
            raise RuntimeError(
                f"t() expects a tensor with <= 2 dimensions, but self is {self.dim()}D"
            )
        from microtensor.sparse.compressed_conversions import transpose
        from microtensor.sparse.compressed_nodes import TValues

        return transpose(self, 0, 1, TValues)

    @property
    def mT(self) -> SparseCompressedTensor:  # noqa: N802 - torch's name
        """The last two dims swapped."""
        return self.transpose(-2, -1)

    def clone(self) -> SparseCompressedTensor:
        """A copy of the indices and values (differentiable in the values)."""
        compressed = Tensor._make(self._compressed_t._data.copy())
        plain = Tensor._make(self._plain_t._data.copy())
        values = self._values_t.clone()
        return SparseCompressedTensor(
            compressed, plain, values, self._shape, self.layout, self._masked
        )

    def sum(self, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
        """The sum of all elements, a dense 0-d tensor (gradient: ones on the pattern).

        Raises:
            RuntimeError: for a ``dim`` (torch refuses it without keepdim).
            NotImplementedError: for ``keepdim=True``, or a leaf that requires grad, or a
                tensor converted from one (torch gives it a dense gradient; sum ``values()``
                for the pattern's).
        """
        if self.requires_grad and not self._masked:
            raise NotImplementedError(
                "sum(): torch gives a sparse leaf that requires grad (or the dense or COO tensor "
                "it was converted from) a dense gradient in sum, which microtensor does not "
                "support; use values().sum() (gradient with the sparse pattern) or detach"
            )
        if dim is not None and not keepdim:
            raise RuntimeError(
                "reduction operations on CSR tensors with keepdim=False is unsupported"
            )
        if dim is not None:
            raise NotImplementedError(
                "sum(): a sum over some dims (keepdim=True) of a sparse "
                "compressed tensor is not supported in microtensor"
            )
        values = self._values_t if dtype is None else self._values_t.to(dtype)
        return values.sum()

    # --- arithmetic with a Python number ---------------------------------------------------
    def __truediv__(self, other: Any) -> SparseCompressedTensor:
        raise RuntimeError(f"unsupported tensor layout: {TORCH_NAMES[self.layout]}")  # as torch

    def __rmatmul__(self, other: Any) -> Tensor:
        from microtensor.sparse.products import dense_product

        return dense_product("matmul", other, self)

    # --- dense ops refuse ------------------------------------------------------------------
    def _name(self) -> str:
        return self.layout.name.removeprefix("sparse_").upper()

    def _refusal(self, op: str) -> RuntimeError:
        return _refuse(op, self._name())

    def __repr__(self) -> str:
        from microtensor.sparse.compressed_repr import compressed_repr

        return compressed_repr(self)
