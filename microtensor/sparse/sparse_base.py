"""What COO and compressed sparse tensors share: size, dtype and grad queries, refusals, repr.

``SparseTensor`` (COO) and ``SparseCompressedTensor`` (CSR, CSC, BSR, BSC) both keep their
values in ``_values_t`` and their size in ``_shape``; the methods that read only those, and the
dense ops' refusal, are written once here. A subclass gives ``_with_values`` (the same tensor
with other values), ``_indices_part`` (its index arrays, or torch's error), ``_refusal`` (its
error for a dense op), ``_scaling`` (its words in a refused scaling) and ``to_sparse``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from microtensor import _layout
from microtensor._size import Size
from microtensor.tensor import Tensor

if TYPE_CHECKING:
    from microtensor.sparse.compressed import SparseCompressedTensor

__all__ = ["SparseBase", "repr_suffixes", "wrap_suffixes"]

_S = TypeVar("_S", bound="SparseBase")


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


class SparseBase:
    """The methods common to ``SparseTensor`` and ``SparseCompressedTensor``."""

    __slots__ = ()
    _values_t: Tensor
    _shape: tuple[int, ...]

    def _with_values(self: _S, values: Tensor) -> _S:
        raise NotImplementedError

    def _indices_part(self, method: str) -> Tensor:
        """The indices ``method`` (``"crow_indices"`` ...) returns, or torch's layout error."""
        raise NotImplementedError

    def _refusal(self, op: str) -> RuntimeError:
        raise NotImplementedError

    def to_sparse(self, *args: Any, **kwargs: Any) -> Any:
        """This tensor in another sparse layout (each subclass says which it takes)."""
        raise NotImplementedError

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
        """Number of dims (COO: all sparse; compressed: batch dims, then the two sparse ones)."""
        return len(self._shape)

    @property
    def ndim(self) -> int:
        """Number of dims, as ``dim()``."""
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

    def crow_indices(self) -> Tensor:
        """The compressed row indices of a CSR or BSR tensor, ``(*batch, nrows + 1)``.

        Raises:
            RuntimeError: for a tensor of another layout (torch's message).
        """
        return self._indices_part("crow_indices")

    def col_indices(self) -> Tensor:
        """The column indices of a CSR or BSR tensor, ``(*batch, nnz)``.

        Raises:
            RuntimeError: for a tensor of another layout (torch's message).
        """
        return self._indices_part("col_indices")

    def ccol_indices(self) -> Tensor:
        """The compressed column indices of a CSC or BSC tensor, ``(*batch, ncols + 1)``.

        Raises:
            RuntimeError: for a tensor of another layout (torch's message).
        """
        return self._indices_part("ccol_indices")

    def row_indices(self) -> Tensor:
        """The row indices of a CSC or BSC tensor, ``(*batch, nnz)``.

        Raises:
            RuntimeError: for a tensor of another layout (torch's message).
        """
        return self._indices_part("row_indices")

    # --- autograd ------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """Whether the values require grad."""
        return self._values_t.requires_grad

    def requires_grad_(self: _S, requires_grad: bool = True) -> _S:
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

    def _set_grad(self, value: None) -> None:
        """The ``grad`` setter: only None (clearing the values' gradient) is accepted."""
        if value is not None:
            raise RuntimeError("grad of a sparse tensor can only be set to None in microtensor")
        self._values_t.grad = None

    # --- conversions ---------------------------------------------------------------------
    def to_sparse_csr(self, dense_dim: int | None = None) -> SparseCompressedTensor:
        """This tensor in the CSR layout (a COO one: 2-D, duplicates summed)."""
        return self.to_sparse(layout=_layout.sparse_csr, dense_dim=dense_dim)  # type: ignore[no-any-return]

    def to_sparse_csc(self, dense_dim: int | None = None) -> SparseCompressedTensor:
        """This tensor in the CSC layout (a COO one: 2-D, duplicates summed)."""
        return self.to_sparse(layout=_layout.sparse_csc, dense_dim=dense_dim)  # type: ignore[no-any-return]

    def to_sparse_bsr(self, blocksize: Any, dense_dim: int | None = None) -> SparseCompressedTensor:
        """This tensor in the BSR layout with blocks of ``blocksize``."""
        out = self.to_sparse(layout=_layout.sparse_bsr, blocksize=blocksize, dense_dim=dense_dim)
        return out  # type: ignore[no-any-return]

    def to_sparse_bsc(self, blocksize: Any, dense_dim: int | None = None) -> SparseCompressedTensor:
        """This tensor in the BSC layout with blocks of ``blocksize``."""
        out = self.to_sparse(layout=_layout.sparse_bsc, blocksize=blocksize, dense_dim=dense_dim)
        return out  # type: ignore[no-any-return]

    def to(self: _S, *args: Any, **kwargs: Any) -> _S:
        """The values converted by ``Tensor.to`` (a dtype, the CPU device); self if unchanged."""
        values = self._values_t.to(*args, **kwargs)
        return self if values is self._values_t else self._with_values(values)

    def cpu(self: _S) -> _S:
        """Itself (microtensor runs on the CPU)."""
        return self

    def float(self: _S) -> _S:
        """The values as float32."""
        return self._with_values(self._values_t.float())

    def double(self: _S) -> _S:
        """The values as float64."""
        return self._with_values(self._values_t.double())

    # --- arithmetic with a Python number, products -----------------------------------------
    # how the message of a refused scaling names the tensor and what it can do
    _scaling: str = "sparse tensor can be multiplied"

    def _scaled(self: _S, op: str, other: Any, fn: Any) -> _S:
        if isinstance(other, bool) or not isinstance(other, (int, float)):
            raise RuntimeError(
                f"{op}(): a {self._scaling} only by a Python number in microtensor, not "
                f"{type(other).__name__}; call .to_dense() first"
            )
        return self._with_values(fn(self._values_t))

    def __mul__(self: _S, other: Any) -> _S:
        return self._scaled("mul", other, lambda v: v * other)

    __rmul__ = __mul__

    def __neg__(self: _S) -> _S:
        return self._with_values(-self._values_t)

    def mul(self: _S, other: Any) -> _S:
        """Times a Python number."""
        return self * other

    def div(self: _S, other: Any) -> _S:
        """Divided by a Python number (compressed layouts refuse it, as torch).

        Raises:
            RuntimeError: for a compressed tensor, or something else than a Python number.
        """
        return self / other  # type: ignore[operator, no-any-return]

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
        raise self._refusal(_dense_op_name())

    def __add__(self, other: Any) -> Any:
        raise self._refusal("add")

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        raise self._refusal("sub")

    __rsub__ = __sub__

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("__") and hasattr(Tensor, name):
            # a private attribute (``_data``) is an op reaching inside: name that op
            raise self._refusal(_dense_op_name() if name.startswith("_") else name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")

    def __len__(self) -> int:
        if not self._shape:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]


def repr_suffixes(sparse: Any) -> list[str]:
    """The suffixes of a sparse repr, as torch's: size, nnz, dtype, layout, grad."""
    suffixes = [f"size={sparse._shape}", f"nnz={sparse._nnz()}"]
    if ", dtype=" in repr(Tensor._make(np.zeros(1, dtype=sparse._values_t._data.dtype))):
        suffixes.append(f"dtype={sparse.dtype}")  # what a dense tensor of that dtype prints
    suffixes.append(f"layout={sparse.layout}")
    if sparse.grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(sparse.grad_fn).__name__}>")
    elif sparse.requires_grad:
        suffixes.append("requires_grad=True")
    return suffixes


def wrap_suffixes(text: str, suffixes: list[str], indent: int, last_line: int) -> str:
    """The wrapping of torch: a suffix that would pass 80 columns starts a new line at ``indent``.

    ``last_line`` is the width torch counts for the line the first suffix would follow (80 or
    more makes it start a new line). Widths are counted with torch's names (``torch.float64``
    for ``microtensor.float64``), so the lines break where torch's do.
    """
    parts = [text]
    for suffix in suffixes:
        width = len(suffix.replace("microtensor.", "torch."))
        if last_line + width + 2 > 80:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + width
        else:
            parts.append(", " + suffix)
            last_line += width + 2
    return "".join(parts) + ")"
