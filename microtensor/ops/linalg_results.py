"""The named tuples the linear-algebra ops return, as ``torch.return_types``."""

from __future__ import annotations

from typing import Any, NamedTuple


def _show(name: str, result: Any) -> str:
    fields = ",\n".join(f"{f}={v!r}" for f, v in zip(result._fields, result, strict=True))
    return f"microtensor.return_types.{name}(\n{fields})"


class InvEx(NamedTuple):
    """``(inverse, info)`` from ``linalg.inv_ex``."""

    inverse: Any
    info: Any

    def __repr__(self) -> str:
        return _show("linalg_inv_ex", self)


class SLogDet(NamedTuple):
    """``(sign, logabsdet)`` from ``linalg.slogdet`` and ``slogdet``."""

    sign: Any
    logabsdet: Any

    def __repr__(self) -> str:
        return _show("linalg_slogdet", self)


class SVD(NamedTuple):
    """``(U, S, Vh)`` from ``linalg.svd``."""

    U: Any
    S: Any
    Vh: Any

    def __repr__(self) -> str:
        return _show("linalg_svd", self)


class OldSVD(NamedTuple):
    """``(U, S, V)`` from the top-level ``svd`` (V, not its transpose)."""

    U: Any
    S: Any
    V: Any

    def __repr__(self) -> str:
        return _show("svd", self)


class Eig(NamedTuple):
    """``(eigenvalues, eigenvectors)`` from ``linalg.eigh`` and ``linalg.eig``."""

    eigenvalues: Any
    eigenvectors: Any

    def __repr__(self) -> str:
        return _show("linalg_eig", self)


class QR(NamedTuple):
    """``(Q, R)`` from ``linalg.qr`` and ``qr``."""

    Q: Any
    R: Any

    def __repr__(self) -> str:
        return _show("linalg_qr", self)


class CholeskyEx(NamedTuple):
    """``(L, info)`` from ``linalg.cholesky_ex``."""

    L: Any
    info: Any

    def __repr__(self) -> str:
        return _show("linalg_cholesky_ex", self)


class PLU(NamedTuple):
    """``(P, L, U)`` from ``linalg.lu`` and ``lu_unpack``."""

    P: Any
    L: Any
    U: Any

    def __repr__(self) -> str:
        return _show("linalg_lu", self)


class LUFactor(NamedTuple):
    """``(LU, pivots)`` from ``linalg.lu_factor``."""

    LU: Any
    pivots: Any

    def __repr__(self) -> str:
        return _show("linalg_lu_factor", self)


class Lstsq(NamedTuple):
    """``(solution, residuals, rank, singular_values)`` from ``linalg.lstsq``."""

    solution: Any
    residuals: Any
    rank: Any
    singular_values: Any

    def __repr__(self) -> str:
        return _show("linalg_lstsq", self)


class LUFactorEx(NamedTuple):
    """``(LU, pivots, info)`` from ``linalg.lu_factor_ex``."""

    LU: Any
    pivots: Any
    info: Any

    def __repr__(self) -> str:
        return _show("linalg_lu_factor_ex", self)


class SolveEx(NamedTuple):
    """``(result, info)`` from ``linalg.solve_ex``."""

    result: Any
    info: Any

    def __repr__(self) -> str:
        return _show("linalg_solve_ex", self)


class TriangularSolve(NamedTuple):
    """``(solution, cloned_coefficient)`` from ``triangular_solve``."""

    solution: Any
    cloned_coefficient: Any

    def __repr__(self) -> str:
        return _show("triangular_solve", self)


class LDLFactor(NamedTuple):
    """``(LD, pivots)`` from ``linalg.ldl_factor``."""

    LD: Any
    pivots: Any

    def __repr__(self) -> str:
        return _show("linalg_ldl_factor", self)


class LDLFactorEx(NamedTuple):
    """``(LD, pivots, info)`` from ``linalg.ldl_factor_ex``."""

    LD: Any
    pivots: Any
    info: Any

    def __repr__(self) -> str:
        return _show("linalg_ldl_factor_ex", self)
