"""The LDL decomposition of symmetric matrices: ``linalg.ldl_factor(_ex)`` and ``ldl_solve``.

LAPACK's sytrf / sytrs (Bunch-Kaufman pivoting) through SciPy, in PyTorch's compact format:
L and the block-diagonal D packed in the lower triangle, LAPACK's 1-based pivots (negative
for 2 x 2 blocks). As in PyTorch, these functions have no derivative.
"""

from __future__ import annotations

import numpy as np

from microtensor.ops._linalg_common import LinAlgError, batch_prefix, check_matrices
from microtensor.ops.linalg_results import LDLFactor, LDLFactorEx
from microtensor.tensor import Tensor

__all__: list[str] = []


def _routine(name: str, a: np.ndarray, hermitian: bool) -> str:
    """LAPACK's ``he*`` routine for Hermitian complex matrices, else the symmetric ``sy*``."""
    return "he" + name if hermitian and a.dtype.kind == "c" else "sy" + name


def _sytrf(a: np.ndarray, hermitian: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from scipy.linalg import lapack  # noqa: PLC0415 - SciPy is imported on use

    packed = np.zeros_like(a)
    pivots = np.zeros(a.shape[:-1], np.int32)
    infos = np.zeros(a.shape[:-2], np.int32)
    for index in np.ndindex(a.shape[:-2]):
        if a.size == 0:
            break
        (sytrf,) = lapack.get_lapack_funcs((_routine("trf", a, hermitian),), (a[index],))
        factor, piv, info = sytrf(a[index], lower=1)
        packed[index], pivots[index], infos[index] = np.tril(factor), piv, max(int(info), 0)
    return packed, pivots, infos


def ldl_factor_ex(
    A: Tensor,  # noqa: N803
    *,
    hermitian: bool = False,
    check_errors: bool = False,
) -> LDLFactorEx:
    """``torch.linalg.ldl_factor_ex``: ``(LD, pivots, info)`` of symmetric matrices.

    Only the lower triangle of A is read. ``info`` (int32) is positive where D is singular.
    ``hermitian``: A = L D L^H for complex A (else L D L^T, the same for real matrices). No
    derivative, as PyTorch.

    Raises:
        RuntimeError: for non-square or integer input.
        LinAlgError: for a singular D when ``check_errors``.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.ldl_factor_ex(mt.tensor([[4.0, 2.0], [2.0, 3.0]])).LD
        tensor([[4.0000, 0.0000],
                [0.5000, 2.0000]])
    """
    check_matrices("torch.linalg.ldl_factor_ex", A, square=True, complex_ok=True)
    packed, pivots, infos = _sytrf(A._data, hermitian)
    if check_errors and infos.any():
        index = tuple(int(i) for i in np.argwhere(infos)[0]) if infos.ndim else ()
        raise LinAlgError(
            batch_prefix("torch.linalg.ldl_factor_ex", index, infos.ndim > 0)
            + f"The factorization could not be completed because the block diagonal matrix D "
            f"is singular (its diagonal element {infos[index]} is zero)."
        )
    return LDLFactorEx(Tensor._make(packed), Tensor._make(pivots), Tensor._make(infos))


def ldl_factor(A: Tensor, *, hermitian: bool = False) -> LDLFactor:  # noqa: N803
    """``torch.linalg.ldl_factor``: ``(LD, pivots)``, as ``ldl_factor_ex`` without info.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.ldl_factor(mt.tensor([[0.0, 1.0], [1.0, 0.0]])).pivots
        tensor([-2, -2], dtype=microtensor.int32)
    """
    LD, pivots, _ = ldl_factor_ex(A, hermitian=hermitian)  # noqa: N806
    return LDLFactor(LD, pivots)


def ldl_solve(
    LD: Tensor,  # noqa: N803
    pivots: Tensor,
    B: Tensor,  # noqa: N803
    *,
    hermitian: bool = False,
) -> Tensor:
    """``torch.linalg.ldl_solve``: the solution of ``A X = B`` from ``ldl_factor(A)``.

    No derivative, as PyTorch.

    Raises:
        RuntimeError: for a non-square ``LD``, ``B`` with fewer than 2 dims, or sizes that
            do not match.

    Example:
        >>> import microtensor as mt
        >>> ld, piv = mt.linalg.ldl_factor(mt.tensor([[4.0, 2.0], [2.0, 3.0]]))
        >>> mt.linalg.ldl_solve(ld, piv, mt.tensor([[6.0], [5.0]]))
        tensor([[1.],
                [1.]])
    """
    from scipy.linalg import lapack  # noqa: PLC0415 - SciPy is imported on use

    check_matrices("torch.linalg.ldl_solve", LD, square=True, complex_ok=True)
    n = LD._data.shape[-1]
    if B._data.ndim < 2 or B._data.shape[-2] != n:
        raise RuntimeError(
            f"torch.linalg.ldl_solve: Incompatible shapes of LD and B for the equation "
            f"A X = B ({n}x{n} and {'x'.join(map(str, B._data.shape[-2:]))})"
        )
    if pivots._data.dtype.kind not in "iu":
        raise RuntimeError(
            f"torch.linalg.ldl_solve: Expected pivots to be integers. Got {pivots.dtype}: pass "
            "the pivots that linalg.ldl_factor returns"
        )
    if pivots._data.shape != LD._data.shape[:-1]:
        raise RuntimeError(
            "torch.linalg.ldl_solve: Expected LD.shape[:-1] and pivots.shape to be the same "
            f"({LD._data.shape[:-1]}), but got pivots with shape {pivots._data.shape} instead"
        )
    try:
        batch = np.broadcast_shapes(LD._data.shape[:-2], B._data.shape[:-2])
    except ValueError:
        raise RuntimeError(
            f"torch.linalg.ldl_solve: the batch dims of LD {LD._data.shape} and B "
            f"{B._data.shape} cannot be broadcast together: give B LD's batch dims"
        ) from None
    ld = np.broadcast_to(LD._data, batch + (n, n))
    piv = np.broadcast_to(pivots._data, batch + (n,))
    b = np.broadcast_to(B._data, batch + B._data.shape[-2:]).astype(LD._data.dtype)
    out = np.zeros_like(b)
    for index in np.ndindex(batch):
        if out.size == 0:
            break
        (sytrs,) = lapack.get_lapack_funcs((_routine("trs", ld, hermitian),), (ld[index],))
        out[index] = sytrs(ld[index], piv[index], b[index], lower=1)[0]
    return Tensor._make(out)
