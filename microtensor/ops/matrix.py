"""Matrix helpers: diag, diagonal, diag_embed, trace, cross, tril/triu_indices, addmm & co.

A diagonal is picked by the indexing op ``GetItem`` at a computed key, and written into zeros
by ``IndexAddZeros`` at the same key: each is the other's derivative, so both directions are
differentiable any number of times. addmm and its relatives are compositions of matmul.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor._factory_args import on_cpu
from microtensor._numpy_names import numpy_names
from microtensor.autograd.function import Op
from microtensor.ops import _product_dtypes, dual
from microtensor.ops._common import (
    binary,
    broadcast_error,
    matmul_sentence,
    normalize_dim,
    promote,
)
from microtensor.ops.arithmetic import Add
from microtensor.ops.indexing import GetItem, IndexAddZeros
from microtensor.ops.linalg import _is_sparse
from microtensor.tensor import Tensor

# fmt: off
__all__ = [
    "addbmm", "addmm", "addmv", "addr", "baddbmm", "cross", "diag", "diag_embed", "diagflat",
    "diagonal", "trace", "tril_indices", "triu_indices",
]
# fmt: on


class Diagonal(GetItem):
    """z = the diagonal of a over (dim1, dim2), as the last dim: GetItem at its positions."""


class DiagEmbed(IndexAddZeros):
    """z = zeros with a written on the diagonal over (dim1, dim2): IndexAddZeros at its key."""


class Cross(Op):
    """z = a x b (along dim);  grad_a = conj(b) x grad,  grad_b = grad x conj(a)."""

    complex_grad = True  # complex: the operands conjugated

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any, dim: int) -> Any:
        ctx.dim = dim
        ctx.save_for_backward(a, b)
        return np.cross(a, b, axis=dim)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, b = ctx.saved_tensors
        grad_a = _cross(dual.conj(b), grad_out, ctx.dim) if ctx.needs_input_grad[0] else None
        grad_b = _cross(grad_out, dual.conj(a), ctx.dim) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b, None


def _cross(x: Any, y: Any, dim: int) -> Any:
    """The cross product along ``dim`` of arrays, or (recorded) of Tensors."""
    return np.cross(x, y, axis=dim) if isinstance(x, np.ndarray) else Cross.apply(x, y, dim)


def _diagonal_key(shape: tuple[int, ...], offset: int, dim1: int, dim2: int) -> Any:
    """The key of ``diagonal``: other dims in order, then the diagonal (all advanced indices)."""
    start1, start2 = max(-offset, 0), max(offset, 0)
    length = max(min(shape[dim1] - start1, shape[dim2] - start2), 0)
    others = [d for d in range(len(shape)) if d not in (dim1, dim2)]
    out_ndim = len(others) + 1

    def along(values: np.ndarray, at: int) -> np.ndarray:
        return values.reshape([-1 if i == at else 1 for i in range(out_ndim)])

    adv = [np.empty(0)] * len(shape)
    for at, d in enumerate(others):
        adv[d] = along(np.arange(shape[d]), at)
    adv[dim1] = along(np.arange(length) + start1, out_ndim - 1)
    adv[dim2] = along(np.arange(length) + start2, out_ndim - 1)
    return (Ellipsis,), tuple(adv)


def _diag_dims(op: str, dim1: int, dim2: int, ndim: int) -> tuple[int, int]:
    d1, d2 = normalize_dim(op, dim1, ndim), normalize_dim(op, dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"{op}(): diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """The diagonal of the matrices over ``(dim1, dim2)``, appended as the last dim.

    ``offset > 0`` takes a diagonal above the main one, ``< 0`` below; past the edge the
    diagonal is empty. Differs from PyTorch: the result is a copy, not a view.

    Raises:
        IndexError: if a dim is out of range.
        RuntimeError: if ``dim1`` and ``dim2`` are the same dim.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> mt.diagonal(x), mt.diagonal(x, 1), mt.diagonal(x, -1)
        (tensor([1., 5.]), tensor([2., 6.]), tensor([4.]))
    """
    shape = input._data.shape
    d1, d2 = _diag_dims("diagonal", dim1, dim2, len(shape))
    return Diagonal.apply(input, _diagonal_key(shape, offset, d1, d2))  # type: ignore[no-any-return]


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: A002
    """Matrices with the last dim of ``input`` on their diagonal: the inverse of ``diagonal``.

    The matrices span the new dims ``dim1`` and ``dim2`` of the result; ``offset`` picks the
    diagonal, and everything off it is zero.

    Raises:
        IndexError: if a dim is out of range (dims count in the result, one more than input).
        RuntimeError: if ``dim1`` and ``dim2`` are the same dim.

    Example:
        >>> import microtensor as mt
        >>> mt.diag_embed(mt.tensor([[1.0, 2.0]]))
        tensor([[[1., 0.],
                 [0., 2.]]])
    """
    shape = input._data.shape
    if not shape:
        raise IndexError(
            f"diag_embed(): Dimension out of range (expected to be in range of [-1, 0], but "
            f"got {dim1}): the input needs at least one dim"
        )
    d1, d2 = _diag_dims("diag_embed", dim1, dim2, len(shape) + 1)
    n = shape[-1] + abs(offset)
    out_shape = list(shape[:-1])
    for d in sorted((d1, d2)):
        out_shape.insert(d, n)
    key = _diagonal_key(tuple(out_shape), offset, d1, d2)
    return DiagEmbed.apply(input, tuple(out_shape), key)  # type: ignore[no-any-return]


def diag(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """A 1-d tensor as a square matrix with it on a diagonal; or a matrix's diagonal.

    ``diagonal`` picks the diagonal: 0 the main one, > 0 above it, < 0 below.

    Raises:
        RuntimeError: if ``input`` is not 1-d or 2-d.

    Example:
        >>> import microtensor as mt
        >>> mt.diag(mt.tensor([1.0, 2.0]), 1)
        tensor([[0., 1., 0.],
                [0., 0., 2.],
                [0., 0., 0.]])
        >>> mt.diag(mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor([1., 4.])
    """
    ndim = input._data.ndim
    if ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if ndim == 2:
        return Diagonal.apply(input, _diagonal_key(input._data.shape, diagonal, 0, 1))  # type: ignore[no-any-return]
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")


def trace(input: Tensor) -> Tensor:  # noqa: A002
    """The sum of the main diagonal of a matrix (integers sum as int64).

    Raises:
        RuntimeError: if ``input`` is not 2-d.

    Example:
        >>> import microtensor as mt
        >>> mt.trace(mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor(5.)
    """
    if input._data.ndim != 2:
        raise RuntimeError(
            f"trace(): expected a matrix, but got tensor with dim {input._data.ndim}"
        )
    return ops.sum(diagonal(input))  # type: ignore[no-any-return]


@numpy_names
def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim``; other dims broadcast.

    Differs from PyTorch: ``dim=None`` means -1 (as ``torch.linalg.cross`` and PyTorch's
    announced default), not the first dim of size 3.

    Raises:
        RuntimeError: if the inputs have different numbers of dims, do not broadcast, or do
            not have size 3 at ``dim``.
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.cross(mt.tensor([1.0, 0.0, 0.0]), mt.tensor([0.0, 1.0, 0.0]))
        tensor([0., 0., 1.])
    """
    a, b = promote(input, other)
    sa, sb = a._data.shape, b._data.shape
    if len(sa) != len(sb):
        raise RuntimeError(
            f"cross(): inputs must have the same number of dimensions, got shapes {sa} and {sb}"
        )
    d = normalize_dim("cross", -1 if dim is None else dim, len(sa))
    if not sa or sa[d] != 3 or sb[d] != 3:
        got = (sa[d], sb[d]) if sa else (0, 0)
        raise RuntimeError(
            f"cross(): inputs dimension {-1 if dim is None else dim} must have length 3. Got "
            f"{got[0]} and {got[1]}"
        )
    try:
        np.broadcast_shapes(sa, sb)
    except ValueError:
        raise broadcast_error("cross", a, b) from None
    return Cross.apply(a, b, d)  # type: ignore[no-any-return]


def tril_indices(
    row: int,
    col: int,
    offset: int = 0,
    *,
    dtype: Any = None,
    device: Any = None,
    layout: Any = None,
) -> Tensor:
    """The (2, N) row and column indices of the lower triangle of a ``row x col`` matrix.

    ``offset`` moves the diagonal that bounds the triangle up (> 0) or down (< 0).

    Raises:
        RuntimeError: for a negative ``row`` or ``col``.

    Example:
        >>> import microtensor as mt
        >>> mt.tril_indices(3, 3)
        tensor([[0, 1, 1, 2, 2, 2],
                [0, 0, 1, 0, 1, 2]])
    """
    on_cpu(device, "tril_indices")
    return _triangle("tril_indices", np.tril_indices, row, col, offset, dtype)


def triu_indices(
    row: int,
    col: int,
    offset: int = 0,
    *,
    dtype: Any = None,
    device: Any = None,
    layout: Any = None,
) -> Tensor:
    """The (2, N) row and column indices of the upper triangle of a ``row x col`` matrix.

    Raises:
        RuntimeError: for a negative ``row`` or ``col``.

    Example:
        >>> import microtensor as mt
        >>> mt.triu_indices(2, 3, 1)
        tensor([[0, 0, 1],
                [1, 2, 2]])
    """
    on_cpu(device, "triu_indices")
    return _triangle("triu_indices", np.triu_indices, row, col, offset, dtype)


def _triangle(op: str, fn: Any, row: int, col: int, offset: int, dtype: Any) -> Tensor:
    for name, n in (("row", row), ("col", col)):
        if n < 0:
            raise RuntimeError(f"{op}(): {name} must be non-negative, got {n}")
    rows, cols = fn(row, offset, col)
    out = Tensor._make(np.stack([rows, cols]).astype(np.int64))
    return out if dtype is None else out.to(dtype)


# --- beta * input + alpha * (product) ---------------------------------------------------------


# The final add is recorded under the op's own node name, as torch's fused kernels are.
class Addmm(Add, node_name="AddmmBackward0"):
    """The add of ``addmm``: alpha * (mat1 @ mat2) + beta * input."""


class Addmv(Add, node_name="AddmvBackward0"):
    """The add of ``addmv``."""


class Addr(Add, node_name="AddrBackward0"):
    """The add of ``addr``."""


class Baddbmm(Add, node_name="BaddbmmBackward0"):
    """The add of ``baddbmm``."""


class Addbmm(Add, node_name="AddbmmBackward0"):
    """The add of ``addbmm``."""


_SCALED_SUMS = {"addmm": Addmm, "addmv": Addmv, "addr": Addr, "baddbmm": Baddbmm, "addbmm": Addbmm}


def _scaled_sum(op: str, input: Any, product: Tensor, beta: Any, alpha: Any) -> Tensor:  # noqa: A002
    """``beta * input + alpha * product``; ``input`` must broadcast to the product's shape."""
    want = tuple(product._data.shape)
    got = tuple(np.shape(input._data if isinstance(input, Tensor) else input))
    try:
        fits = np.broadcast_shapes(got, want) == want
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(
            f"{op}(): input of shape {got} cannot be broadcast to the product's shape {want}"
        )
    out = product if alpha == 1 else ops.mul(product, alpha)
    if beta == 0:  # as PyTorch: input is ignored, so NaN or inf in it do not propagate
        return out
    return binary(_SCALED_SUMS[op], op, out, input if beta == 1 else ops.mul(input, beta))


def _check_ranks(op: str, named: dict[str, Any], ranks: tuple[int, ...]) -> None:
    for (name, t), rank in zip(named.items(), ranks, strict=True):
        if not isinstance(t, Tensor) or t._data.ndim != rank:
            got = f"{t._data.ndim}-D tensor" if isinstance(t, Tensor) else type(t).__name__
            raise RuntimeError(f"{op}(): {name} must be a {rank}-D tensor, got {got}")


def _check_inner(op: str, left: Any, right: Any, names: str) -> None:
    sa, sb = left._data.shape, right._data.shape
    if sa[-1] != sb[-2 if len(sb) > 1 else 0] or len(sa) == len(sb) == 3 and sa[0] != sb[0]:
        mine = (
            f"{names} shapes cannot be multiplied ({'x'.join(map(str, sa))} and "
            f"{'x'.join(map(str, sb))})"
        )
        said = matmul_sentence(sa, sb, broadcast=False)
        said = said if said == mine else f"{said.removesuffix('.')}: {mine}"
        raise RuntimeError(f"{op}(): {said}")


def addmm(input: Any, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * (mat1 @ mat2)``; ``input`` broadcasts to ``(n, p)``.

    With ``beta=0`` the input is ignored (NaN in it does not propagate) and gets no gradient.

    Raises:
        RuntimeError: if a matrix is not 2-d, the inner dims differ, or ``input`` does not
            broadcast to the product's shape.

    Example:
        >>> import microtensor as mt
        >>> mt.addmm(mt.ones(2), mt.eye(2), mt.tensor([[1.0, 2.0], [3.0, 4.0]]), alpha=2)
        tensor([[3., 5.],
                [7., 9.]])
    """
    if _is_sparse(mat1) or _is_sparse(mat2):  # microtensor.sparse, loaded on first use
        from microtensor.sparse.products import dense_addmm

        return dense_addmm(input, mat1, mat2, beta=beta, alpha=alpha)
    _product_dtypes.check_addmm("addmm", input, mat1, mat2)  # torch: dtypes before shapes
    _check_ranks("addmm", {"mat1": mat1, "mat2": mat2}, (2, 2))
    _check_inner("addmm", mat1, mat2, "mat1 and mat2")
    return _scaled_sum("addmm", input, ops.mm(mat1, mat2), beta, alpha)


def addmv(input: Any, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * (mat @ vec)``; ``input`` broadcasts to ``(n,)``.

    Raises:
        RuntimeError: for a ``mat`` that is not 2-d or ``vec`` not 1-d, mismatched sizes, or
            an ``input`` that does not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.addmv(mt.tensor([1.0, 1.0]), mt.eye(2), mt.tensor([2.0, 3.0]), beta=0.5)
        tensor([2.5000, 3.5000])
    """
    _check_ranks("addmv", {"mat": mat, "vec": vec}, (2, 1))
    _check_inner("addmv", mat, vec, "mat and vec")
    _product_dtypes.check_addmv("addmv", input, mat, vec)
    return _scaled_sum("addmv", input, ops.mv(mat, vec), beta, alpha)


def addr(input: Any, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * outer(vec1, vec2)``.

    Raises:
        RuntimeError: if a vector is not 1-d, or ``input`` does not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.addr(mt.zeros(2, 2), mt.tensor([1.0, 2.0]), mt.tensor([3.0, 4.0]))
        tensor([[3., 4.],
                [6., 8.]])
    """
    _check_ranks("addr", {"vec1": vec1, "vec2": vec2}, (1, 1))
    return _scaled_sum("addr", input, ops.outer(vec1, vec2), beta, alpha)


def baddbmm(
    input: Any,  # noqa: A002
    batch1: Tensor,
    batch2: Tensor,
    *,
    beta: Any = 1,
    alpha: Any = 1,
) -> Tensor:
    """``beta * input + alpha * (batch1 @ batch2)`` for batches ``(b, n, m) @ (b, m, p)``.

    Raises:
        RuntimeError: if a batch is not 3-d, the sizes do not match, or ``input`` does not
            broadcast to ``(b, n, p)``.

    Example:
        >>> import microtensor as mt
        >>> mt.baddbmm(mt.zeros(1), mt.ones(2, 1, 3), mt.ones(2, 3, 1)).flatten()
        tensor([3., 3.])
    """
    _check_ranks("baddbmm", {"batch1": batch1, "batch2": batch2}, (3, 3))
    _check_inner("baddbmm", batch1, batch2, "batch1 and batch2")
    _product_dtypes.check_baddbmm("baddbmm", input, batch1, batch2)
    return _scaled_sum("baddbmm", input, ops.bmm(batch1, batch2), beta, alpha)


def addbmm(
    input: Any,  # noqa: A002
    batch1: Tensor,
    batch2: Tensor,
    *,
    beta: Any = 1,
    alpha: Any = 1,
) -> Tensor:
    """``beta * input + alpha * sum_i(batch1[i] @ batch2[i])``: the batch is summed.

    Raises:
        RuntimeError: as ``baddbmm``, with ``input`` broadcasting to ``(n, p)``.

    Example:
        >>> import microtensor as mt
        >>> mt.addbmm(mt.zeros(1, 1), mt.ones(2, 1, 3), mt.ones(2, 3, 1))
        tensor([[6.]])
    """
    _product_dtypes.check_addmm("addbmm", input, batch1, batch2)
    _check_ranks("addbmm", {"batch1": batch1, "batch2": batch2}, (3, 3))
    _check_inner("addbmm", batch1, batch2, "batch1 and batch2")
    return _scaled_sum("addbmm", input, ops.sum(ops.bmm(batch1, batch2), 0), beta, alpha)


def diagflat(input: Tensor, offset: int = 0) -> Tensor:  # noqa: A002
    """A square matrix with the flattened ``input`` on its ``offset``-th diagonal.

    Args:
        input: any tensor (flattened first).
        offset: 0 for the main diagonal, > 0 above it, < 0 below.

    Returns:
        ``diag(input.flatten(), offset)``: shape ``(n + |offset|, n + |offset|)``.

    Example:
        >>> import microtensor as mt
        >>> mt.diagflat(mt.tensor([[1, 2], [3, 4]])).shape
        microtensor.Size([4, 4])
    """
    return diag(input.reshape(-1), offset)
