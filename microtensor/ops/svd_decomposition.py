"""The singular value decomposition: ``linalg.svd``, ``linalg.svdvals`` and ``svd``.

The backward formula is PyTorch's ``svd_backward``, written with matmul and array-or-Tensor
helpers, so the decomposition is differentiable twice. Its conventions: the gradient assumes
distinct singular values (repeated ones divide by zero and give inf or nan, as PyTorch) unless
only the singular values are used, which is always defined (``U diag(gS) Vh``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import _linalg_common as la
from microtensor.ops._linalg_common import check_matrices
from microtensor.ops.linalg_results import SVD, OldSVD
from microtensor.tensor import Tensor

__all__ = ["svd"]


class LinalgSvd(Op):
    """A = U diag(S) Vh;  dL/dA from (gU, gS, gVh) by PyTorch's ``svd_backward``.

    With ``full_matrices`` the extra columns of U and rows of Vh get no gradient (PyTorch
    narrows them away), since they are not determined by A.
    """

    complex_grad = True  # svd_backward's complex form (conjugate transposes, a phase term)
    _materialize_grads = False  # a missing gU / gVh selects the cheaper, always-defined form

    @staticmethod
    def forward(ctx: Any, a: Any, full_matrices: bool) -> Any:
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
        ctx.full = full_matrices
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx: Any, grad_u: Any, grad_s: Any, grad_vh: Any) -> Any:
        u, s, vh = ctx.saved_tensors
        if ctx.full:
            k = s.shape[-1]
            u, vh = la.narrow(u, -1, 0, k), la.narrow(vh, -2, 0, k)
            grad_u = None if grad_u is None else la.narrow(grad_u, -1, 0, k)
            grad_vh = None if grad_vh is None else la.narrow(grad_vh, -2, 0, k)
        return svd_backward(grad_u, grad_s, grad_vh, u, s, vh), None


def svd_backward(grad_u: Any, grad_s: Any, grad_vh: Any, u: Any, s: Any, vh: Any) -> Any:
    """PyTorch's formula: gA = U [(skew(U^H gU) S + S skew(V^H gV)) / E + diag(gS)] Vh + ...

    skew(X) = X - X^H; E[i, j] = S[j]^2 - S[i]^2 off the diagonal (1 on it); for m > n (m < n)
    the part of gU (gVh) outside the span of U (V) is added as (I - U U^H) gU S^-1 Vh. Complex:
    the diagonal also gets diag(skew(U^H gU)) / (2 S), the phase term. (^H is the conjugate
    transpose: ^T for real matrices.)
    """
    m, n = u.shape[-2], vh.shape[-1]
    if grad_u is None and grad_vh is None:
        if m >= n:
            return u @ (la.unsqueeze_last(grad_s) * vh)
        return (u * la.unsqueeze_row(grad_s)) @ vh
    s_row, s_col = la.unsqueeze_row(s), la.unsqueeze_last(s)
    squares = s * s
    e = la.unsqueeze_row(squares) - la.unsqueeze_last(squares) + la.eye_like(s, s.shape[-1])
    terms = []
    if grad_u is not None:
        uhgu = la.mH(u) @ grad_u
        uhgu = uhgu - la.mH(uhgu)
        terms.append(uhgu * s_row)
    if grad_vh is not None:
        vhgv = vh @ la.mH(grad_vh)
        terms.append(s_col * (vhgv - la.mH(vhgv)))
    grad = (terms[0] if len(terms) == 1 else terms[0] + terms[1]) / e
    if grad_s is not None:
        grad = grad + la.diag_embed(grad_s)
    if grad_u is not None and la.dtype_of(u).kind == "c":
        grad = grad + la.diag_embed(la.diagonal(uhgu) / (2.0 * s))
    if m > n and grad_u is not None:
        grad = u @ grad
        gu_s_inv = grad_u / s_row
        grad = grad + gu_s_inv - u @ (la.mH(u) @ gu_s_inv)
        return grad @ vh
    if m < n and grad_vh is not None:
        grad = grad @ vh
        s_inv_gvh = grad_vh / s_col
        grad = grad + s_inv_gvh - (s_inv_gvh @ la.mH(vh)) @ vh
        return u @ grad
    return u @ (grad @ vh) if m >= n else (u @ grad) @ vh


def linalg_svd(A: Tensor, full_matrices: bool = True, *, driver: Any = None) -> SVD:  # noqa: N803
    """``torch.linalg.svd``: ``A = U @ diag(S) @ Vh``, S descending, for ``(..., m, n)``.

    With ``full_matrices`` U is ``m x m`` and Vh ``n x n``; otherwise ``m x k`` and ``k x n``
    (k = min(m, n)). The gradient is PyTorch's: it is undefined (inf/nan) for repeated
    singular values unless only S is used, and it assumes a loss invariant to the signs of
    the singular vectors. ``driver`` (a CUDA option) is accepted and ignored.
    Differs from PyTorch: the signs of the singular vectors come from NumPy's LAPACK and can
    differ from PyTorch's (PyTorch's own differ across backends).

    Raises:
        RuntimeError: for fewer than 2 dims or an integer input.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.svd(mt.tensor([[3.0, 0.0], [0.0, -2.0]])).S
        tensor([3., 2.])
    """
    check_matrices("linalg.svd", A, complex_ok=True)
    u, s, vh = LinalgSvd.apply(A, full_matrices)
    return SVD(u, s, vh)


def svdvals(A: Tensor, *, driver: Any = None) -> Tensor:  # noqa: N803
    """The singular values of each matrix, descending; the gradient is ``U diag(gS) Vh``.

    Raises:
        RuntimeError: for fewer than 2 dims or an integer input.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.svdvals(mt.tensor([[0.0, 2.0], [1.0, 0.0]]))
        tensor([2., 1.])
    """
    check_matrices("linalg.svdvals", A, complex_ok=True)
    if not A.requires_grad:
        return Tensor._make(np.linalg.svd(A._data, compute_uv=False))
    return LinalgSvd.apply(A, False)[1]  # type: ignore[no-any-return]


def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> OldSVD:  # noqa: A002
    """``torch.svd``: ``input = U @ diag(S) @ V.mH``; note V, not its (conjugate) transpose.

    ``some=True`` gives the reduced decomposition. With ``compute_uv=False`` U and V are
    zero matrices of shapes ``(m, m)`` and ``(n, n)``, as PyTorch. Gradients as
    ``linalg.svd``.

    Raises:
        RuntimeError: for fewer than 2 dims or an integer input.

    Example:
        >>> import microtensor as mt
        >>> u, s, v = mt.svd(mt.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
        >>> s, u.shape, v.shape
        (tensor([2., 1.]), microtensor.Size([3, 2]), microtensor.Size([2, 2]))
    """
    check_matrices("svd", input, complex_ok=True)
    if not compute_uv:
        m, n = input._data.shape[-2:]
        batch, dtype = input._data.shape[:-2], input._data.dtype
        zeros_u = Tensor._make(np.zeros(batch + (m, m), dtype))
        zeros_v = Tensor._make(np.zeros(batch + (n, n), dtype))
        return OldSVD(zeros_u, svdvals(input), zeros_v)
    u, s, vh = LinalgSvd.apply(input, not some)
    return OldSVD(u, s, vh.mH)
