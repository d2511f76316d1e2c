"""Randomized low-rank decompositions: ``svd_lowrank`` and ``pca_lowrank``.

Halko, Martinsson and Tropp (2009), as PyTorch runs them: a random Gaussian test matrix
``R`` (drawn from the default generator, so ``manual_seed`` makes the result repeatable),
an orthonormal basis ``Q`` of the range of ``A @ R`` refined by ``niter`` power iterations
(each re-orthonormalised by QR), then the exact SVD of the small ``Q.mH @ A``. Both are
compositions of ``matmul``, ``linalg.qr`` and ``linalg.svd``, so gradients (and second
derivatives) are theirs.
"""

from __future__ import annotations

from typing import Any

from microtensor import dtypes, ops
from microtensor._random_factories import randn
from microtensor.ops.qr_decomposition import linalg_qr
from microtensor.ops.svd_decomposition import linalg_svd
from microtensor.tensor import Tensor

__all__ = ["pca_lowrank", "svd_lowrank"]


def _floating(A: Tensor) -> Any:  # noqa: N803 - PyTorch's argument name
    """The dtype of the random test matrix: A's if floating or complex (torch's), else float32."""
    return A.dtype if A.dtype.is_floating_point or A.dtype.is_complex else dtypes.float32


def _approximate_basis(A: Tensor, q: int, niter: int, M: Tensor | None) -> Tensor:  # noqa: N803
    """Q with q orthonormal columns such that Q @ Q.mH @ (A - M) approximates A - M."""

    def times(matrices: tuple[Tensor, Tensor | None], X: Tensor) -> Tensor:  # noqa: N803
        product = ops.matmul(matrices[0], X)
        return product if matrices[1] is None else product - ops.matmul(matrices[1], X)

    forward = (A, M)
    adjoint = (A.mH, None if M is None else M.mH)
    R = randn(A.shape[-1], q, dtype=_floating(A))  # noqa: N806 - the paper's names
    Q = linalg_qr(times(forward, R)).Q  # noqa: N806
    for _ in range(niter):
        Q = linalg_qr(times(adjoint, Q)).Q  # noqa: N806
        Q = linalg_qr(times(forward, Q)).Q  # noqa: N806
    return Q


def _svd_lowrank(A: Tensor, q: int, niter: int, M: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:  # noqa: N803
    m, n = A.shape[-2:]
    if M is not None:
        M = ops.broadcast_to(M, A.shape)  # noqa: N806
    if m < n:  # work on the tall orientation; swap U and V back at the end
        A = A.mH  # noqa: N806
        M = None if M is None else M.mH  # noqa: N806
    Q = _approximate_basis(A, q, niter, M)  # noqa: N806
    B = ops.matmul(Q.mH, A)  # noqa: N806
    if M is not None:
        B = B - ops.matmul(Q.mH, M)  # noqa: N806
    U, S, Vh = linalg_svd(B, full_matrices=False)  # noqa: N806
    U = ops.matmul(Q, U)  # noqa: N806
    V = Vh.mH  # noqa: N806
    return (V, S, U) if m < n else (U, S, V)


def svd_lowrank(
    A: Tensor,  # noqa: N803 - PyTorch's argument names
    q: int | None = 6,
    niter: int | None = 2,
    M: Tensor | None = None,  # noqa: N803
) -> tuple[Tensor, Tensor, Tensor]:
    """An approximate truncated SVD ``A - M ~= U @ diag(S) @ V.mH`` of rank ``q``, randomized.

    Exact (up to rounding) when ``A - M`` has rank at most ``q``. The result depends on the
    random test matrix drawn from the default generator; seed it for repeatable results.

    Args:
        A: shape ``(*, m, n)``.
        q: the rank of the approximation, slightly above the expected rank (default 6; None
            means 6).
        niter: the number of power iterations (default 2; None means 2).
        M: broadcast to ``A``'s shape and subtracted from it, or None.

    Returns:
        ``(U, S, V)`` of shapes ``(*, m, q)``, ``(*, q)`` and ``(*, n, q)``.

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(0)
        >>> a = mt.tensor([[3.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
        >>> U, S, V = mt.svd_lowrank(a, q=2)
        >>> S
        tensor([3., 1.])
    """
    q = 6 if q is None else q
    niter = 2 if niter is None else niter
    return _svd_lowrank(A, q, niter, M)


def pca_lowrank(
    A: Tensor,  # noqa: N803 - PyTorch's argument name
    q: int | None = None,
    center: bool = True,
    niter: int = 2,
) -> tuple[Tensor, Tensor, Tensor]:
    """Principal component analysis of the rows of ``A`` by ``svd_lowrank``.

    With ``center`` the column means are subtracted first, so ``V`` holds the principal
    directions and ``S**2 / (m - 1)`` the variances along them.

    Args:
        A: shape ``(*, m, n)``.
        q: the number of components (default ``min(6, m, n)``).
        center: subtract the column means first.
        niter: the number of power iterations.

    Returns:
        ``(U, S, V)`` of shapes ``(*, m, q)``, ``(*, q)`` and ``(*, n, q)``.

    Raises:
        ValueError: if ``q`` is not in ``[0, min(m, n)]`` or ``niter`` is negative.

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(0)
        >>> a = mt.tensor([[1.0, 0.0], [3.0, 0.0], [2.0, 2.0], [2.0, -2.0]])
        >>> U, S, V = mt.pca_lowrank(a, q=2)
        >>> S
        tensor([2.8284, 1.4142])
    """
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not 0 <= q <= min(m, n):
        raise ValueError(
            f"pca_lowrank(): q(={q}) must be non-negative integer and not greater than "
            f"min(m, n)={min(m, n)}"
        )
    if not niter >= 0:
        raise ValueError(f"pca_lowrank(): niter(={niter}) must be non-negative integer")
    if center:
        A = A - ops.mean(A, dim=(-2,), keepdim=True)  # noqa: N806
    return _svd_lowrank(A, q, niter, None)
