"""Matrix properties: det, slogdet, logdet and matrix_rank.

det and slogdet are ops whose backward formulas use the inverse (an op itself), so they have
second derivatives.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.ops import _linalg_common as la
from microtensor.ops import dual
from microtensor.ops._linalg_common import check_matrices
from microtensor.ops.indexing import GetItem
from microtensor.ops.inverses import cutoff
from microtensor.ops.linalg_results import SLogDet
from microtensor.tensor import Tensor

__all__ = ["det", "logdet", "slogdet"]


class Det(Op):
    """z = det(A);  dz/dA = the cofactor matrix of A = z * A^-T (where A is invertible).

    det is holomorphic: a complex A gets grad * conj(z * A^-T) = grad * conj(z) * A^-H.
    A batch holding a singular matrix uses the cofactors themselves (signed determinants of
    the minors), so the gradient there is right instead of 0 * inf.
    """

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = np.asarray(np.linalg.det(a))
        ctx.singular = bool(ctx.needs_input_grad[0] and (out == 0).any())
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, z = ctx.saved_tensors
        matrix = tuple(grad_out.shape) + (1, 1)
        if ctx.singular:
            return grad_out.reshape(matrix) * dual.conj(_cofactors(a))
        return (grad_out * dual.conj(z)).reshape(matrix) * la.mH(la.inverse(a))


class LinalgSlogdet(Op):
    """(sign, log|det A|);  grad_A = g A^-H with g = g_logabsdet - i Im(conj(g_sign) sign).

    A real sign is piecewise constant (no gradient); a complex one is e^{i arg det}, with
    d arg det = Im tr(A^-1 dA) (PyTorch's slogdet_backward).
    """

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        sign, logabsdet = np.linalg.slogdet(a)
        sign, logabsdet = np.asarray(sign), np.asarray(logabsdet)
        ctx.save_for_backward(a, sign)
        return sign, logabsdet

    @staticmethod
    def backward(ctx: Any, grad_sign: Any, grad_logabsdet: Any) -> Any:
        a, sign = ctx.saved_tensors
        g = grad_logabsdet
        if la.dtype_of(a).kind == "c":  # -i Im(w) = -(w - conj(w)) / 2, w = conj(g_sign) sign
            w = dual.conj(grad_sign) * sign
            g = g - 0.5 * (w - dual.conj(w))
        matrix = tuple(g.shape) + (1, 1)
        return g.reshape(matrix) * la.mH(la.inverse(a))


class Minors(GetItem):
    """z[..., i, j, :, :] = A without row i and column j: GetItem at an advanced key."""


def _det(x: Any) -> Any:
    return np.asarray(np.linalg.det(x)) if dual.is_array(x) else Det.apply(x)


def _cofactors(a: Any) -> Any:
    """C[..., i, j] = (-1)**(i + j) det(A without row i and column j)."""
    n, batch = a.shape[-1], len(a.shape) - 2
    keep = np.arange(n - 1)
    rows = (keep + (keep >= np.arange(n)[:, None])).reshape(n, 1, n - 1, 1)
    cols = (keep + (keep >= np.arange(n)[:, None])).reshape(1, n, 1, n - 1)
    key = (Ellipsis,), (slice(None),) * batch + (rows, cols)
    minors = a[key[1]] if dual.is_array(a) else Minors.apply(a, key)
    signs = (-1.0) ** np.add.outer(np.arange(n), np.arange(n))
    return _det(minors) * signs


def det(input: Tensor) -> Tensor:  # noqa: A002
    """The determinant of a square matrix, or of each matrix in a batch ``(..., n, n)``.

    ``torch.det`` and ``torch.linalg.det``, real or complex. The gradient is the cofactor
    matrix (conjugated for complex input, as PyTorch), also for singular matrices.

    Raises:
        RuntimeError: for fewer than 2 dims, or non-square or integer matrices.

    Example:
        >>> import microtensor as mt
        >>> mt.det(mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor(-2.)
    """
    check_matrices("linalg.det", input, square=True, complex_ok=True)
    return Det.apply(input)  # type: ignore[no-any-return]


def slogdet(input: Tensor) -> SLogDet:  # noqa: A002
    """The sign and the log of the absolute value of the determinant: ``(sign, logabsdet)``.

    ``torch.slogdet`` and ``torch.linalg.slogdet``; stable where ``det`` under- or
    overflows. A singular matrix gives ``(0, -inf)``; its gradient is undefined (inf or nan).
    For complex input ``sign`` is the complex ``det / |det|`` and has a gradient, as PyTorch.

    Raises:
        RuntimeError: for fewer than 2 dims, or non-square or integer matrices.

    Example:
        >>> import microtensor as mt
        >>> mt.slogdet(mt.tensor([[-2.0, 0.0], [0.0, 0.5]]))
        microtensor.return_types.linalg_slogdet(
        sign=tensor(-1.),
        logabsdet=tensor(0.))
    """
    check_matrices("linalg.slogdet", input, square=True, complex_ok=True)
    sign, logabsdet = LinalgSlogdet.apply(input)
    return SLogDet(sign, logabsdet)


def logdet(input: Tensor) -> Tensor:  # noqa: A002
    """``log(det(input))``: nan where the determinant is negative, -inf where it is 0.

    For complex input, the complex ``logabsdet + log(sign)`` (PyTorch's composition).

    Raises:
        RuntimeError: for fewer than 2 dims, or non-square or integer matrices.

    Example:
        >>> import microtensor as mt
        >>> mt.logdet(mt.tensor([[2.0, 0.0], [0.0, 0.5]]))
        tensor(0.)
    """
    check_matrices("logdet", input, square=True, complex_ok=True)
    sign, logabsdet = LinalgSlogdet.apply(input)
    if input._data.dtype.kind == "c":
        return logabsdet + ops.log(sign)  # type: ignore[no-any-return]
    with np.errstate(invalid="ignore", divide="ignore"):
        return logabsdet + np.log(sign._data)  # type: ignore[no-any-return]


def matrix_rank(
    A: Tensor,  # noqa: N803
    *,
    atol: Any = None,
    rtol: Any = None,
    hermitian: bool = False,
    tol: Any = None,
) -> Tensor:
    """The number of singular values above ``max(atol, rtol * largest)``, as int64.

    With neither tolerance, ``rtol = eps * max(m, n)``; with only ``atol``, ``rtol = 0``.
    ``hermitian=True`` uses the eigenvalues' absolute values. ``tol`` is the older name of
    ``atol``.

    Raises:
        RuntimeError: for fewer than 2 dims or an integer input.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.matrix_rank(mt.tensor([[1.0, 2.0], [2.0, 4.0]]))
        tensor(1)
    """
    check_matrices("linalg.matrix_rank", A, complex_ok=True)
    if tol is not None:
        atol, rtol = tol, 0.0 if rtol is None else rtol
    a = A._data
    sizes = (a.shape[-2], a.shape[-1])
    if a.size == 0:
        return Tensor._make(np.zeros(a.shape[:-2], np.int64))
    if hermitian:
        check_matrices("linalg.matrix_rank", A, square=True, complex_ok=True)
        s = np.abs(np.linalg.eigvalsh(a))
    else:
        s = np.linalg.svd(a, compute_uv=False)
    limit = cutoff(sizes, s.max(-1), atol, rtol)[..., None]
    return Tensor._make(np.asarray(np.sum(s > limit, axis=-1), dtype=np.int64))


def cond(A: Tensor, p: Any = None) -> Tensor:  # noqa: N803
    """The condition number of each matrix in the ``p`` norm.

    ``p`` None or 2: largest / smallest singular value; -2: the reverse (both for any
    ``(..., m, n)``); 'fro', 'nuc', inf, -inf, 1, -1: ``matrix_norm(A, p) *
    matrix_norm(inv(A), p)`` (square, invertible A). Differentiable as its pieces; complex
    matrices too.
    Differs from PyTorch: PyTorch's backward raises for the inverse-based orders (it
    modifies a saved tensor in place); here they have gradients.

    Raises:
        RuntimeError: for an unsupported ``p``, fewer than 2 dims, or a non-square ``A`` with
            a ``p`` that needs the inverse.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.cond(mt.tensor([[4.0, 0.0], [0.0, 2.0]]))
        tensor(2.)
    """
    from microtensor.ops.inverses import inverse  # noqa: PLC0415 - a sibling concept
    from microtensor.ops.norms import matrix_norm  # noqa: PLC0415 - norms imports svd
    from microtensor.ops.svd_decomposition import svdvals  # noqa: PLC0415

    check_matrices("linalg.cond", A, complex_ok=True)
    if p is None or p in (2, -2):
        values = svdvals(A)
        largest, smallest = values[..., 0], values[..., -1]
        with np.errstate(divide="ignore"):
            return largest / smallest if p != -2 else smallest / largest  # type: ignore[no-any-return]
    if p not in ("fro", "nuc", 1, -1, np.inf, -np.inf):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    check_matrices("linalg.cond", A, square=True, complex_ok=True)
    return matrix_norm(A, p) * matrix_norm(inverse(A), p)  # type: ignore[no-any-return]
