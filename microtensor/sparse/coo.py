"""COO sparse tensors: ``sparse_coo_tensor``, and ``SparseTensor`` (indices, values, size).

A ``SparseTensor`` is not a ``Tensor``: it holds two dense Tensors, ``indices`` (int64, one
row per dim, one column per stored element) and ``values`` (one per stored element), and its
size. Gradients flow through ``values``: the ops here and in ``products.py`` take it as their
differentiable input, so a sparse leaf's gradient is sparse with the leaf's pattern, as torch's.
Dense ops refuse a sparse tensor with an error naming the op and telling to call
``.to_dense()``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from microtensor import _layout, _tensor_str
from microtensor._layout import layout, sparse_coo
from microtensor._size import Size
from microtensor.autograd.function import Op
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


def _dense_op_name() -> str:
    """The public microtensor function that was handed a sparse tensor.

    The outermost frame inside microtensor whose name is a public function or Tensor method
    (decorators' wrappers, such as ``call``, are skipped).
    """
    import microtensor

    name, frame = "op", sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("microtensor") and not module.startswith("microtensor.sparse"):
            candidate = frame.f_code.co_name.strip("_")
            if hasattr(microtensor, candidate) or hasattr(Tensor, candidate):
                name = candidate
        frame = frame.f_back  # type: ignore[assignment]
    return name


def _refuse(op: str) -> RuntimeError:
    return RuntimeError(
        f"{op}(): got a sparse COO tensor, which this op does not support in microtensor (it "
        "needs a dense tensor); call .to_dense() first, or use microtensor.sparse.mm, "
        "microtensor.sparse.sum, t(), coalesce() or scalar * and / on the sparse tensor"
    )


class SparseTensor:
    """A COO sparse tensor, as torch's ``layout=torch.sparse_coo`` tensors (no dense dims).

    Made by ``microtensor.sparse_coo_tensor`` or ``Tensor.to_sparse()``.

    Differs from PyTorch: a class of its own beside ``Tensor`` (``isinstance(s, Tensor)`` is
    False); hybrid tensors (values with dense dims) are not supported; dense ops refuse it.
    """

    __slots__ = ("_indices_t", "_values_t", "_shape", "_coalesced", "__weakref__")
    is_sparse = True
    is_sparse_csr = False
    layout: layout = sparse_coo

    def __init__(self, indices: Tensor, values: Tensor, size: tuple[int, ...], coalesced: bool):
        self._indices_t = indices
        self._values_t = values
        self._shape = tuple(size)
        self._coalesced = coalesced

    # --- what it tells about itself ---------------------------------------------------------
    @property
    def shape(self) -> Size:
        """The size, as ``size()``."""
        return Size(self._shape)

    def size(self, dim: int | None = None) -> Any:
        """The size, or the size of dimension ``dim``."""
        if dim is None:
            return Size(self._shape)
        from microtensor.ops._common import normalize_dim

        return self._shape[normalize_dim("size", dim, len(self._shape))]

    def dim(self) -> int:
        """Number of dims (all sparse)."""
        return len(self._shape)

    @property
    def ndim(self) -> int:
        """Number of dims (all sparse)."""
        return len(self._shape)

    def sparse_dim(self) -> int:
        """Number of sparse dims: all of them."""
        return len(self._shape)

    def dense_dim(self) -> int:
        """Number of dense dims: 0 (hybrid tensors are not supported)."""
        return 0

    @property
    def dtype(self) -> Any:
        """The values' dtype."""
        return self._values_t.dtype

    @property
    def device(self) -> Any:
        """The values' device (the CPU)."""
        return self._values_t.device

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
    def requires_grad(self) -> bool:
        """Whether the values require grad."""
        return self._values_t.requires_grad

    def requires_grad_(self, requires_grad: bool = True) -> SparseTensor:
        """Make the values a leaf that requires grad; returns self."""
        self._values_t.requires_grad_(requires_grad)
        return self

    @property
    def grad_fn(self) -> Any:
        """The node that made the values (None for a leaf)."""
        return self._values_t.grad_fn

    @property
    def is_leaf(self) -> bool:
        """True if the values are a leaf of the graph."""
        return self._values_t.is_leaf

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
        if value is not None:
            raise RuntimeError("grad of a sparse tensor can only be set to None in microtensor")
        self._values_t.grad = None

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

    def to_sparse_csr(self, dense_dim: int | None = None) -> Any:
        """This 2-D tensor in the CSR layout (duplicates summed)."""
        return self.to_sparse(layout=_layout.sparse_csr, dense_dim=dense_dim)

    def to_sparse_csc(self, dense_dim: int | None = None) -> Any:
        """This 2-D tensor in the CSC layout (duplicates summed)."""
        return self.to_sparse(layout=_layout.sparse_csc, dense_dim=dense_dim)

    def to_sparse_bsr(self, blocksize: Any, dense_dim: int | None = None) -> Any:
        """This tensor in the BSR layout with blocks of ``blocksize``."""
        return self.to_sparse(layout=_layout.sparse_bsr, blocksize=blocksize, dense_dim=dense_dim)

    def to_sparse_bsc(self, blocksize: Any, dense_dim: int | None = None) -> Any:
        """This tensor in the BSC layout with blocks of ``blocksize``."""
        return self.to_sparse(layout=_layout.sparse_bsc, blocksize=blocksize, dense_dim=dense_dim)

    def _not_compressed(self, method: str) -> RuntimeError:
        kind = "row" if method in ("crow_indices", "col_indices") else "column"
        return RuntimeError(
            f"{method} expected sparse {kind} compressed tensor layout but got Sparse"
        )

    def crow_indices(self) -> Tensor:
        """Refused with torch's RuntimeError: a COO tensor has no compressed indices."""
        raise self._not_compressed("crow_indices")

    def col_indices(self) -> Tensor:
        """Refused with torch's RuntimeError (see ``crow_indices``)."""
        raise self._not_compressed("col_indices")

    def ccol_indices(self) -> Tensor:
        """Refused with torch's RuntimeError (see ``crow_indices``)."""
        raise self._not_compressed("ccol_indices")

    def row_indices(self) -> Tensor:
        """Refused with torch's RuntimeError (see ``crow_indices``)."""
        raise self._not_compressed("row_indices")

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

    def to(self, *args: Any, **kwargs: Any) -> SparseTensor:
        """The values converted by ``Tensor.to`` (a dtype, the CPU device); self if unchanged."""
        return self._with_values(self._values_t.to(*args, **kwargs))

    def cpu(self) -> SparseTensor:
        """Itself (microtensor runs on the CPU)."""
        return self

    def float(self) -> SparseTensor:
        """The values as float32."""
        return self._with_values(self._values_t.float())

    def double(self) -> SparseTensor:
        """The values as float64."""
        return self._with_values(self._values_t.double())

    def clone(self) -> SparseTensor:
        """A copy of the indices and values (differentiable in the values)."""
        indices = Tensor._make(self._indices_t._data.copy())
        return SparseTensor(indices, self._values_t.clone(), self._shape, self._coalesced)

    # --- arithmetic with a Python number ---------------------------------------------------
    def _scaled(self, op: str, other: Any, fn: Any) -> SparseTensor:
        if isinstance(other, bool) or not isinstance(other, (int, float)):
            raise RuntimeError(
                f"{op}(): a sparse COO tensor can be multiplied or divided only by a Python "
                f"number in microtensor, not {type(other).__name__}; call .to_dense() first"
            )
        return SparseTensor(self._indices_t, fn(self._values_t), self._shape, self._coalesced)

    def __mul__(self, other: Any) -> SparseTensor:
        return self._scaled("mul", other, lambda v: v * other)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> SparseTensor:
        return self._scaled("div", other, lambda v: v / other)

    def __neg__(self) -> SparseTensor:
        return SparseTensor(self._indices_t, -self._values_t, self._shape, self._coalesced)

    def mul(self, other: Any) -> SparseTensor:
        """Times a Python number."""
        return self * other

    def div(self, other: Any) -> SparseTensor:
        """Divided by a Python number."""
        return self / other

    def __matmul__(self, other: Any) -> Tensor:
        from microtensor.sparse.products import dense_product

        return dense_product("matmul", self, other)

    def mm(self, mat2: Any) -> Tensor:
        """``microtensor.mm(self, mat2)``."""
        from microtensor.sparse.products import dense_product

        return dense_product("mm", self, mat2)

    matmul = __matmul__

    # --- dense ops refuse ------------------------------------------------------------------
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise _refuse(_dense_op_name())

    def __add__(self, other: Any) -> Any:
        raise _refuse("add")

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        raise _refuse("sub")

    __rsub__ = __sub__

    def __rmatmul__(self, other: Any) -> Any:
        raise _refuse("matmul")

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("__") and hasattr(Tensor, name):
            # a private attribute (``_data``) is an op reaching inside: name that op
            raise _refuse(_dense_op_name() if name.startswith("_") else name)
        raise AttributeError(f"'SparseTensor' object has no attribute {name!r}")

    def __len__(self) -> int:
        if not self._shape:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]

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
    dtype = sparse.dtype
    suffixes = [f"size={sparse._shape}", f"nnz={sparse._nnz()}"]
    if ", dtype=" in repr(Tensor._make(np.zeros(1, dtype=sparse._values_t._data.dtype))):
        suffixes.append(f"dtype={dtype}")  # what a dense tensor of that dtype prints
    suffixes.append(f"layout={sparse_coo}")
    if sparse.grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(sparse.grad_fn).__name__}>")
    elif sparse.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(text, suffixes, indent)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Torch's suffix wrapping: the first on a new line, then a new line past 80 columns.

    Widths are counted with torch's names (``torch.float64`` for ``microtensor.float64``), so
    that the lines break where torch's do and a program prints torch's text line for line.
    """
    parts, last_line = [text], 0
    for number, suffix in enumerate(suffixes):
        width = len(suffix.replace("microtensor.", "torch."))
        if number == 0 or last_line + width + 2 > 80:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + width
        else:
            parts.append(", " + suffix)
            last_line += width + 2
    return "".join(parts) + ")"
