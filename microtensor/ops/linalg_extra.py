"""More linear algebra: vector_norm, cdist, inverse, det (``torch.linalg``-style functions).

inverse and det are ops with backward formulas written once (matmul, transpose and the ops
themselves), so they have second derivatives; vector_norm and cdist reuse ``VectorNorm``.
"""

from __future__ import annotations

import math
from numbers import Number
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import normalize_dims
from microtensor.ops.indexing import GetItem
from microtensor.ops.reduction import _reduced_size
from microtensor.ops.statistics import VectorNorm
from microtensor.tensor import Tensor

__all__ = ["cdist", "det", "inverse", "vector_norm"]


class Inverse(Op):
    """Z = A^-1 (for each matrix of a batch);  dL/dA = -Z^T @ grad @ Z^T."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        try:
            out = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise RuntimeError(
                "inverse(): the input matrix is singular (its determinant is 0), so the "
                "inversion could not be completed; check the matrix or use a pseudo-inverse"
            ) from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (z,) = ctx.saved_tensors
        z_t = dual.swap_last(z)
        return -(z_t @ grad_out @ z_t)


class Det(Op):
    """z = det(A);  dz/dA = the cofactor matrix of A = z * A^-T (where A is invertible).

    A batch holding a singular matrix uses the cofactors themselves (signed determinants of
    the minors), so the gradient there is right instead of 0 * inf.
    """

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
            return grad_out.reshape(matrix) * _cofactors(a)
        return (grad_out * z).reshape(matrix) * dual.swap_last(_inverse(a))


class Minors(GetItem):
    """z[..., i, j, :, :] = A without row i and column j: GetItem at an advanced key."""


def _inverse(x: Any) -> Any:
    return np.linalg.inv(x) if dual.is_array(x) else Inverse.apply(x)


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


def _square_matrices(op: str, input: Tensor) -> None:  # noqa: A002
    shape = input._data.shape
    if len(shape) < 2:
        raise RuntimeError(
            f"{op}(): The input tensor A must have at least 2 dimensions, got shape {shape}"
        )
    if shape[-1] != shape[-2]:
        raise RuntimeError(
            f"{op}(): A must be batches of square matrices, but they are {shape[-2]} by "
            f"{shape[-1]} matrices"
        )
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"{op}(): Expected a floating point tensor as input. Got {input.dtype}; call "
            ".float() first"
        )


def inverse(input: Tensor) -> Tensor:  # noqa: A002
    """The inverse of a square matrix, or of each matrix in a batch ``(..., n, n)``.

    Raises:
        RuntimeError: for fewer than 2 dims, non-square or integer matrices, or a singular
            matrix.

    Example:
        >>> import microtensor as mt
        >>> mt.inverse(mt.tensor([[2.0, 0.0], [0.0, 4.0]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.2500]])
    """
    _square_matrices("inverse", input)
    return Inverse.apply(input)  # type: ignore[no-any-return]


def det(input: Tensor) -> Tensor:  # noqa: A002
    """The determinant of a square matrix, or of each matrix in a batch ``(..., n, n)``.

    The gradient is the cofactor matrix, also for singular matrices.
    Differs from PyTorch: PyTorch's first derivative at a singular matrix can be 0.

    Raises:
        RuntimeError: for fewer than 2 dims, or non-square or integer matrices.

    Example:
        >>> import microtensor as mt
        >>> mt.det(mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor(-2.)
    """
    _square_matrices("det", input)
    return Det.apply(input)  # type: ignore[no-any-return]


def vector_norm(
    x: Tensor,
    ord: Any = 2,  # noqa: A002
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """The vector ``ord``-norm over ``dim`` (all elements when None): ``torch.linalg.vector_norm``.

    ``ord`` is a number: ``sum(|x|**ord) ** (1/ord)``; ``inf`` is ``max |x|``, ``-inf``
    ``min |x|`` and 0 the count of nonzeros. The gradient at 0 is 0.

    Raises:
        RuntimeError: for an integer input, or an ``inf``/negative ``ord`` over no elements.
        TypeError: if ``ord`` is not a number.
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.vector_norm(mt.tensor([[3.0, -4.0], [0.0, 1.0]]), dim=1)
        tensor([5., 1.])
    """
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            f"vector_norm(): Expected a floating point tensor as input. Got {x.dtype}; call "
            ".float() first or pass dtype="
        )
    if not isinstance(ord, Number) or isinstance(ord, bool):
        raise TypeError(f"vector_norm(): argument 'ord' must be Number, not {type(ord).__name__}")
    p = float(ord)  # type: ignore[arg-type]
    dims = normalize_dims("vector_norm", dim, x._data.ndim)
    if (p < 0 or math.isinf(p)) and _reduced_size(x._data.shape, dims) == 0:
        raise RuntimeError(
            f"vector_norm(): cannot compute the {ord} norm on an empty tensor because the "
            "operation does not have an identity"
        )
    return VectorNorm.apply(x, p, dims, keepdim)  # type: ignore[no-any-return]


def cdist(
    x1: Tensor,
    x2: Tensor,
    p: float = 2.0,
    compute_mode: str = "use_mm_for_euclid_dist_if_necessary",
) -> Tensor:
    """The ``p``-norm distance between each row of ``x1`` and each row of ``x2``.

    ``x1`` is ``(..., P, M)`` and ``x2`` ``(..., R, M)`` with batch dims that broadcast; the
    result is ``(..., P, R)``. The gradient at zero distance is 0, as PyTorch.
    Differs from PyTorch: always computed directly (``compute_mode`` is accepted and ignored;
    PyTorch may use a matmul form for ``p=2``), using memory for ``P * R * M`` differences;
    for ``p=inf`` coordinates tied for the largest difference share the gradient (as
    ``vector_norm``), where PyTorch gives each of them all of it.

    Raises:
        RuntimeError: for fewer than 2 dims, integer or mismatched dtypes, a different number
            of columns, batch dims that do not broadcast, or a negative ``p``.

    Example:
        >>> import microtensor as mt
        >>> mt.cdist(mt.tensor([[0.0, 0.0], [1.0, 1.0]]), mt.tensor([[3.0, 4.0]]))
        tensor([[5.0000],
                [3.6056]])
    """
    for name, x in (("X1", x1), ("X2", x2)):
        if x._data.ndim < 2:
            raise RuntimeError(
                f"cdist(): cdist only supports at least 2D tensors, {name} got: {x._data.ndim}D"
            )
        if x._data.dtype.kind != "f":
            raise RuntimeError(
                f"cdist(): cdist only supports floating-point dtypes, {name} got: {x.dtype}"
            )
    if x1._data.dtype != x2._data.dtype:
        raise RuntimeError(
            f"cdist(): X1 and X2 must have the same dtype, got {x1.dtype} and {x2.dtype}"
        )
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(
            f"cdist(): X1 and X2 must have the same number of columns. X1: "
            f"{x1._data.shape[-1]} X2: {x2._data.shape[-1]}"
        )
    if p < 0:
        raise RuntimeError(f"cdist(): cdist only supports non-negative p values, got {p}")
    try:
        np.broadcast_shapes(x1._data.shape[:-2], x2._data.shape[:-2])
    except ValueError:
        raise RuntimeError(
            f"cdist(): the batch dims of X1 {x1._data.shape[:-2]} and X2 "
            f"{x2._data.shape[:-2]} do not broadcast"
        ) from None
    differences = ops.unsqueeze(x1, -2) - ops.unsqueeze(x2, -3)
    return VectorNorm.apply(differences, float(p), (differences.ndim - 1,), False)  # type: ignore[no-any-return]
