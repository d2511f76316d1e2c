"""Linear solvers: ``linalg.solve``, ``linalg.solve_triangular``, ``linalg.lstsq``.

``Solve`` is the one op; its backward is two more solves and a matmul, so it is differentiable
any number of times. The triangular solve and least squares are compositions of it (and of
``pinv``), so their gradients follow by the chain rule and equal PyTorch's formulas.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.ops import _linalg_common as la
from microtensor.ops._linalg_common import LinAlgError, check_matrices, lu_info
from microtensor.ops.inverses import Pinv, _lu_inverse
from microtensor.ops.linalg_results import Lstsq, SolveEx, TriangularSolve
from microtensor.tensor import Tensor

__all__ = ["triangular_solve"]


class Solve(Op):
    """X = A^-1 B (batch dims broadcast);  dL/dB = A^-H G,  dL/dA = -(A^-H G) X^H."""

    complex_grad = True  # conjugate transposes (plain ones for real A and B)

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        try:
            out = np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise LinAlgError(
                "torch.linalg.solve: The solver failed because the input matrix is singular."
            ) from None
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, x = ctx.saved_tensors
        grad_b = la.solve(la.mH(a), grad_out)
        grad_a = -(grad_b @ la.mH(x)) if ctx.needs_input_grad[0] else None
        return grad_a, grad_b if ctx.needs_input_grad[1] else None


def _is_vector_rhs(A: Tensor, B: Tensor) -> bool:  # noqa: N803
    """PyTorch's rule: B is a batch of vectors if 1-D, or if its shape is A's without a dim."""
    sa, sb = A._data.shape, B._data.shape
    return len(sb) == 1 or (len(sb) == len(sa) - 1 and sb == sa[:-1])


def _check_rhs(op: str, A: Tensor, B: Tensor, vector: bool, rows: int) -> None:  # noqa: N803
    sa, sb = A._data.shape, B._data.shape
    if not sb:
        raise RuntimeError(
            f"{op}: The input tensor B must have at least 1 dimension (a vector) or 2 (a "
            f"matrix), got a 0-d tensor: pass B of shape ({sa[-2]},) or ({sa[-2]}, k)"
        )
    if B._data.dtype != A._data.dtype:
        raise RuntimeError(
            f"{op}: Expected A and B to have the same dtype, but found A of type {A.dtype} and "
            f"B of type {B.dtype} instead"
        )
    if (sb[-1] if vector else sb[-2]) != rows:
        raise RuntimeError(
            f"{op}: Incompatible shapes of A and B for the equation AX = B "
            f"({sa[-2]}x{sa[-1]} and {'x'.join(map(str, sb[-2:]))})"
        )
    try:
        np.broadcast_shapes(sa[:-2], sb[:-1] if vector else sb[:-2])
    except ValueError:
        raise RuntimeError(
            f"{op}: the batch dims of A {sa[:-2]} and B {sb[:-2]} do not broadcast"
        ) from None


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:  # noqa: N803
    """The solution X of ``A X = B`` (or ``X A = B`` when ``left=False``).

    ``A`` is ``(..., n, n)``; ``B`` is ``(..., n, k)`` or a batch of vectors ``(..., n)``
    (1-D, or A's shape without the last dim); batch dims broadcast. Real or complex (both of
    one dtype); the gradients use conjugate transposes, as PyTorch.

    Raises:
        RuntimeError: for non-square or integer ``A``, different dtypes or incompatible
            shapes.
        LinAlgError: (a RuntimeError) if ``A`` is singular.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.solve(mt.tensor([[2.0, 0.0], [0.0, 4.0]]), mt.tensor([2.0, 2.0]))
        tensor([1.0000, 0.5000])
    """
    check_matrices("linalg.solve", A, square=True, complex_ok=True)
    vector = _is_vector_rhs(A, B)
    if not left:
        if vector:
            raise RuntimeError(
                "linalg.solve: Vector broadcasting of the left hand side is not "
                "supported for left=False. In this case linalg.solve is equivalent "
                "to B / A.squeeze(-1)"
            )
        return ops.transpose(solve(ops.transpose(A, -2, -1), ops.transpose(B, -2, -1)), -2, -1)  # type: ignore[no-any-return]
    _check_rhs("linalg.solve", A, B, vector, A._data.shape[-1])
    if vector:
        return Solve.apply(A, ops.unsqueeze(B, -1)).squeeze(-1)  # type: ignore[no-any-return]
    return Solve.apply(A, B)  # type: ignore[no-any-return]


def solve_ex(
    A: Tensor,  # noqa: N803
    B: Tensor,  # noqa: N803
    *,
    left: bool = True,
    check_errors: bool = False,
) -> SolveEx:
    """``torch.linalg.solve_ex``: ``solve`` and LAPACK's int32 ``info`` per matrix.

    Where a matrix is singular (info > 0, the 1-based index of the zero pivot of its LU) the
    result holds inf or nan and has no gradient, as the LU solve gives it.

    Raises:
        RuntimeError: as ``solve``.
        LinAlgError: for a singular matrix when ``check_errors``.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.solve_ex(mt.eye(2), mt.tensor([1.0, 2.0])).info
        tensor(0, dtype=microtensor.int32)
    """
    check_matrices("linalg.solve_ex", A, square=True, complex_ok=True)
    infos = np.zeros(A._data.shape[:-2], np.int32)
    for index in np.ndindex(infos.shape):
        infos[index] = lu_info(A._data[index][None])[1]
    if not infos.any():
        return SolveEx(solve(A, B, left=left), Tensor._make(infos))
    if check_errors:
        raise LinAlgError(
            "torch.linalg.solve_ex: The solver failed because the input matrix is singular."
        )
    inverse = Tensor._make(_lu_inverse(A._data))
    with np.errstate(all="ignore"):
        x = _apply_inverse(inverse, B, left)
    return SolveEx(x, Tensor._make(infos))


def _apply_inverse(inverse: Tensor, B: Tensor, left: bool) -> Tensor:  # noqa: N803
    """``inverse @ B`` (``B @ inverse`` when not ``left``), B a matrix or batch of vectors."""
    if not left:
        return B @ inverse
    if _is_vector_rhs(inverse, B):
        return (inverse @ B.unsqueeze(-1)).squeeze(-1)  # type: ignore[no-any-return]
    return inverse @ B


def solve_triangular(
    A: Tensor,  # noqa: N803
    B: Tensor,  # noqa: N803
    *,
    upper: bool,
    left: bool = True,
    unitriangular: bool = False,
) -> Tensor:
    """The solution of ``A X = B`` (``X A = B`` if not ``left``) for triangular ``A``.

    Only the triangle named by ``upper`` is read (with ones on the diagonal when
    ``unitriangular``), so the gradient of ``A`` is zero outside it, as PyTorch. Real or
    complex.
    Differs from PyTorch: a zero on the diagonal raises LinAlgError instead of giving inf.

    Raises:
        RuntimeError: for non-square or integer ``A``, ``B`` with fewer than 2 dims, or
            incompatible shapes.
        LinAlgError: if a diagonal entry of ``A`` is 0.

    Example:
        >>> import microtensor as mt
        >>> a = mt.tensor([[2.0, 0.0], [1.0, 1.0]])
        >>> mt.linalg.solve_triangular(a, mt.tensor([[2.0], [3.0]]), upper=False)
        tensor([[1.],
                [2.]])
    """
    check_matrices("linalg.solve_triangular", A, square=True, complex_ok=True)
    if B._data.ndim < 2:
        raise RuntimeError(
            "linalg.solve_triangular: The input tensor B must have at least 2 dimensions, got "
            f"shape {B._data.shape}; use B.unsqueeze(-1) for a vector"
        )
    if unitriangular:
        n = A._data.shape[-1]
        eye = Tensor._make(np.eye(n, dtype=A._data.dtype))
        triangle = (ops.triu(A, 1) if upper else ops.tril(A, -1)) + eye
    else:
        triangle = ops.triu(A) if upper else ops.tril(A)
    if not left:
        x_t = solve_triangular(
            ops.transpose(triangle, -2, -1), ops.transpose(B, -2, -1), upper=not upper
        )
        return ops.transpose(x_t, -2, -1)  # type: ignore[no-any-return]
    _check_rhs("linalg.solve_triangular", A, B, False, A._data.shape[-1])
    try:
        return Solve.apply(triangle, B)  # type: ignore[no-any-return]
    except LinAlgError:
        raise LinAlgError(
            "linalg.solve_triangular: A has a zero on its diagonal, so it is singular and "
            "the system has no unique solution"
        ) from None


def tensorsolve(A: Tensor, B: Tensor, dims: Any = None) -> Tensor:  # noqa: N803
    """The X with ``tensordot(A, X, X.ndim) == B``: X has shape ``A.shape[B.ndim:]``.

    ``dims`` moves those dims of A to the end first. A composition of ``solve`` and reshapes.

    Raises:
        RuntimeError: if the sizes do not make a square system.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.tensorsolve(2 * mt.eye(4).reshape(2, 2, 4), mt.ones(2, 2))
        tensor([0.5000, 0.5000, 0.5000, 0.5000])
    """
    if dims is not None:
        dims = [d % A._data.ndim for d in dims]
        rest = [d for d in range(A._data.ndim) if d not in dims]
        A = A.permute(*rest, *dims)  # noqa: N806
    x_shape = A._data.shape[B._data.ndim :]
    rows, cols = int(np.prod(B._data.shape)), int(np.prod(x_shape))
    if rows != cols or int(np.prod(A._data.shape[: B._data.ndim])) != rows:
        raise RuntimeError(
            f"linalg.tensorsolve: Expected self to satisfy the requirement "
            f"prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]), but got "
            f"{cols} != {rows} (A {A._data.shape}, B {B._data.shape})"
        )
    x = solve(A.reshape((rows, cols)), B.reshape((rows,)))
    return x.reshape(x_shape)  # type: ignore[no-any-return]


def triangular_solve(
    b: Tensor,
    A: Tensor,  # noqa: N803
    upper: bool = True,
    transpose: bool = False,
    unitriangular: bool = False,
) -> TriangularSolve:
    """``torch.triangular_solve``: ``(X, A.clone())`` with ``op(A) X = b``, op = transpose or not.

    Example:
        >>> import microtensor as mt
        >>> mt.triangular_solve(mt.tensor([[2.0], [2.0]]), mt.tensor([[1.0, 1.0], [0.0, 2.0]]))[0]
        tensor([[1.],
                [1.]])
    """
    triangle = A.mT if transpose else A
    x = solve_triangular(triangle, b, upper=upper != transpose, unitriangular=unitriangular)
    return TriangularSolve(x, A.clone())


def _squared_abs(x: Tensor) -> Tensor:
    """``|x|^2``, real for a complex x (``x ** 2`` for real x, as before)."""
    if x.dtype.is_complex:
        return ops.real(x) ** 2 + ops.imag(x) ** 2  # type: ignore[no-any-return]
    return x**2


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(
    A: Tensor,  # noqa: N803
    B: Tensor,  # noqa: N803
    rcond: float | None = None,
    *,
    driver: str | None = None,
) -> Lstsq:
    """The least-squares solution of ``A X = B``: ``(solution, residuals, rank, singular_values)``.

    The solution is ``pinv(A, rtol=rcond) @ B`` (the minimum-norm solution), so its gradient
    is PyTorch's (which also goes through ``pinv``). As PyTorch on the CPU: ``rank`` is
    computed for the drivers gelsy (default), gelsd and gelss; ``singular_values`` for gelsd
    and gelss; ``residuals`` (squared, per column) when m > n, the rank is full and the driver
    is not gelsy. Other entries are empty tensors. Real or complex (residuals and singular
    values are then real: ``|A X - B|^2`` summed per column).

    Raises:
        RuntimeError: for an unknown driver, integer input or incompatible shapes.

    Example:
        >>> import microtensor as mt
        >>> a = mt.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> mt.linalg.lstsq(a, mt.tensor([[1.0], [1.0], [3.0]])).solution
        tensor([[1.3333],
                [1.3333]])
    """
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError(
            f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, "
            f"gelss), got {driver!r}"
        )
    check_matrices("torch.linalg.lstsq", A, complex_ok=True)
    m, n = A._data.shape[-2:]
    vector = B._data.ndim == 1 or B._data.ndim == A._data.ndim - 1
    _check_rhs("torch.linalg.lstsq", A, B, vector, m)
    b = ops.unsqueeze(B, -1) if vector else B
    solution = Pinv.apply(A, None, rcond, False) @ b
    empty = Tensor._make(np.zeros(0, A.dtype.to_real().numpy))
    rank = Tensor._make(np.zeros(0, np.int64))
    singular_values = empty
    if driver != "gels":
        from microtensor.ops.matrix_properties import matrix_rank  # noqa: PLC0415

        rank = matrix_rank(A.detach(), rtol=rcond)
    if driver in ("gelsd", "gelss"):
        singular_values = Tensor._make(np.linalg.svd(A._data, compute_uv=False))
    residuals = ops.sum(_squared_abs(A @ solution - b), -2)
    full = driver == "gels" or bool(np.all(rank._data == min(m, n)))
    if not (m > n and driver != "gelsy" and full):  # empty, but in the graph as PyTorch's
        residuals = ops.narrow(residuals, -1, 0, 0).reshape((0,))
    if vector:
        solution = solution.squeeze(-1)
    return Lstsq(solution, residuals, rank, singular_values)
