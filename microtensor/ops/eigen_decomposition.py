"""Eigendecompositions: ``linalg.eigh``, ``eigvalsh``, ``eig`` and ``eigvals`` (real results).

The backward formula is PyTorch's ``linalg_eig_backward`` (both the symmetric and the general
case), written with matmul, solve and array-or-Tensor helpers, so it is differentiable twice.
It assumes distinct eigenvalues: repeated ones give inf or nan when the eigenvectors are used,
as PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import _linalg_common as la
from microtensor.ops._linalg_common import check_matrices
from microtensor.ops.linalg_results import Eig
from microtensor.tensor import Tensor

__all__: list[str] = []


class LinalgEigh(Op):
    """A = V diag(L) V^T (A symmetric);  dL/dA = V (diag(gL) + skew(V^T gV) / 2E) V^T."""

    _materialize_grads = False

    @staticmethod
    def forward(ctx: Any, a: Any, uplo: str) -> Any:
        values, vectors = np.linalg.eigh(a, UPLO=uplo)  # type: ignore[call-overload]
        ctx.save_for_backward(values, vectors)
        return values, vectors

    @staticmethod
    def backward(ctx: Any, grad_values: Any, grad_vectors: Any) -> Any:
        values, vectors = ctx.saved_tensors
        return eig_backward(grad_values, grad_vectors, values, vectors, True), None


class LinalgEig(Op):
    """A = V diag(L) V^-1 (real L and V);  dL/dA = V^-T (diag(gL) + P(V^T gV) / E) V^T."""

    _materialize_grads = False

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        values, vectors = np.linalg.eig(a)
        if values.dtype.kind == "c":
            raise RuntimeError(
                "linalg.eig: the input has complex eigenvalues, and microtensor has no complex "
                "dtype; only matrices with real eigenvalues are supported (linalg.eigh for "
                "symmetric matrices always has them)"
            )
        ctx.save_for_backward(values, vectors)
        return values, vectors

    @staticmethod
    def backward(ctx: Any, grad_values: Any, grad_vectors: Any) -> Any:
        values, vectors = ctx.saved_tensors
        return eig_backward(grad_values, grad_vectors, values, vectors, False)


def eig_backward(
    grad_values: Any, grad_vectors: Any, values: Any, vectors: Any, hermitian: bool
) -> Any:
    """PyTorch's formula, with E[i, j] = L[j] - L[i].

    The projection of V^T gV is onto the tangent space of the normalization: skew-symmetric
    for eigh, and ``X - V^T V diag(X)`` (unit-norm columns) for eig.
    """
    n = values.shape[-1]
    eye = la.eye_like(values, n)
    if grad_vectors is None:
        inner = la.diag_embed(grad_values)
    else:
        vhgv = la.mT(vectors) @ grad_vectors
        if hermitian:
            vhgv = 0.5 * (vhgv - la.mT(vhgv))
        else:
            vhgv = vhgv - la.mT(vectors) @ (vectors * la.unsqueeze_row(la.diagonal(vhgv)))
        e = la.unsqueeze_row(values) - la.unsqueeze_last(values) + eye
        inner = vhgv / e * (1.0 - eye)
        if grad_values is not None:
            inner = inner + la.diag_embed(grad_values)
    if hermitian:
        return vectors @ (inner @ la.mT(vectors))
    return la.solve(la.mT(vectors), inner @ la.mT(vectors))


def eigh(A: Tensor, UPLO: str = "L") -> Eig:  # noqa: N803
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric matrices.

    Only the triangle named by ``UPLO`` ('L' or 'U') is read. The gradient is PyTorch's: it
    assumes distinct eigenvalues (inf/nan otherwise, when eigenvectors are used) and a loss
    invariant to the eigenvectors' signs; it is not projected onto symmetric matrices.
    Differs from PyTorch: eigenvector signs come from NumPy's LAPACK and can differ.

    Raises:
        RuntimeError: for non-square or integer input, or a ``UPLO`` other than 'L' or 'U'.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.eigh(mt.tensor([[2.0, 1.0], [1.0, 2.0]])).eigenvalues
        tensor([1., 3.])
    """
    check_matrices("linalg.eigh", A, square=True)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    values, vectors = LinalgEigh.apply(A, UPLO)
    return Eig(values, vectors)


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:  # noqa: N803
    """The eigenvalues (ascending) of symmetric matrices; the gradient is V diag(gL) V^T.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.eigvalsh(mt.tensor([[2.0, 1.0], [1.0, 2.0]]))
        tensor([1., 3.])
    """
    return eigh(A, UPLO).eigenvalues  # type: ignore[no-any-return]


def eig(A: Tensor) -> Eig:  # noqa: N803
    """Eigenvalues and unit-norm eigenvectors of square matrices with real eigenvalues.

    The gradient is PyTorch's (distinct eigenvalues assumed; a loss invariant to the
    eigenvectors' signs). Differs from PyTorch: results are real tensors, not complex ones,
    and a matrix with complex eigenvalues raises.

    Raises:
        RuntimeError: for non-square or integer input, or complex eigenvalues.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.eig(mt.tensor([[2.0, 1.0], [0.0, 3.0]])).eigenvalues
        tensor([2., 3.])
    """
    check_matrices("linalg.eig", A, square=True)
    values, vectors = LinalgEig.apply(A)
    return Eig(values, vectors)


def eigvals(A: Tensor) -> Tensor:  # noqa: N803
    """The eigenvalues of square matrices with real eigenvalues, as ``eig``.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.eigvals(mt.tensor([[2.0, 1.0], [0.0, 3.0]]))
        tensor([2., 3.])
    """
    return eig(A).eigenvalues  # type: ignore[no-any-return]
