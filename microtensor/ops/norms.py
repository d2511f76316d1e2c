"""Norms and distances: ``linalg.vector_norm``, ``linalg.matrix_norm``, ``linalg.norm``, cdist.

The vector norms are the ``VectorNorm`` op (``ComplexVectorNorm`` for complex tensors: a real
norm of |z|); the matrix norms are compositions of it, of sums of absolute values with
amax/amin, and of the singular values (``svdvals``), so their gradients (and second
derivatives) are the ones of those pieces, as in PyTorch.
"""

from __future__ import annotations

import math
from numbers import Number
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.dtypes import to_dtype
from microtensor.ops import dual
from microtensor.ops._common import normalize_dims, values
from microtensor.ops._product_dtypes import scalar_name
from microtensor.ops.reduction import _expand_back, _reduced_size
from microtensor.ops.rounding import complex_sgn
from microtensor.ops.statistics import VectorNorm
from microtensor.ops.svd_decomposition import svdvals
from microtensor.tensor import Tensor

__all__ = ["cdist", "vector_norm"]


class Cdist(VectorNorm, node_name="CdistBackward0"):
    """``cdist``: the norms of the pairwise differences (torch's one cdist node)."""


class ComplexVectorNorm(VectorNorm, node_name="LinalgVectorNormBackward0"):
    """z = (sum |a|**p) ** (1/p) of complex a, a real z;  PyTorch's ``norm_backward``.

    The forward is VectorNorm's (it takes |a|).

    grad_a = g sgn(a) (p = 1), g a / z (p = 2), g a |a|**(p-2) / z**(p-1) (p > 2),
    g sgn(a) |a|**(p-1) / z**(p-1) (p < 2, p != 1); p = inf / -inf: g sgn(a) shared by the
    entries where |a| = z; p = 0: none. sgn(a) = a / |a|, 0 at 0.
    """

    complex_grad = True  # a real output of a complex input: backward gives complex gradients

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, out = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return None
        grad = _expand_back(ctx, grad_out)
        if p == 1:
            return complex_sgn(a) * grad
        total = _expand_back(ctx, out)
        a_values, total_values = values(a), values(total)
        with np.errstate(divide="ignore", invalid="ignore"):
            if math.isinf(p):  # ties share the gradient, as amax
                mask = (np.abs(a_values) == total_values) | np.isnan(a_values)
                count = np.sum(mask, axis=ctx.dims, keepdims=True)
                return complex_sgn(a) * dual.where(mask, grad / count, 0.0)
            # PyTorch's forms, masked after the division: their second derivatives at 0 are
            # nan, as PyTorch's
            zero_total = total_values == 0
            if p == 2:
                return grad * dual.where(zero_total, 0.0, a / total)
            if p < 1:
                scaled_a = dual.where(a_values == 0, 0.0, complex_sgn(a) * dual.abs(a) ** (p - 1))
                return scaled_a * grad * total ** (1 - p)
            if p < 2:
                scaled_a = complex_sgn(a) * dual.abs(a) ** (p - 1)
            else:
                scaled_a = a * dual.abs(a) ** (p - 2)
            return scaled_a * dual.where(zero_total, 0.0, grad / total ** (p - 1))


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
    ``min |x|`` and 0 the count of nonzeros. The gradient at 0 is 0. A complex input has a
    real norm (float32 for complex64); ``dtype`` must then be complex (the parts' dtype of
    the result), as PyTorch.

    Raises:
        RuntimeError: for an integer input, an ``inf``/negative ``ord`` over no elements, or
            a real ``dtype`` for a complex input (a complex one for a real input).
        TypeError: if ``ord`` is not a number.
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.vector_norm(mt.tensor([[3.0, -4.0], [0.0, 1.0]]), dim=1)
        tensor([5., 1.])
        >>> mt.linalg.vector_norm(mt.tensor([3 + 4j, 0j]))
        tensor(5.)
    """
    if dtype is not None:
        x = _cast_for_norm("linalg.vector_norm", x, dtype)
    kind = x._data.dtype.kind
    if kind != "f" and kind != "c":
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
            f"{scalar_name(x)}; call .float() first or pass dtype="
        )
    if not isinstance(ord, Number) or isinstance(ord, bool):
        raise TypeError(
            f"linalg.vector_norm: argument 'ord' must be Number, not {type(ord).__name__}"
        )
    p = float(ord)  # type: ignore[arg-type]
    dims = normalize_dims("linalg.vector_norm", dim, x._data.ndim)
    if (p < 0 or math.isinf(p)) and _reduced_size(x._data.shape, dims) == 0:
        raise RuntimeError(
            f"linalg.vector_norm: cannot compute the {ord} norm on an empty tensor because the "
            "operation does not have an identity"
        )
    op = ComplexVectorNorm if kind == "c" else VectorNorm
    return op.apply(x, p, dims, keepdim)  # type: ignore[no-any-return]


def _cast_for_norm(op: str, x: Tensor, dtype: Any) -> Tensor:
    """``x.to(dtype)``; as PyTorch, a complex input takes a complex dtype, a real one a real."""
    wanted = to_dtype(dtype)
    if x._data.dtype.kind == "c" and not wanted.is_complex:
        raise RuntimeError(
            f"{op}: dtype should be complex for complex inputs, but got {scalar_name(wanted.numpy)}"
        )
    if x._data.dtype.kind == "f" and wanted.is_complex:
        raise RuntimeError(
            f"{op}: dtype should be real for real inputs, but got {scalar_name(wanted.numpy)}"
        )
    return x.to(wanted)


_MATRIX_ORDS = ("fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf)


def matrix_norm(
    A: Tensor,  # noqa: N803
    ord: Any = "fro",  # noqa: A002
    dim: Any = (-2, -1),
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """The matrix norm of the matrices over the two dims ``dim``.

    ``ord``: 'fro' (sqrt of the sum of squares), 'nuc' (sum of singular values), 2 / -2
    (largest / smallest singular value), 1 / -1 (max / min column sum of ``|A|``), inf / -inf
    (max / min row sum). The singular-value orders are differentiated through ``svdvals``,
    whose gradient is defined also for repeated singular values; ties for the max or min
    (of singular values or of sums) share the gradient, as amax / amin, as PyTorch.
    Complex matrices have real norms, with PyTorch's gradients.

    Raises:
        RuntimeError: for an unsupported ``ord``, fewer than 2 dims, a ``dim`` that is not
            two different dims, an integer input, a dtype of the other kind (real or
            complex) than the input's.

    Example:
        >>> import microtensor as mt
        >>> a = mt.tensor([[1.0, -2.0], [3.0, 4.0]])
        >>> mt.linalg.matrix_norm(a, 1), mt.linalg.matrix_norm(a, float("inf"))
        (tensor(6.), tensor(7.))
    """
    if dtype is not None:
        A = _cast_for_norm("linalg.matrix_norm", A, dtype)  # noqa: N806
    if A._data.ndim < 2:
        raise RuntimeError(
            "linalg.matrix_norm: The input tensor A must have at least 2 dimensions, got "
            f"shape {A._data.shape}"
        )
    kind = A._data.dtype.kind
    if kind != "f" and kind != "c":
        raise RuntimeError(
            "linalg.matrix_norm: Expected a floating point or complex tensor as input. Got "
            f"{scalar_name(A)}; call .float() first or pass dtype="
        )
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) != 2:
        raise RuntimeError(
            f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dims))}"
        )
    normalize_dims("linalg.matrix_norm", dims, A._data.ndim)  # range and repeat checks
    d0, d1 = (dims[0] % A._data.ndim, dims[1] % A._data.ndim)
    if ord not in _MATRIX_ORDS or isinstance(ord, bool):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if ord == "fro":
        op = ComplexVectorNorm if kind == "c" else VectorNorm
        return op.apply(A, 2.0, tuple(sorted((d0, d1))), keepdim)  # type: ignore[no-any-return]
    if ord in ("nuc", 2, -2):
        values = svdvals(ops.movedim(A, (d0, d1), (-2, -1)))
        if ord == "nuc":
            out = ops.sum(values, -1)
        else:
            out = (ops.amax if ord == 2 else ops.amin)(values, -1)
        if keepdim:
            for d in sorted((d0, d1)):
                out = ops.unsqueeze(out, d)
        return out  # type: ignore[no-any-return]
    if ord in (math.inf, -math.inf):
        d0, d1 = d1, d0
    extreme = ops.amax if ord > 0 else ops.amin
    sums = ops.sum(ops.abs(A), d0, keepdim)
    return extreme(sums, d1 - 1 if not keepdim and d0 < d1 else d1, keepdim)  # type: ignore[no-any-return]


def norm(
    A: Tensor,  # noqa: N803
    ord: Any = None,  # noqa: A002
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """``torch.linalg.norm``: a vector norm over one dim, a matrix norm over two.

    With ``dim=None``: ``ord=None`` is the 2-norm of all elements; otherwise ``A`` must be
    1-D (a vector norm) or 2-D (a matrix norm). A string ``ord`` is a matrix norm.

    Raises:
        RuntimeError: for a ``dim`` of more than 2 dims, a string ``ord`` on a vector, or an
            ``ord`` given with ``dim=None`` on an input that is not 1-D or 2-D.

    Example:
        >>> import microtensor as mt
        >>> a = mt.tensor([[3.0, 0.0], [0.0, 4.0]])
        >>> mt.linalg.norm(a), mt.linalg.norm(a, "nuc"), mt.linalg.norm(a, 1, dim=0)
        (tensor(5.), tensor(7.), tensor([3., 4.]))
    """
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
    elif ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    elif A._data.ndim in (1, 2):
        dims = tuple(range(A._data.ndim))
    else:
        raise RuntimeError(
            f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
            f"Got {A._data.ndim}D."
        )
    if len(dims) == 1:
        if isinstance(ord, str):
            raise RuntimeError(
                f"linalg.vector_norm: ord must be a number, got {ord!r}; string orders are "
                "matrix norms over two dims"
            )
        return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
    if len(dims) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    raise RuntimeError(
        f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}"
    )


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
    return Cdist.apply(differences, float(p), (differences.ndim - 1,), False)  # type: ignore[no-any-return]
