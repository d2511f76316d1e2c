"""Matrix inverses: inverse (``linalg.inv``), ``linalg.inv_ex``, pinv / pinverse.

Both are ops whose backward formulas are written with matmul and the ops themselves, so they
have derivatives of every order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import _linalg_common as la
from microtensor.ops._linalg_common import check_matrices, lu_info, lu_solve_values, singular_error
from microtensor.ops.linalg_results import InvEx
from microtensor.tensor import Tensor

__all__ = ["inverse", "pinverse"]


class Inverse(Op):
    """Z = A^-1 (for each matrix of a batch);  dL/dA = -Z^H @ grad @ Z^H (Z^T when real)."""

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        try:
            out = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise singular_error("linalg.inv", a) from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (z,) = ctx.saved_tensors
        z_h = la.mH(z)
        return -(z_h @ grad_out @ z_h)


class Pinv(Op):
    """Z = A^+ (Moore-Penrose);  dL/dA is PyTorch's ``pinv_backward`` (constant rank).

    With G the gradient and Z = A^+ (m x n input, Z is n x m), for m <= n:
    K = G^H Z, dL/dA = -(Z K)^H + K Z^H - (A Z) K Z^H + (Z^H Z)(G^H - K A); the m > n case is
    the transposed form (^H is the conjugate transpose, ^T for real matrices).
    """

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any, atol: Any, rtol: Any, hermitian: bool) -> Any:
        out = _pinv_values(a, atol, rtol, hermitian)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, z = ctx.saved_tensors
        m, n = a.shape[-2], a.shape[-1]
        z_t, g_t = la.mH(z), la.mH(grad_out)
        if m <= n:
            k = g_t @ z
            k_z_t = k @ z_t
            grad = -la.mH(z @ k) + k_z_t - (a @ z) @ k_z_t + (z_t @ z) @ (g_t - k @ a)
        else:
            k = z @ g_t
            z_t_k = z_t @ k
            grad = -la.mH(k @ z) + (g_t - a @ k) @ z @ z_t + z_t_k - z_t_k @ z @ a
        return grad, None, None, None


def _tolerance(values: Any, tol: Any) -> np.ndarray:
    """A tolerance (number or Tensor) as an array that broadcasts over the batch dims."""
    if tol is None:
        return np.zeros((), values.dtype)
    return np.asarray(tol._data if isinstance(tol, Tensor) else tol, dtype=values.dtype)


def cutoff(sizes: tuple[int, int], largest: np.ndarray, atol: Any, rtol: Any) -> np.ndarray:
    """PyTorch's rank cutoff max(atol, rtol * largest); rtol defaults to eps * max(m, n)."""
    if rtol is None:
        rtol = 0.0 if atol is not None else np.finfo(largest.dtype).eps * max(sizes)
    return np.maximum(_tolerance(largest, atol), _tolerance(largest, rtol) * largest)


def _pinv_values(a: np.ndarray, atol: Any, rtol: Any, hermitian: bool) -> np.ndarray:
    """V diag(1/s where s > cutoff, else 0) U^H, from the SVD (or eigh when ``hermitian``)."""
    sizes = (a.shape[-2], a.shape[-1])
    if a.size == 0:
        return np.zeros(a.shape[:-2] + (sizes[1], sizes[0]), a.dtype)
    if hermitian:
        w, q = np.linalg.eigh(a)
        largest = np.abs(w).max(-1)
        keep = np.abs(w) > cutoff(sizes, largest, atol, rtol)[..., None]
        w_inv = np.where(keep, 1 / np.where(keep, w, 1), 0).astype(a.dtype)
        return (q * w_inv[..., None, :]) @ la.mH(q)
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    keep = s > cutoff(sizes, s[..., 0], atol, rtol)[..., None]
    s_inv = np.where(keep, 1 / np.where(keep, s, 1), 0).astype(a.dtype)
    return (la.mH(vh) * s_inv[..., None, :]) @ la.mH(u)


def inverse(input: Tensor) -> Tensor:  # noqa: A002
    """The inverse of a square matrix, or of each matrix in a batch ``(..., n, n)``.

    ``torch.inverse`` and ``torch.linalg.inv``; complex matrices too. The gradient is
    ``-Z^H @ grad @ Z^H`` (conjugate transposes, as PyTorch).

    Raises:
        RuntimeError: for fewer than 2 dims, non-square or integer matrices.
        LinAlgError: (a RuntimeError) for a singular matrix, naming the zero diagonal
            element of its LU factorization.

    Example:
        >>> import microtensor as mt
        >>> mt.inverse(mt.tensor([[2.0, 0.0], [0.0, 4.0]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.2500]])
    """
    check_matrices("linalg.inv", input, square=True, complex_ok=True)
    return Inverse.apply(input)  # type: ignore[no-any-return]


def inv_ex(A: Tensor, *, check_errors: bool = False) -> tuple[Tensor, Tensor]:  # noqa: N803
    """The inverse and LAPACK's ``info`` (int32, 0 where the matrix is invertible).

    ``torch.linalg.inv_ex``. Where a matrix is singular the inverse holds inf or nan (from
    the LU solve, as PyTorch) and info is the 1-based index of the zero pivot of its LU;
    a batch holding a singular matrix then gives an inverse without gradient.

    Raises:
        RuntimeError: for fewer than 2 dims or non-square or integer matrices.
        LinAlgError: for a singular matrix when ``check_errors`` is True.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.inv_ex(mt.tensor([[1.0, 2.0], [2.0, 4.0]])).info
        tensor(2, dtype=microtensor.int32)
    """
    check_matrices("linalg.inv_ex", A, square=True, complex_ok=True)
    infos = np.zeros(A._data.shape[:-2], np.int32)
    for index in np.ndindex(infos.shape):
        infos[index] = lu_info(A._data[index][None])[1]
    if not infos.any():
        return InvEx(Inverse.apply(A), Tensor._make(infos))
    if check_errors:
        raise singular_error("linalg.inv_ex", A._data)
    return InvEx(Tensor._make(_lu_inverse(A._data)), Tensor._make(infos))


def _lu_inverse(a: np.ndarray) -> np.ndarray:
    """A^-1 by LU and triangular solves as LAPACK's getrs: inf or nan where A is singular."""
    return lu_solve_values(a, np.eye(a.shape[-1], dtype=a.dtype))


def pinv(
    A: Tensor,  # noqa: N803
    *,
    atol: Any = None,
    rtol: Any = None,
    hermitian: bool = False,
) -> Tensor:
    """The Moore-Penrose pseudo-inverse of each matrix of ``A`` ``(..., m, n)``.

    Singular values below ``max(atol, rtol * largest)`` count as zero; with neither given,
    ``rtol = eps * max(m, n)``; with only ``atol`` given, ``rtol = 0``. ``hermitian=True``
    uses the eigendecomposition of the (assumed Hermitian) matrix. Real or complex. The
    gradient is PyTorch's, exact where the rank does not change near ``A``.

    Raises:
        RuntimeError: for fewer than 2 dims or an integer input.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.pinv(mt.tensor([[1.0, 0.0], [0.0, 0.0], [0.0, 2.0]]))
        tensor([[1.0000, 0.0000, 0.0000],
                [0.0000, 0.0000, 0.5000]])
    """
    check_matrices("linalg.pinv", A, complex_ok=True)
    if hermitian and A._data.shape[-1] != A._data.shape[-2]:
        check_matrices("linalg.pinv", A, square=True, complex_ok=True)
    return Pinv.apply(A, atol, rtol, hermitian)  # type: ignore[no-any-return]


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:  # noqa: N803
    """The inverse of ``A`` for ``tensordot(A, ., ind)``: shape ``A.shape[ind:] + A.shape[:ind]``.

    A composition of ``inverse`` and reshapes.

    Raises:
        RuntimeError: for ``ind <= 0`` or sizes that do not make a square matrix.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.tensorinv(2 * mt.eye(4).reshape(4, 2, 2), ind=1).shape
        microtensor.Size([2, 2, 4])
    """
    if ind <= 0:
        raise RuntimeError(
            f"linalg.tensorinv: Expected a strictly positive integer for 'ind', but got {ind}"
        )
    front, back = A._data.shape[:ind], A._data.shape[ind:]
    rows, cols = int(np.prod(front)), int(np.prod(back))
    if rows != cols:
        raise RuntimeError(
            f"linalg.tensorinv: Expected self to satisfy the requirement "
            f"prod(self.shape[ind:]) == prod(self.shape[:ind]), but got {cols} != {rows}"
        )
    return inverse(A.reshape((rows, cols))).reshape(back + front)  # type: ignore[no-any-return]


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:  # noqa: A002
    """``torch.pinverse``: ``linalg.pinv(input, rtol=rcond)``.

    Example:
        >>> import microtensor as mt
        >>> mt.pinverse(mt.tensor([[2.0, 0.0]]))
        tensor([[0.5000],
                [0.0000]])
    """
    return pinv(input, rtol=rcond)
