"""The LU decomposition with partial pivoting: ``linalg.lu``, ``lu_factor``, ``lu_solve``.

Also the top-level ``lu``, ``lu_unpack`` and ``lu_solve``.

``LinalgLu`` is the one op (A = P L U, square or rectangular); its backward is written with
matmul, solve and array-or-Tensor helpers, so it is differentiable twice. The packed forms
(``lu_factor``, ``lu_unpack``, ``lu_solve``) are compositions of it and of ``solve``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.ops import _linalg_common as la
from microtensor.ops import dual
from microtensor.ops._linalg_common import check_matrices, singular_error
from microtensor.ops.linalg_results import PLU, LUFactor, LUFactorEx
from microtensor.ops.solvers import Solve
from microtensor.tensor import Tensor

__all__ = ["lu", "lu_solve", "lu_unpack"]


class LinalgLu(Op):
    """A = P L U;  dL/dA = P L^-H phi U^-H, phi = tril(L^H gL, -1) + triu(gU U^H) (m = n).

    From C = L^-1 P^T dA U^-1 = L^-1 dL (strictly lower) + dU U^-1 (upper).

    Wide (m < n, U = [U1 | U2]): phi gets -tril(gU2 U2^H, -1) and dL/dA2 = P L^-H gU2.
    Tall (m > n, L = [L1; L2]): phi gets -triu(L2^H gL2) and dL/dA2' = gL2 U^-H.
    (^H is the conjugate transpose: ^T for real matrices.)
    """

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        perm, lower, upper, pivots, infos = _getrf(a)
        ctx.perm = perm
        ctx.mark_non_differentiable(perm)
        ctx.save_for_backward(lower, upper)
        return perm, lower, upper, pivots, infos

    @staticmethod
    def backward(ctx: Any, grad_p: Any, grad_l: Any, grad_u: Any, *_: Any) -> Any:
        lower, upper = ctx.saved_tensors
        m, n = lower.shape[-2], upper.shape[-1]
        k = min(m, n)
        l1, u1 = la.narrow(lower, -2, 0, k), la.narrow(upper, -1, 0, k)
        gl1, gu1 = la.narrow(grad_l, -2, 0, k), la.narrow(grad_u, -1, 0, k)
        phi_lower = la.mH(l1) @ gl1
        phi_upper = gu1 @ la.mH(u1)
        if m < n:
            u2, gu2 = la.narrow(upper, -1, k, n - k), la.narrow(grad_u, -1, k, n - k)
            phi_lower = phi_lower - gu2 @ la.mH(u2)
        if m > n:
            l2, gl2 = la.narrow(lower, -2, k, m - k), la.narrow(grad_l, -2, k, m - k)
            phi_upper = phi_upper - la.mH(l2) @ gl2
        phi = la.tril(phi_lower, -1) + la.triu(phi_upper)
        grad = la.mH(la.solve(u1, la.mH(la.solve(la.mH(l1), phi))))  # L1^-H phi U1^-H
        if m < n:
            grad = la.cat([grad, la.solve(la.mH(l1), gu2)], -1)
        if m > n:
            grad = la.cat([grad, la.mH(la.solve(u1, la.mH(gl2)))], -2)
        perm = ctx.perm if dual.is_array(grad) else Tensor._make(ctx.perm)
        return perm @ grad


def _getrf(a: np.ndarray) -> tuple[np.ndarray, ...]:
    """P, L, U, 1-based int32 pivots and info of LAPACK's getrf, for each matrix."""
    from scipy.linalg import lapack  # noqa: PLC0415 - SciPy is imported on use

    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    perm = np.zeros(batch + (m, m), a.dtype)
    lower = np.zeros(batch + (m, k), a.dtype)
    upper = np.zeros(batch + (k, n), a.dtype)
    pivots = np.zeros(batch + (k,), np.int32)
    infos = np.zeros(batch, np.int32)
    eye = np.eye(m, k, dtype=a.dtype)
    for index in np.ndindex(batch):
        if a.size == 0:
            break
        (getrf,) = lapack.get_lapack_funcs(("getrf",), (a[index],))
        packed, piv, info = getrf(a[index])
        order = np.arange(m)
        for i, p in enumerate(piv[:k]):
            order[i], order[p] = order[p], order[i]
        perm[index][order, np.arange(m)] = 1
        lower[index] = np.tril(packed[:, :k], -1) + eye
        upper[index] = np.triu(packed[:k, :])
        pivots[index], infos[index] = piv[:k] + 1, max(int(info), 0)
    return perm, lower, upper, pivots, infos


def _check_pivot(op: str, pivot: bool) -> None:
    if not pivot:
        raise RuntimeError(f"{op}: LU without pivoting is not implemented on the CPU")


def _check_pivots(op: str, pivots: Any, expected: tuple[int, ...]) -> None:
    """Raise unless ``pivots`` is an int32 tensor of shape ``expected`` (``lu_factor``'s)."""
    if not isinstance(pivots, Tensor) or pivots._data.dtype != np.int32:
        got = pivots.dtype if isinstance(pivots, Tensor) else type(pivots).__name__
        raise RuntimeError(
            f"{op}: pivots should be a Tensor of scalar type microtensor.int32, got {got}: "
            "pass the pivots that linalg.lu_factor returns"
        )
    if pivots._data.shape != expected:
        raise RuntimeError(
            f"{op}: Expected LU.shape[:-1] and pivots.shape to be the same ({expected}), but "
            f"got pivots with shape {pivots._data.shape}: pass the pivots of linalg.lu_factor"
        )


def linalg_lu(A: Tensor, *, pivot: bool = True) -> PLU:  # noqa: N803
    """``torch.linalg.lu``: ``A = P @ L @ U`` for ``(..., m, n)``, partial pivoting.

    L is ``m x k`` unit lower-triangular, U ``k x n`` upper-triangular (k = min(m, n)), P a
    permutation matrix (no gradient). The gradient is PyTorch's, defined for full-rank A.

    Raises:
        RuntimeError: for fewer than 2 dims, an integer input or ``pivot=False``.

    Example:
        >>> import microtensor as mt
        >>> p, l, u = mt.linalg.lu(mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> p, u
        (tensor([[0., 1.],
                [1., 0.]]), tensor([[3.0000, 4.0000],
                [0.0000, 0.6667]]))
    """
    check_matrices("linalg.lu", A, complex_ok=True)
    _check_pivot("linalg.lu", pivot)
    perm, lower, upper, _, _ = LinalgLu.apply(A)
    return PLU(perm, lower, upper)


def _pack(lower: Tensor, upper: Tensor) -> Tensor:
    """L (strictly lower part) and U in one ``m x n`` matrix, as LAPACK's getrf writes them."""
    m, k = lower._data.shape[-2:]
    n = upper._data.shape[-1]
    strict = ops.tril(lower, -1)
    if m > n:
        zeros = Tensor._make(np.zeros(upper._data.shape[:-2] + (m - n, n), upper._data.dtype))
        return strict + ops.cat([ops.triu(upper), zeros], -2)  # type: ignore[no-any-return]
    if m < n:
        zeros = Tensor._make(np.zeros(lower._data.shape[:-2] + (m, n - m), lower._data.dtype))
        return ops.cat([strict, zeros], -1) + ops.triu(upper)  # type: ignore[no-any-return]
    return strict + ops.triu(upper)  # type: ignore[no-any-return]


def lu_factor(A: Tensor, *, pivot: bool = True) -> LUFactor:  # noqa: N803
    """``torch.linalg.lu_factor``: L and U packed in one matrix, and 1-based int32 pivots.

    Raises:
        RuntimeError: for fewer than 2 dims, an integer input or ``pivot=False``.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.lu_factor(mt.tensor([[1.0, 2.0], [3.0, 4.0]])).pivots
        tensor([2, 2], dtype=microtensor.int32)
    """
    check_matrices("linalg.lu_factor", A, complex_ok=True)
    _check_pivot("linalg.lu_factor", pivot)
    _, lower, upper, pivots, _ = LinalgLu.apply(A)
    return LUFactor(_pack(lower, upper), pivots)


def lu_factor_ex(
    A: Tensor,  # noqa: N803
    *,
    pivot: bool = True,
    check_errors: bool = False,
) -> LUFactorEx:
    """``torch.linalg.lu_factor_ex``: ``lu_factor`` and LAPACK's int32 ``info``.

    ``info`` is 0, or the 1-based index of the first zero pivot (a singular matrix).

    Raises:
        RuntimeError: for fewer than 2 dims, an integer input or ``pivot=False``.
        LinAlgError: for a singular matrix when ``check_errors``.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.lu_factor_ex(mt.tensor([[1.0, 2.0], [2.0, 4.0]])).info
        tensor(2, dtype=microtensor.int32)
    """
    check_matrices("linalg.lu_factor_ex", A, complex_ok=True)
    _check_pivot("linalg.lu_factor_ex", pivot)
    _, lower, upper, pivots, infos = LinalgLu.apply(A)
    if check_errors and infos._data.any():
        raise singular_error("linalg.lu_factor_ex", A._data)
    return LUFactorEx(_pack(lower, upper), pivots, infos)


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False) -> tuple[Tensor, ...]:  # noqa: N803
    """``torch.lu``: ``(LU, pivots)`` as ``linalg.lu_factor``, and the infos if asked.

    Example:
        >>> import microtensor as mt
        >>> mt.lu(mt.tensor([[0.0, 1.0], [1.0, 0.0]]))[1]
        tensor([2, 2], dtype=microtensor.int32)
    """
    check_matrices("lu", A, complex_ok=True)
    _check_pivot("lu", pivot)
    _, lower, upper, pivots, infos = LinalgLu.apply(A)
    packed = _pack(lower, upper)
    return (packed, pivots, infos) if get_infos else (packed, pivots)


def _permutation(pivots: np.ndarray, m: int, dtype: Any) -> np.ndarray:
    """The permutation matrices P (A = P L U) of 1-based LAPACK pivots ``(..., k)``."""
    batch = pivots.shape[:-1]
    out = np.zeros(batch + (m, m), dtype)
    for index in np.ndindex(batch):
        order = np.arange(m)
        for i, p in enumerate(pivots[index] - 1):
            order[i], order[p] = order[p], order[i]
        out[index][order, np.arange(m)] = 1
    return out


def lu_unpack(
    LU_data: Tensor,  # noqa: N803
    LU_pivots: Tensor,  # noqa: N803
    unpack_data: bool = True,
    unpack_pivots: bool = True,
) -> PLU:
    """``torch.lu_unpack``: ``(P, L, U)`` from the packed LU and pivots of ``lu_factor``.

    Differentiable in ``LU_data`` (L and U are its triangles). Unrequested parts are empty.

    Example:
        >>> import microtensor as mt
        >>> lu_, piv = mt.linalg.lu_factor(mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> mt.lu_unpack(lu_, piv).L
        tensor([[1.0000, 0.0000],
                [0.3333, 1.0000]])
    """
    if LU_data._data.ndim < 2:
        raise RuntimeError(
            "torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: "
            f"{list(LU_data._data.shape)} instead"
        )
    m, n = LU_data._data.shape[-2:]
    k = min(m, n)
    if unpack_pivots:
        pivots = _check_unpack_pivots(LU_pivots, LU_data._data.shape)
    dtype = LU_data._data.dtype
    empty = Tensor._make(np.zeros(0, dtype))
    lower = upper = perm = empty
    if unpack_data:
        eye = Tensor._make(np.eye(m, k, dtype=dtype))
        lower = ops.tril(ops.narrow(LU_data, -1, 0, k), -1) + eye
        upper = ops.triu(ops.narrow(LU_data, -2, 0, k))
    if unpack_pivots:
        perm = Tensor._make(_permutation(pivots, m, dtype))
    return PLU(perm, lower, upper)


def _check_unpack_pivots(pivots: Any, shape: tuple[int, ...]) -> np.ndarray:
    """``pivots`` broadcast to LU's batch if they are ``lu_factor``'s for an LU of ``shape``.

    That is int32, shape ``(..., k)`` with k = min(m, n), each in ``[1, m]``; else raise.
    """
    batch, m, k = shape[:-2], shape[-2], min(shape[-2:])
    data = pivots._data if isinstance(pivots, Tensor) else None
    if data is None or data.dtype != np.int32:
        got = pivots.dtype if isinstance(pivots, Tensor) else type(pivots).__name__
        raise RuntimeError(
            f"torch.lu_unpack: LU_pivots is expected to be a tensor of microtensor.int32 dtype, "
            f"got {got}: pass the pivots that linalg.lu_factor returns"
        )
    if data.ndim == 0 or data.shape[-1] != k or _broadcast(data.shape[:-1], batch) != batch:
        raise RuntimeError(
            f"torch.lu_unpack: expected LU_pivots of shape {batch + (k,)} for LU_data of "
            f"shape {shape}, got {data.shape}: pass the pivots of lu_factor"
        )
    if data.size and (data.min() < 1 or data.max() > m):
        raise RuntimeError(
            f"torch.lu_unpack: pivots passed to lu_unpack must be between 1 and LU.size(-2) = "
            f"{m} inclusive, got values from {data.min()} to {data.max()}: did you pass the "
            "result of lu_factor?"
        )
    return np.broadcast_to(data, batch + (k,))


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        return None


def linalg_lu_solve(
    LU: Tensor,  # noqa: N803
    pivots: Tensor,
    B: Tensor,  # noqa: N803
    *,
    left: bool = True,
    adjoint: bool = False,
) -> Tensor:
    """``torch.linalg.lu_solve``: the solution of ``A X = B`` from ``lu_factor(A)``.

    ``adjoint`` solves ``A^H X = B`` (``A^T`` for real A); ``left=False`` solves ``X A = B``.
    Differentiable in ``LU`` and ``B`` (a composition of triangular solves).

    Raises:
        RuntimeError: for a non-square ``LU`` or incompatible shapes.

    Example:
        >>> import microtensor as mt
        >>> lu_, piv = mt.linalg.lu_factor(mt.tensor([[2.0, 0.0], [0.0, 4.0]]))
        >>> mt.linalg.lu_solve(lu_, piv, mt.tensor([[2.0], [2.0]]))
        tensor([[1.0000],
                [0.5000]])
    """
    check_matrices("linalg.lu_solve", LU, square=True, complex_ok=True)
    if B._data.ndim < 2:
        raise RuntimeError(
            f"linalg.lu_solve: Expected B to have at least 2 dimensions, got shape {B._data.shape}"
        )
    if not left:  # X A = B  <=>  A^H X^H = B^H
        x_h = linalg_lu_solve(LU, pivots, B.mH, adjoint=not adjoint)
        return x_h.mH  # type: ignore[no-any-return]
    n = LU._data.shape[-1]
    if B._data.shape[-2] != n:
        raise RuntimeError(
            f"linalg.lu_solve: Incompatible shapes of A and B for the equation AX = B "
            f"({n}x{n} and {B._data.shape[-2]}x{B._data.shape[-1]})"
        )
    _check_pivots("linalg.lu_solve", pivots, LU._data.shape[:-1])
    perm, lower, upper = lu_unpack(LU, pivots)
    if adjoint:  # A^H = U^H L^H P^T:  X = P L^-H U^-H B
        return perm @ Solve.apply(lower.mH, Solve.apply(upper.mH, B))  # type: ignore[no-any-return]
    return Solve.apply(upper, Solve.apply(lower, perm.mT @ B))  # type: ignore[no-any-return]


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:  # noqa: N803
    """``torch.lu_solve`` (older argument order): ``linalg.lu_solve(LU_data, LU_pivots, b)``.

    Example:
        >>> import microtensor as mt
        >>> lu_, piv = mt.linalg.lu_factor(mt.tensor([[2.0, 0.0], [0.0, 4.0]]))
        >>> mt.lu_solve(mt.tensor([[4.0], [4.0]]), lu_, piv)
        tensor([[2.],
                [1.]])
    """
    return linalg_lu_solve(LU_data, LU_pivots, b)
