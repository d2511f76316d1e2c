"""Eigendecompositions: ``linalg.eigh``, ``eigvalsh``, ``eig`` and ``eigvals``.

``eig`` returns complex tensors, as PyTorch (complex64 for float32 input, complex128 for
float64), with LAPACK's unit-norm eigenvectors (geev, as PyTorch's). The backward formula is
PyTorch's ``linalg_eig_backward`` (both the Hermitian and the general case, with conjugate
transposes), written with matmul, solve and array-or-Tensor helpers, so it is differentiable
twice. It assumes distinct eigenvalues: repeated ones give inf or nan when the eigenvectors
are used, as PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import _linalg_common as la
from microtensor.ops import dual
from microtensor.ops._common import values as values_of
from microtensor.ops._linalg_common import check_matrices
from microtensor.ops.linalg_results import Eig
from microtensor.tensor import Tensor

__all__: list[str] = []


class LinalgEigh(Op):
    """A = V diag(L) V^H (A Hermitian);  grad_A = V (diag(gL) + skew(V^H gV) / E) V^H."""

    complex_grad = True  # the conjugate transposes make it right for complex A
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
    """A = V diag(L) V^-1 (complex L, V);  grad_A = V^-H (diag(gL) + P(V^H gV) / conj(E)) V^H."""

    complex_grad = True
    _materialize_grads = False

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        if not np.isfinite(a).all():
            raise RuntimeError("torch.linalg.eig: input tensor should not contain infs or NaNs.")
        # NumPy's eig is LAPACK's geev (in double precision), as PyTorch's: the same unit-norm
        # vectors, each with its largest entry real; real spectra come back real, so cast
        dtype = la.complex_dtype(a.dtype)
        values, vectors = (x.astype(dtype, copy=False) for x in np.linalg.eig(a))
        ctx.save_for_backward(values, vectors)
        return values, vectors

    @staticmethod
    def backward(ctx: Any, grad_values: Any, grad_vectors: Any) -> Any:
        values, vectors = ctx.saved_tensors
        return eig_backward(grad_values, grad_vectors, values, vectors, False)


def eig_backward(
    grad_values: Any, grad_vectors: Any, values: Any, vectors: Any, hermitian: bool
) -> Any:
    """PyTorch's formula, with E[i, j] = conj(L[j] - L[i]) (1 on the diagonal).

    The projection of V^H gV is onto the tangent space of the normalization: skew-Hermitian
    for eigh, and ``X - V^H V diag(Re X)`` (unit-norm columns) for eig.
    """
    vectors_h = la.mH(vectors)
    if grad_vectors is None:
        if hermitian:
            return (vectors * la.unsqueeze_row(grad_values)) @ vectors_h
        return la.solve(vectors_h, la.unsqueeze_last(grad_values) * vectors_h)
    vhgv = vectors_h @ grad_vectors
    diag = la.diagonal(vhgv)
    if la.dtype_of(vhgv).kind == "c":
        _check_phase_invariance(values_of(diag).imag, hermitian)
    if hermitian:
        vhgv = 0.5 * (vhgv - la.mH(vhgv))
    else:
        vhgv = vhgv - vectors_h @ (vectors * la.unsqueeze_row(la.real(diag)))
    eye = la.eye_like(vhgv, values.shape[-1])
    conj_values = dual.conj(values)
    inner = vhgv / (la.unsqueeze_row(conj_values) - la.unsqueeze_last(conj_values) + eye)
    if grad_values is not None:  # PyTorch keeps inner's (phase) diagonal without gL
        inner = inner * (1.0 - eye) + la.diag_embed(grad_values)
    if hermitian:
        return vectors @ (inner @ vectors_h)
    return la.solve(vectors_h, inner @ vectors_h)


def _check_phase_invariance(imag_diagonal: np.ndarray, hermitian: bool) -> None:
    """PyTorch's check that the loss ignores each complex eigenvector's phase e^{i phi}.

    The loss is invariant when Im(diag(V^H gV)) = 0; PyTorch allows 1e-2 (allclose to 0).
    """
    if np.all(np.abs(imag_diagonal) <= 1e-2):
        return
    op = "linalg_eigh_backward" if hermitian else "linalg_eig_backward"
    raise RuntimeError(
        f"{op}: The eigenvectors in the complex case are specified up to multiplication by "
        "e^{i phi}. The specified loss function depends on this quantity, so it is ill-defined."
    )


def eigh(A: Tensor, UPLO: str = "L") -> Eig:  # noqa: N803
    """Eigenvalues (ascending, real) and orthonormal eigenvectors of Hermitian matrices.

    Only the triangle named by ``UPLO`` ('L' or 'U') is read. The gradient is PyTorch's: it
    assumes distinct eigenvalues (inf/nan otherwise, when eigenvectors are used) and a loss
    invariant to the eigenvectors' signs (phases, for complex input: PyTorch's check raises
    otherwise); it is not projected onto Hermitian matrices.
    Differs from PyTorch: eigenvector signs come from NumPy's LAPACK and can differ.

    Raises:
        RuntimeError: for non-square or integer input, or a ``UPLO`` other than 'L' or 'U';
            in backward, for a loss that depends on complex eigenvectors' phases.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.eigh(mt.tensor([[2.0, 1.0], [1.0, 2.0]])).eigenvalues
        tensor([1., 3.])
    """
    check_matrices("linalg.eigh", A, square=True, complex_ok=True)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    values, vectors = LinalgEigh.apply(A, UPLO)
    return Eig(values, vectors)


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:  # noqa: N803
    """The eigenvalues (ascending) of Hermitian matrices; the gradient is V diag(gL) V^H.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.eigvalsh(mt.tensor([[2.0, 1.0], [1.0, 2.0]]))
        tensor([1., 3.])
    """
    return eigh(A, UPLO).eigenvalues  # type: ignore[no-any-return]


def eig(A: Tensor) -> Eig:  # noqa: N803
    """Eigenvalues and unit-norm eigenvectors of square matrices, as complex tensors.

    complex64 results for float32 or complex64 input, complex128 for float64 or complex128.
    Each eigenvector has norm 1 and its largest entry real (LAPACK's geev, as PyTorch). The
    gradient is PyTorch's: distinct eigenvalues assumed, and a loss invariant to each
    eigenvector's phase (``V[:, k] * e^{i phi}``): PyTorch's check raises otherwise.
    Differs from PyTorch: on float32 input the eigenvectors (computed in double precision,
    by NumPy) may have other signs than PyTorch's single-precision LAPACK gives.

    Raises:
        RuntimeError: for non-square or integer input, or input with infs or NaNs; in
            backward, for a loss that depends on the eigenvectors' phases.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.eig(mt.tensor([[0.0, 1.0], [-1.0, 0.0]])).eigenvalues
        tensor([0.+1.j, 0.-1.j])
    """
    check_matrices("linalg.eig", A, square=True, complex_ok=True)
    values, vectors = LinalgEig.apply(A)
    return Eig(values, vectors)


def eigvals(A: Tensor) -> Tensor:  # noqa: N803
    """The eigenvalues of square matrices, as a complex tensor (see ``eig``).

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.eigvals(mt.tensor([[2.0, 1.0], [0.0, 3.0]]))
        tensor([2.+0.j, 3.+0.j])
    """
    check_matrices("linalg.eigvals", A, square=True, complex_ok=True)
    return LinalgEig.apply(A)[0]  # type: ignore[no-any-return]
