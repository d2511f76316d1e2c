"""The Cholesky decomposition: ``linalg.cholesky``, ``linalg.cholesky_ex`` and ``cholesky``.

The backward formula is PyTorch's ``cholesky_backward`` (Iain Murray's, arXiv 1602.07527),
written with matmul and the inverse, so it is differentiable twice.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import _linalg_common as la
from microtensor.ops._linalg_common import LinAlgError, batch_prefix, check_matrices
from microtensor.ops.linalg_results import CholeskyEx
from microtensor.tensor import Tensor

__all__ = ["cholesky", "cholesky_inverse", "cholesky_solve"]


class LinalgCholesky(Op):
    """A = L L^H;  dL/dA = sym(L^-H phi(L^H gL) L^-1), phi = tril with the diagonal halved.

    ``sym(X) = (X + X^H) / 2``; for ``upper`` (A = U^H U) the formula runs on L = U^H. (^H is
    the conjugate transpose: ^T for real matrices.)
    """

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any, upper: bool, check: str | None) -> Any:
        with np.errstate(all="ignore"):
            factor, infos = _potrf(a)
        if check and infos.any():
            _raise_not_positive_definite(check, infos)
        ctx.upper = upper
        out = np.swapaxes(factor, -1, -2).conj() if upper else factor  # conj: a copy
        ctx.save_for_backward(out)
        return out, infos

    @staticmethod
    def backward(ctx: Any, grad_out: Any, grad_info: Any) -> Any:
        (factor,) = ctx.saved_tensors
        lower, grad = (la.mH(factor), la.mH(grad_out)) if ctx.upper else (factor, grad_out)
        phi = la.tril(la.mH(lower) @ grad)
        phi = phi - 0.5 * la.diag_embed(la.diagonal(phi))
        lower_inv = la.inverse(lower)
        grad_a = la.mH(lower_inv) @ phi @ lower_inv
        return 0.5 * (grad_a + la.mH(grad_a)), None, None


def _potrf(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LAPACK's lower Cholesky factor of each matrix (upper triangle zeroed) and its info."""
    try:
        return np.linalg.cholesky(a), np.zeros(a.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        pass
    from scipy.linalg import lapack  # noqa: PLC0415 - SciPy is imported on use

    out = np.zeros_like(a)
    infos = np.zeros(a.shape[:-2], np.int32)
    for index in np.ndindex(a.shape[:-2]):
        (potrf,) = lapack.get_lapack_funcs(("potrf",), (a[index],))
        factor, info = potrf(a[index], lower=True, clean=True)
        out[index], infos[index] = np.tril(factor), max(int(info), 0)
    return out, infos


def cholesky_ex(
    A: Tensor,  # noqa: N803
    *,
    upper: bool = False,
    check_errors: bool = False,
) -> CholeskyEx:
    """The Cholesky factor and LAPACK's ``info`` (int32), without raising by default.

    ``info`` is 0, or the order of the first leading minor that is not positive-definite
    (the factor is then partial, as PyTorch's).

    Raises:
        RuntimeError: for non-square or integer input.
        LinAlgError: when ``check_errors`` and a matrix is not positive-definite.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.cholesky_ex(mt.tensor([[1.0, 2.0], [2.0, 1.0]])).info
        tensor(2, dtype=microtensor.int32)
    """
    check_matrices("linalg.cholesky_ex", A, square=True, complex_ok=True)
    factor, infos = LinalgCholesky.apply(A, upper, "linalg.cholesky_ex" if check_errors else None)
    return CholeskyEx(factor, infos)


def _raise_not_positive_definite(op: str, infos: np.ndarray) -> None:
    index = tuple(int(i) for i in np.argwhere(infos)[0]) if infos.ndim else ()
    raise LinAlgError(
        batch_prefix(op, index, infos.ndim > 0)
        + "The factorization could not be completed because the input is not "
        f"positive-definite (the leading minor of order {infos[index]} is not "
        "positive-definite)."
    )


def linalg_cholesky(A: Tensor, *, upper: bool = False) -> Tensor:  # noqa: N803
    """``torch.linalg.cholesky``: L lower-triangular with ``A = L @ L.T`` (U with U.T @ U).

    Only the lower triangle of A is read. The gradient is PyTorch's, symmetrized.

    Raises:
        RuntimeError: for non-square or integer input.
        LinAlgError: (a RuntimeError) if a matrix is not positive-definite.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.cholesky(mt.tensor([[4.0, 2.0], [2.0, 2.0]]))
        tensor([[2., 0.],
                [1., 1.]])
    """
    check_matrices("linalg.cholesky", A, square=True, complex_ok=True)
    return LinalgCholesky.apply(A, upper, "linalg.cholesky")[0]  # type: ignore[no-any-return]


def cholesky(input: Tensor, upper: bool = False) -> Tensor:  # noqa: A002
    """``torch.cholesky``: ``linalg.cholesky(input, upper=upper)``.

    Example:
        >>> import microtensor as mt
        >>> mt.cholesky(mt.tensor([[9.0]]))
        tensor([[3.]])
    """
    return linalg_cholesky(input, upper=upper)


def _from_factor(factor: Tensor, upper: bool) -> Tensor:
    """A = L L^H (or U^H U): every entry of the factor counts, as PyTorch's gradients."""
    return factor.mH @ factor if upper else factor @ factor.mH  # type: ignore[no-any-return]


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:  # noqa: N803
    """``torch.cholesky_solve``: the solution of ``A X = B`` with ``A = L L^T`` (``U^T U``).

    A composition of matmul and ``solve``; as PyTorch's, the gradient of ``L`` is not
    restricted to its triangle.

    Raises:
        RuntimeError: for fewer than 2 dims, non-square or integer factors, or shapes that do
            not match.

    Example:
        >>> import microtensor as mt
        >>> mt.cholesky_solve(mt.tensor([[4.0], [8.0]]), mt.tensor([[2.0, 0.0], [0.0, 2.0]]))
        tensor([[1.],
                [2.]])
    """
    from microtensor.ops.solvers import solve  # noqa: PLC0415 - solvers is a sibling

    check_matrices("cholesky_solve", L, square=True, complex_ok=True)
    if B._data.ndim < 2:
        raise RuntimeError(
            f"cholesky_solve: b should have at least 2 dimensions, but has {B._data.ndim} "
            "dimensions instead"
        )
    return solve(_from_factor(L, upper), B)


def cholesky_inverse(L: Tensor, upper: bool = False) -> Tensor:  # noqa: N803
    """``torch.cholesky_inverse``: ``(L L^T)^-1`` (``(U^T U)^-1``) from a Cholesky factor.

    Raises:
        RuntimeError: for fewer than 2 dims, non-square or integer input.

    Example:
        >>> import microtensor as mt
        >>> mt.cholesky_inverse(mt.tensor([[2.0, 0.0], [0.0, 1.0]]))
        tensor([[0.2500, 0.0000],
                [0.0000, 1.0000]])
    """
    from microtensor.ops.inverses import inverse  # noqa: PLC0415 - inverses is a sibling

    check_matrices("cholesky_inverse", L, square=True, complex_ok=True)
    return inverse(_from_factor(L, upper))
