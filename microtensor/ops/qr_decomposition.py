"""The QR decomposition: ``linalg.qr`` and ``qr``.

The backward formula is the one of PyTorch's ``linalg_qr_backward`` (m >= n, and m < n by
splitting A = [X | Y]), written with matmul, solve and array-or-Tensor helpers, so it is
differentiable twice.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import _linalg_common as la
from microtensor.ops._linalg_common import check_matrices
from microtensor.ops.linalg_results import QR
from microtensor.tensor import Tensor

__all__ = ["geqrf", "ormqr", "qr"]


class LinalgQr(Op):
    """A = Q R;  for m >= n: dL/dA = (gQ + Q copyltu(M)) R^-H with M = R gR^H - gQ^H Q.

    ``copyltu(M) = tril(M, -1) + tril(M, -1)^H + Re(diag(M))``. For m < n, A = [X | Y] with
    X = Q U square: dL/dY = Q gV and X takes the square formula with gQ + Y gV^H. (^H is the
    conjugate transpose: ^T for real matrices.)
    """

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any, mode: str) -> Any:
        if mode == "r":
            r = np.linalg.qr(a, mode="r")
            return np.zeros((0,), a.dtype), r
        q, r = np.linalg.qr(a, mode=mode)  # type: ignore[call-overload]
        ctx.mode = mode
        ctx.save_for_backward(q, r)
        return q, r

    @staticmethod
    def backward(ctx: Any, grad_q: Any, grad_r: Any) -> Any:
        if not hasattr(ctx, "mode"):
            raise RuntimeError(
                "The derivative of linalg.qr depends on Q, which is not computed when "
                "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                "differentiate through linalg.qr."
            )
        q, r = ctx.saved_tensors
        m, n = q.shape[-2], r.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError(
                "The QR decomposition is not differentiable when mode='complete' and nrows > ncols."
            )
        if m >= n:
            return _square_backward(grad_q, grad_r, q, r), None
        u, v = la.narrow(r, -1, 0, m), la.narrow(r, -1, m, n - m)
        grad_u, grad_v = la.narrow(grad_r, -1, 0, m), la.narrow(grad_r, -1, m, n - m)
        y = q @ v  # the columns of A past the first m
        grad_x = _square_backward(grad_q + y @ la.mH(grad_v), grad_u, q, u)
        return la.cat([grad_x, q @ grad_v], -1), None


def _square_backward(grad_q: Any, grad_r: Any, q: Any, r: Any) -> Any:
    """(gQ + Q copyltu(R gR^H - gQ^H Q)) R^-H, for R square (n x n)."""
    m = r @ la.mH(grad_r) - la.mH(grad_q) @ q
    lower = la.tril(m, -1)
    copyltu = lower + la.mH(lower) + la.diag_embed(la.real(la.diagonal(m)))
    b = grad_q + q @ copyltu
    return la.mH(la.solve(r, la.mH(b)))  # b R^-H = (R^-1 b^H)^H


def linalg_qr(A: Tensor, mode: str = "reduced") -> QR:  # noqa: N803
    """``torch.linalg.qr``: ``A = Q R`` with orthonormal Q and upper-triangular R.

    ``mode``: 'reduced' (Q is m x k, R k x n, k = min(m, n)), 'complete' (Q m x m, R m x n)
    or 'r' (R only, Q empty). Differentiable for full-rank A except with 'r', and with
    'complete' when m > n (Q is then not determined by A), as PyTorch.

    Raises:
        RuntimeError: for fewer than 2 dims, an integer input or an unknown mode.

    Example:
        >>> import microtensor as mt
        >>> q, r = mt.linalg.qr(mt.tensor([[3.0, 1.0], [4.0, 2.0]]))
        >>> (q @ r).round(decimals=4).abs()
        tensor([[3., 1.],
                [4., 2.]])
    """
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
            "'r', or 'complete'"
        )
    check_matrices("linalg.qr", A, complex_ok=True)
    q, r = LinalgQr.apply(A, mode)
    return QR(q, r)


def qr(input: Tensor, some: bool = True) -> QR:  # noqa: A002
    """``torch.qr``: ``linalg.qr(input, 'reduced' if some else 'complete')``.

    Example:
        >>> import microtensor as mt
        >>> mt.qr(mt.tensor([[2.0], [0.0]])).R.abs()
        tensor([[2.]])
    """
    return linalg_qr(input, "reduced" if some else "complete")


def geqrf(input: Tensor) -> tuple[Tensor, Tensor]:  # noqa: A002
    """``torch.geqrf``: LAPACK's packed QR decomposition ``(a, tau)``.

    R is on and above the diagonal of ``a``, the Householder vectors below it, and ``tau``
    holds their scales.

    Differs from PyTorch: the outputs carry no gradient (PyTorch's backward raises).

    Raises:
        RuntimeError: for fewer than 2 dims or an integer input.

    Example:
        >>> import microtensor as mt
        >>> a, tau = mt.geqrf(mt.tensor([[3.0], [4.0]]))
        >>> a.abs(), tau
        (tensor([[5.0000],
                [0.5000]]), tensor([1.6000]))
    """
    from scipy.linalg import lapack  # noqa: PLC0415 - SciPy is imported on use

    check_matrices("geqrf", input, complex_ok=True)
    x = input._data
    m, n = x.shape[-2:]
    packed = np.zeros_like(x)
    tau = np.zeros(x.shape[:-2] + (min(m, n),), x.dtype)
    for index in np.ndindex(x.shape[:-2]):
        if x.size == 0:
            break
        (routine,) = lapack.get_lapack_funcs(("geqrf",), (x[index],))
        packed[index], tau[index], _, _ = routine(x[index])
    return Tensor._make(packed), Tensor._make(tau)


def ormqr(
    input: Tensor,  # noqa: A002
    input2: Tensor,
    input3: Tensor,
    left: bool = True,
    transpose: bool = False,
) -> Tensor:
    """``torch.ormqr``: ``op(Q) @ C`` (or ``C @ op(Q)``) for the Q of ``geqrf``.

    Q is the full m x m product of the Householder reflectors in ``input`` (scales
    ``input2``), C is ``input3``, and op transposes when ``transpose`` (the conjugate
    transpose for complex Q).

    A composition of ``householder_product`` and matmul, so it is differentiable twice.

    Raises:
        RuntimeError: for an input or other with fewer than 2 dims, or shapes that do not
            match (tau's length must be ``min(other.shape[-2], input.shape[-1])``).

    Example:
        >>> import microtensor as mt
        >>> a, tau = mt.geqrf(mt.tensor([[3.0, 1.0], [4.0, 2.0]]))
        >>> mt.ormqr(a, tau, mt.eye(2)).abs()
        tensor([[0.6000, 0.8000],
                [0.8000, 0.6000]])
    """
    from microtensor import ops  # noqa: PLC0415
    from microtensor.ops.matrix_products import householder_product  # noqa: PLC0415

    for name, t in (("input", input), ("other", input3)):
        if t._data.ndim < 2:
            raise RuntimeError(
                f"torch.ormqr: {name} must have at least 2 dimensions, got shape "
                f"{list(t._data.shape)}"
            )
    m = input._data.shape[-2]
    rows = input3._data.shape[-2 if left else -1]
    reflectors = min(rows, input._data.shape[-1])
    if input2._data.shape[-1:] != (reflectors,):
        raise RuntimeError(
            f"torch.ormqr: tau.shape[-1] must be equal to min(other.shape[{-2 if left else -1}], "
            f"input.shape[-1]) = {reflectors}, got tau of shape {list(input2._data.shape)}"
        )
    if rows != m:
        raise RuntimeError(
            f"torch.ormqr: other.shape[{-2 if left else -1}] must be equal to input.shape[-2] "
            f"({rows} != {m})"
        )
    n = input._data.shape[-1]
    square = (
        input
        if n == m
        else ops.narrow(input, -1, 0, m)
        if n > m
        else ops.cat(
            [input, Tensor._make(np.zeros(input._data.shape[:-1] + (m - n,), input._data.dtype))],
            -1,
        )
    )
    q = householder_product(square, input2)
    if transpose:
        q = q.mH if q._data.dtype.kind == "c" else q.mT
    return q @ input3 if left else input3 @ q  # type: ignore[no-any-return]
