"""Shared pieces of the linear-algebra ops: argument checks, LinAlgError, array-or-Tensor math.

The helpers below the checks work on NumPy arrays and on Tensors (as ``ops.dual``), so the
backward formulas of the decompositions are written once and run recorded under
``create_graph=True``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.ops import dual
from microtensor.ops._product_dtypes import scalar_name
from microtensor.tensor import Tensor


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed on its input (singular or not positive-definite).

    As ``torch.linalg.LinAlgError``, a subclass of ``RuntimeError``.
    """


def check_matrices(
    op: str,
    A: Tensor,  # noqa: N803
    *,
    square: bool = False,
    complex_ok: bool = False,
) -> None:
    """Raise unless ``A`` is a floating tensor of shape ``(..., m, n)`` (square if asked).

    ``complex_ok``: the op handles complex tensors too (torch's message names both kinds).
    """
    shape = A._data.shape
    if len(shape) < 2:
        raise RuntimeError(
            f"{op}: The input tensor A must have at least 2 dimensions, got shape {shape}"
        )
    if square and shape[-1] != shape[-2]:
        raise RuntimeError(
            f"{op}: A must be batches of square matrices, but they are {shape[-2]} by "
            f"{shape[-1]} matrices"
        )
    kind = A._data.dtype.kind
    if complex_ok and kind != "f" and kind != "c":
        raise RuntimeError(
            f"{op}: Expected a floating point or complex tensor as input. Got {scalar_name(A)}"
        )
    if not complex_ok and kind != "f":
        raise RuntimeError(
            f"{op}: Expected a floating point tensor as input. Got {A.dtype}; call .float() first"
        )


def complex_dtype(dtype: np.dtype) -> np.dtype:
    """complex64 for float32 (or complex64), complex128 for float64: torch's eig results."""
    return np.dtype(np.complex64 if dtype.char in "fF" else np.complex128)


def batch_prefix(op: str, index: tuple[int, ...], batched: bool) -> str:
    """PyTorch's ``"op: (Batch element i): "`` prefix of an error about one matrix."""
    if not batched:
        return f"{op}: "
    return f"{op}: (Batch element {index[0] if len(index) == 1 else index}): "


def lu_info(a: np.ndarray) -> tuple[tuple[int, ...], int]:
    """The first batch index whose LU has a zero pivot, and LAPACK's info (1-based) there."""
    from scipy.linalg import lapack  # noqa: PLC0415 - SciPy is imported on use

    if a.size == 0:
        return (), 0
    for index in np.ndindex(a.shape[:-2]):
        getrf = lapack.get_lapack_funcs("getrf", (a[index],))
        _, _, info = getrf(a[index])
        if info > 0:
            return index, int(info)
    return (), 0


def singular_error(op: str, a: np.ndarray) -> LinAlgError:
    """PyTorch's error for a singular input, naming the zero diagonal element of its LU."""
    index, info = lu_info(a)
    return LinAlgError(
        batch_prefix(op, index, a.ndim > 2)
        + f"The diagonal element {info} is zero, the inversion could not be completed because "
        "the input matrix is singular."
    )


# --- math on arrays or Tensors ----------------------------------------------------------------


def dtype_of(x: Any) -> np.dtype:
    """The NumPy dtype of an array or Tensor."""
    return x.dtype if dual.is_array(x) else x._data.dtype


def eye_like(x: Any, n: int) -> np.ndarray:
    """An ``n x n`` identity array of ``x``'s dtype (a constant in any formula)."""
    return np.eye(n, dtype=dtype_of(x))


def tril(x: Any, diagonal: int = 0) -> Any:
    """The lower triangle of each matrix."""
    return np.tril(x, diagonal) if dual.is_array(x) else ops.tril(x, diagonal)


def triu(x: Any, diagonal: int = 0) -> Any:
    """The upper triangle of each matrix."""
    return np.triu(x, diagonal) if dual.is_array(x) else ops.triu(x, diagonal)


def diagonal(x: Any) -> Any:
    """The main diagonal of each matrix, as the last dim."""
    if dual.is_array(x):
        return np.diagonal(x, 0, -2, -1).copy()
    return ops.diagonal(x, 0, -2, -1)


def diag_embed(x: Any) -> Any:
    """Matrices with the last dim of ``x`` on the diagonal, zeros elsewhere."""
    n = x.shape[-1]
    return unsqueeze_last(x) * eye_like(x, n)


def unsqueeze_last(x: Any) -> Any:
    """``x[..., None]``: a column."""
    return x.reshape(tuple(x.shape) + (1,))


def unsqueeze_row(x: Any) -> Any:
    """``x[..., None, :]``: a row."""
    shape = tuple(x.shape)
    return x.reshape(shape[:-1] + (1, shape[-1]))


def cat(parts: list[Any], dim: int) -> Any:
    """Concatenate arrays (NumPy) or Tensors (recorded) along ``dim``."""
    if all(dual.is_array(p) for p in parts):
        return np.concatenate(parts, axis=dim)
    tensors = [p if isinstance(p, Tensor) else Tensor._make(np.asarray(p)) for p in parts]
    return ops.cat(tensors, dim)


def narrow(x: Any, dim: int, start: int, length: int) -> Any:
    """``length`` entries of ``x`` from ``start`` along ``dim``."""
    if dual.is_array(x):
        key = [slice(None)] * x.ndim
        key[dim] = slice(start, start + length)
        return x[tuple(key)]
    return ops.narrow(x, dim, start, length)


def mT(x: Any) -> Any:  # noqa: N802 - PyTorch's name for the matrix transpose
    """The transpose of each matrix (the last two dims swapped)."""
    return dual.swap_last(x)


def mH(x: Any) -> Any:  # noqa: N802 - PyTorch's name for the conjugate transpose
    """The conjugate transpose of each matrix (the transpose of a real one, no copy)."""
    return dual.conj(dual.swap_last(x))


def real(x: Any) -> Any:
    """The real part (of an array: a view; of a Tensor: the recorded ``real`` op)."""
    if dual.is_array(x):
        return x.real
    return ops.real(x) if x._data.dtype.kind == "c" else x


def lu_solve_values(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a^-1 @ b`` by LAPACK's getrf and getrs for each matrix: inf or nan where a is singular.

    This is what PyTorch's backward formulas give at singular matrices, where NumPy raises.
    """
    from scipy.linalg import lu_factor, lu_solve  # noqa: PLC0415 - SciPy is imported on use

    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    out = np.empty(batch + b.shape[-2:], np.result_type(a, b))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # SciPy warns about the singular matrix
        for index in np.ndindex(batch):
            factors = lu_factor(a[index], check_finite=False)
            out[index] = lu_solve(factors, b[index], check_finite=False)
    return out


def solve(a: Any, b: Any) -> Any:
    """``a^-1 @ b`` for matrices ``b``: NumPy on arrays, the recorded ``Solve`` op on Tensors."""
    if dual.is_array(a) and dual.is_array(b):
        try:
            return np.linalg.solve(a, b)
        except np.linalg.LinAlgError:  # a singular matrix in a backward formula: inf or nan
            return lu_solve_values(a, b)
    from microtensor.ops.solvers import Solve  # noqa: PLC0415 - solvers imports this module

    a, b = (x if isinstance(x, Tensor) else Tensor._make(np.asarray(x)) for x in (a, b))
    return Solve.apply(a, b)


def inverse(a: Any) -> Any:
    """``a^-1``: NumPy on arrays, the recorded ``Inverse`` op on Tensors."""
    if dual.is_array(a):
        try:
            return np.linalg.inv(a)
        except np.linalg.LinAlgError:  # a singular matrix in a backward formula: inf or nan
            return lu_solve_values(a, np.eye(a.shape[-1], dtype=a.dtype))
    from microtensor.ops.inverses import Inverse  # noqa: PLC0415 - inverses imports this module

    return Inverse.apply(a)
