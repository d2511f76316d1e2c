"""COO sparse tensors: ``sparse_coo_tensor``, and ``SparseTensor`` (indices, values, size).

A ``SparseTensor`` is not a ``Tensor``: it holds two dense Tensors, ``indices`` (int64, one
row per dim, one column per stored element) and ``values`` (one per stored element), and its
size. Gradients flow through ``values``: the ops here and in ``products.py`` take it as their
differentiable input, so a sparse leaf's gradient is sparse with the leaf's pattern, as torch's.
Dense ops refuse a sparse tensor with an error naming the op and telling to call
``.to_dense()``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import _tensor_str
from microtensor._layout import layout, sparse_coo
from microtensor.autograd.function import Op
from microtensor.sparse.sparse_base import SparseBase, repr_suffixes, wrap_suffixes
from microtensor.tensor import Tensor

__all__ = ["SparseTensor"]


class CoalesceValues(Op, node_name="CoalesceBackward0"):
    """z[u] = sum of a[k] over the entries k stored at location u;  dz/da[k] = grad[inverse[k]]."""

    @staticmethod
    def forward(ctx: Any, a: Any, *, inverse: Any, count: int) -> Any:
        ctx.inverse = inverse
        out = np.zeros((count,), dtype=a.dtype)
        np.add.at(out, inverse, a)  # entry order within a location, as torch's sorted sum
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return grad_out[ctx.inverse]


class ToDense(Op, node_name="ToDenseBackward0"):
    """z = zeros(size), z[indices[:, k]] += a[k];  dz/da[k] = grad[indices[:, k]]."""

    @staticmethod
    def forward(ctx: Any, a: Any, *, index: tuple[Any, ...], size: tuple[int, ...]) -> Any:
        if not size:  # a 0-d tensor: every entry is at the one location
            index = (np.zeros(a.shape[0], dtype=np.int64),)
        ctx.index, ctx.size = index, size
        out = np.zeros(size or (1,), dtype=a.dtype)
        np.add.at(out, index, a)
        return out.reshape(size)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return (grad_out if ctx.size else grad_out.reshape((1,)))[ctx.index]


def _refuse(op: str) -> RuntimeError:
    return RuntimeError(
        f"{op}(): got a sparse COO tensor, which this op does not support in microtensor (it "
        "needs a dense tensor); call .to_dense() first, or use microtensor.sparse.mm, "
        "microtensor.sparse.sum, t(), coalesce() or scalar * and / on the sparse tensor"
    )


class SparseTensor(SparseBase):
    """A COO sparse tensor, as torch's ``layout=torch.sparse_coo`` tensors (no dense dims).

    Made by ``microtensor.sparse_coo_tensor`` or ``Tensor.to_sparse()``.

    Differs from PyTorch: a class of its own beside ``Tensor`` (``isinstance(s, Tensor)`` is
    False); hybrid tensors (values with dense dims) are not supported; dense ops refuse it.
    """

    __slots__ = ("_indices_t", "_values_t", "_shape", "_coalesced", "__weakref__")
    is_sparse = True
    is_sparse_csr = False
    layout: layout = sparse_coo
    _scaling = "sparse COO tensor can be multiplied or divided"

    def __init__(self, indices: Tensor, values: Tensor, size: tuple[int, ...], coalesced: bool):
        self._indices_t = indices
        self._values_t = values
        self._shape = tuple(size)
        self._coalesced = coalesced

    # --- what it tells about itself ---------------------------------------------------------
    def sparse_dim(self) -> int:
        """Number of sparse dims: all of them."""
        return len(self._shape)

    def _nnz(self) -> int:
        """Number of stored elements (duplicates counted until ``coalesce()``)."""
        return int(self._values_t.shape[0])

    def is_coalesced(self) -> bool:
        """True if the indices are known sorted and unique (``coalesce()``, ``to_sparse()``)."""
        return self._coalesced

    def _indices(self) -> Tensor:
        """The (ndim, nnz) int64 indices as stored, coalesced or not."""
        return self._indices_t

    def _values(self) -> Tensor:
        """The (nnz,) values as stored, coalesced or not (gradients flow through them)."""
        return self._values_t

    def indices(self) -> Tensor:
        """The indices of a coalesced tensor.

        Raises:
            RuntimeError: if the tensor is not coalesced (as torch).
        """
        if not self._coalesced:
            raise RuntimeError(
                "Cannot get indices on an uncoalesced tensor, please call .coalesce() first"
            )
        return self._indices_t

    def values(self) -> Tensor:
        """The values of a coalesced tensor.

        Raises:
            RuntimeError: if the tensor is not coalesced (as torch).
        """
        if not self._coalesced:
            raise RuntimeError(
                "Cannot get values on an uncoalesced tensor, please call .coalesce() first"
            )
        return self._values_t

    # --- autograd ------------------------------------------------------------------------
    @property
    def grad(self) -> SparseTensor | None:
        """The gradient: a sparse tensor with this tensor's pattern, as torch's.

        The gradient of each stored duplicate is the gradient at its location, so an
        uncoalesced leaf's gradient keeps one entry per location, sorted (torch's result).
        Its ``is_coalesced()`` flag is False, as torch's for ``to_dense`` and ``sparse.mm``.
        """
        grad = self._values_t.grad
        if grad is None:
            return None
        keys, size = _keys(self._indices_t._data, self._shape), self._shape
        unique, first = np.unique(keys, return_index=True)
        indices = _unravel(unique, size)
        return SparseTensor(Tensor._make(indices), grad[first].detach(), size, False)

    @grad.setter
    def grad(self, value: None) -> None:
        self._set_grad(value)

    def detach(self) -> SparseTensor:
        """The same indices and values, out of the graph."""
        return SparseTensor(self._indices_t, self._values_t.detach(), self._shape, self._coalesced)

    # --- conversions ---------------------------------------------------------------------
    def coalesce(self) -> SparseTensor:
        """Duplicates summed, indices sorted (row-major), as torch; differentiable."""
        if self._coalesced:
            return self
        keys = _keys(self._indices_t._data, self._shape)
        unique, inverse = np.unique(keys, return_inverse=True)
        values = CoalesceValues.apply(self._values_t, inverse=inverse, count=len(unique))
        indices = Tensor._make(_unravel(unique, self._shape))
        return SparseTensor(indices, values, self._shape, True)

    def to_dense(self, dtype: Any = None, *, masked_grad: Any = None) -> Tensor:
        """The dense tensor; its gradient w.r.t. the values is sparse, as torch's."""
        index = tuple(self._indices_t._data)
        dense = ToDense.apply(self._values_t, index=index, size=self._shape)
        return dense if dtype is None else dense.to(dtype)

    def to_sparse(
        self,
        sparseDims: int | None = None,  # noqa: N803 - torch's name
        *,
        layout: Any = None,
        blocksize: Any = None,
        dense_dim: int | None = None,
    ) -> Any:
        """Itself (already sparse COO), or this tensor in the compressed ``layout``."""
        if layout is None or layout is sparse_coo:
            return self
        from microtensor.sparse.compressed_conversions import coo_to_compressed

        return coo_to_compressed(self, layout, blocksize, dense_dim)

    def to_sparse_coo(self) -> SparseTensor:
        """Itself (already sparse COO)."""
        return self

    def _indices_part(self, method: str) -> Tensor:
        kind = "row" if method in ("crow_indices", "col_indices") else "column"
        raise RuntimeError(
            f"{method} expected sparse {kind} compressed tensor layout but got Sparse"
        )

    def t(self) -> SparseTensor:
        """The transpose of a tensor with at most 2 dims (indices rows swapped).

        Raises:
            RuntimeError: for more than 2 dims (torch's message).
        """
        if len(self._shape) > 2:
            raise RuntimeError(
                "t() expects a tensor with <= 2 sparse and 0 dense dimensions, but got "
                f"{len(self._shape)} sparse and 0 dense dimensions"
            )
        if len(self._shape) < 2:
            return self
        indices = Tensor._make(self._indices_t._data[::-1].copy())
        return SparseTensor(indices, self._values_t, self._shape[::-1], False)

    def _with_values(self, values: Tensor) -> SparseTensor:
        if values is self._values_t:
            return self
        return SparseTensor(self._indices_t, values, self._shape, self._coalesced)

    def clone(self) -> SparseTensor:
        """A copy of the indices and values (differentiable in the values)."""
        indices = Tensor._make(self._indices_t._data.copy())
        return SparseTensor(indices, self._values_t.clone(), self._shape, self._coalesced)

    # --- arithmetic with a Python number ---------------------------------------------------
    def __truediv__(self, other: Any) -> SparseTensor:
        return self._scaled("div", other, lambda v: v / other)

    def __rmatmul__(self, other: Any) -> Any:
        raise _refuse("matmul")

    def _refusal(self, op: str) -> RuntimeError:
        return _refuse(op)

    def __repr__(self) -> str:
        return _sparse_repr(self)


def _keys(indices: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    """One row-major integer per stored element (its location), for sorting and grouping."""
    if not size:
        return np.zeros(indices.shape[1], dtype=np.int64)
    return np.ravel_multi_index(tuple(indices), size)


def _unravel(keys: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    if not size:
        return np.zeros((0, len(keys)), dtype=np.int64)
    return np.stack(np.unravel_index(keys, size)).astype(np.int64).reshape(len(size), len(keys))


def _inner(tensor: Tensor, indent: int) -> str:
    """The values of ``tensor`` as its repr prints them, wrapped where they stand.

    torch formats the indices and values at their column in the sparse repr (``indent``).
    """
    array = tensor._data
    if array.size == 0:
        return f"[], size={array.shape}"
    return _tensor_str._format_values(array, indent)


def _sparse_repr(sparse: SparseTensor) -> str:
    """The repr in torch's layout: indices, then values, then the size, nnz and layout suffixes."""
    indent = len("tensor(")
    text = (
        "tensor(indices=tensor("
        + _inner(sparse._indices_t, indent + len("indices=tensor("))
        + "),\n"
        + " " * indent
        + "values=tensor("
        + _inner(sparse._values_t, indent + len("values=tensor("))
        + ")"
    )
    # unlike the compressed repr, the first suffix always starts a line of its own
    return wrap_suffixes(text, repr_suffixes(sparse), indent, last_line=80)
