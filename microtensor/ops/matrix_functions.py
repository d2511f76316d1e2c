"""Functions of square matrices: ``matrix_exp`` and ``matrix_power``.

``MatrixExp`` is an op whose backward is the matrix exponential of a 2n x 2n block matrix
(itself the op), so it is differentiable any number of times; ``matrix_power`` is a
composition of matmul (and ``inverse`` for negative powers).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.ops import _linalg_common as la
from microtensor.ops import dual
from microtensor.ops._linalg_common import check_matrices
from microtensor.ops.inverses import Inverse
from microtensor.tensor import Tensor

__all__ = ["matrix_exp", "matrix_power"]


class MatrixExp(Op):
    """Z = exp(A);  dL/dA = the upper-right block of exp([[A^H, G], [0, A^H]]) (PyTorch's)."""

    complex_grad = True  # A^H: the conjugate transpose (A^T for real A)

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return _expm(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        n = a.shape[-1]
        a_t = la.mH(a)
        zeros = np.zeros(tuple(grad_out.shape), la.dtype_of(grad_out))
        block = la.cat([la.cat([a_t, grad_out], -1), la.cat([zeros, a_t], -1)], -2)
        exp_block = _expm(block) if dual.is_array(block) else MatrixExp.apply(block)
        return la.narrow(la.narrow(exp_block, -2, 0, n), -1, n, n)


def _expm(a: np.ndarray) -> np.ndarray:
    from scipy.linalg import expm  # noqa: PLC0415 - SciPy is imported on use

    if a.size == 0:
        return np.zeros_like(a)
    # float32 in float64: SciPy's float32 Pade approximant is ~10x less accurate than PyTorch's
    wide = a.astype(np.float64) if a.dtype == np.float32 else a
    return np.asarray(expm(wide)).astype(a.dtype, copy=False)


def matrix_exp(A: Tensor) -> Tensor:  # noqa: N803
    """The matrix exponential ``sum_k A^k / k!`` of each square matrix (SciPy's expm).

    Raises:
        RuntimeError: for non-square or integer input.

    Example:
        >>> import microtensor as mt
        >>> mt.matrix_exp(mt.tensor([[0.0, 0.0], [0.0, 1.0]]))
        tensor([[1.0000, 0.0000],
                [0.0000, 2.7183]])
    """
    check_matrices("linalg.matrix_exp", A, square=True, complex_ok=True)
    return MatrixExp.apply(A)  # type: ignore[no-any-return]


def matrix_power(A: Tensor, n: int) -> Tensor:  # noqa: N803
    """``A`` to the integer power ``n`` by repeated squaring; ``n < 0`` uses ``A^-1``.

    ``n = 0`` gives identity matrices (with a zero gradient).

    Raises:
        RuntimeError: for non-square input, or an integer input with ``n < 0``.
        TypeError: if ``n`` is not an int.
        LinAlgError: for ``n < 0`` and a singular matrix.

    Example:
        >>> import microtensor as mt
        >>> mt.matrix_power(mt.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)
        tensor([[1., 3.],
                [0., 1.]])
    """
    if not isinstance(n, int | np.integer) or isinstance(n, bool):
        raise TypeError(f"linalg.matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    shape = A._data.shape
    if len(shape) < 2 or shape[-1] != shape[-2]:
        check_matrices("linalg.matrix_power", A, square=True)
    if n == 0:
        eye = np.broadcast_to(np.eye(shape[-1], dtype=A._data.dtype), shape)
        return A * 0 + Tensor._make(eye.copy())  # type: ignore[no-any-return]
    if n < 0:
        check_matrices("linalg.matrix_power", A, square=True, complex_ok=True)
        A, n = Inverse.apply(A), -n  # noqa: N806
    result, square = None, A
    while True:
        if n & 1:
            result = square if result is None else ops.matmul(result, square)
        n >>= 1
        if not n:
            return result.clone() if result is A else result  # type: ignore[union-attr, return-value]
        square = ops.matmul(square, square)
