"""Linear algebra: matmul (and its fixed-rank forms mm, bmm, mv, dot), outer (einsum: einsum.py).

Backward formulas use ``@`` and ``ops.dual`` functions, so they run on arrays during an
ordinary backward and on Tensors (recorded, twice differentiable) under ``create_graph=True``.
Gradients over broadcast batch dims are summed by the engine (``sum_to_shape``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor._out_argument import write_out
from microtensor.autograd.function import Op
from microtensor.ops import _product_dtypes, dual
from microtensor.ops._common import (
    as_tensor_arg,
    matmul_sentence,
    mismatch_sentence,
    promote,
    shape_of,
)
from microtensor.tensor import Tensor

__all__ = ["bmm", "dot", "ger", "matmul", "mm", "mv", "outer"]


def rows_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b``; for a 2-D ``b``, a batch ``a`` is folded into the rows of one matrix product.

    NumPy runs a stacked ``matmul`` as one BLAS call per matrix of the stack (3x slower than
    one call for a GPT's (16, 32, 64) activations); torch folds the batch dims the same way.
    """
    if a.ndim <= 2 or b.ndim != 2:
        return np.asarray(np.matmul(a, b))  # two 1-D arrays give a NumPy scalar
    batch = a.shape[:-1]
    rows = np.matmul(a.reshape((math.prod(batch), a.shape[-1])), b)
    return rows.reshape((*batch, b.shape[-1]))


class MatMul(Op):
    """z = a @ b (batched, broadcasting);  dz/da = grad @ b^T,  dz/db = a^T @ grad.

    A 1-D ``a`` acts as a row (1, k) and a 1-D ``b`` as a column (k, 1); the gradient drops the
    added dim again. The engine sums the gradients over broadcast batch dims. Complex operands
    are conjugated in the gradients (grad @ b^H, a^H @ grad).
    """

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        if a.dtype.kind == "V":  # bfloat16: float32 products and sums, rounded once, as torch
            return np.matmul(a.astype(np.float32), b.astype(np.float32)).astype(a.dtype)
        return rows_matmul(a, b)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, b = ctx.saved_tensors
        a_vec, b_vec = a.ndim == 1, b.ndim == 1
        a2 = a.reshape((1, a.shape[0])) if a_vec else a
        b2 = b.reshape((b.shape[0], 1)) if b_vec else b
        grad2 = grad_out
        if a_vec or b_vec:  # put back the dims that 1-D operands dropped from the output
            shape = tuple(grad_out.shape) + ((1,) if b_vec else ())
            grad2 = grad_out.reshape(shape[:-1] + (1, shape[-1]) if a_vec else shape)
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            b2_t = dual.swap_last(dual.conj(b2))
            grad_a = rows_matmul(grad2, b2_t) if dual.is_array(grad2) else grad2 @ b2_t
            if a_vec:
                grad_a = grad_a.reshape(tuple(grad_a.shape[:-2]) + (a.shape[0],))
        if ctx.needs_input_grad[1]:
            if b2.ndim == 2 and a2.ndim > 2:  # fold a's batch dims into rows: one 2-D matmul
                rows = math.prod(a2.shape[:-1])
                grad_b = dual.swap_last(
                    dual.conj(a2).reshape((rows, a2.shape[-1]))
                ) @ grad2.reshape((rows, grad2.shape[-1]))
            else:
                grad_b = dual.swap_last(dual.conj(a2)) @ grad2
            if b_vec:
                grad_b = grad_b.reshape(tuple(grad_b.shape[:-2]) + (b.shape[0],))
        return grad_a, grad_b


# torch records matmul through the product it reduces to: mm, mv, dot; bmm (or mm) on
# folded batch dims, viewed back (UnsafeViewBackward0); a vector-matrix product squeezed.
class Mm(MatMul, node_name="MmBackward0"):
    """A matrix product (2-D @ 2-D, ``mm``)."""


class Bmm(MatMul, node_name="BmmBackward0"):
    """``bmm``: a batched matrix product."""


class Mv(MatMul, node_name="MvBackward0"):
    """A matrix-vector product (2-D @ 1-D, ``mv``)."""


class Dot(MatMul, node_name="DotBackward0"):
    """A dot product (1-D @ 1-D, ``dot``)."""


class VecMat(MatMul, node_name="SqueezeBackward4"):
    """A vector-matrix product (1-D @ 2-D), torch's mm of a row, squeezed."""


class BatchedMatMul(MatMul, node_name="UnsafeViewBackward0"):
    """A product with batch dims (an operand with more than 2 dims), viewed back."""


class MatBatchedMatMul(MatMul, node_name="CloneBackward0"):
    """A matrix @ a batch of matrices (2-D @ N-D), computed transposed and copied back."""


_SMALL_MATMULS = {(2, 2): Mm, (1, 1): Dot, (2, 1): Mv, (1, 2): VecMat}


def _matmul_op(a_ndim: int, b_ndim: int) -> type[MatMul]:
    op = _SMALL_MATMULS.get((a_ndim, b_ndim))
    if op is not None:
        return op
    return MatBatchedMatMul if a_ndim == 2 else BatchedMatMul


class Outer(Op, node_name="MulBackward0"):  # torch: a[:, None] * b
    """z[i, j] = a[i] * b[j];  dz/da = grad @ conj(b),  dz/db = conj(a) @ grad."""

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        return np.outer(a, b)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, b = ctx.saved_tensors
        grad_a = grad_out @ dual.conj(b) if ctx.needs_input_grad[0] else None
        grad_b = dual.conj(a) @ grad_out if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


def _is_sparse(x: Any) -> bool:
    """A sparse operand, COO or compressed (CSR and kin have ``is_sparse`` False, as torch's).

    A Tensor, Parameters included, answers at the first test.
    """
    if isinstance(x, Tensor):
        return False
    from microtensor import _layout

    kind = getattr(x, "layout", None)
    return isinstance(kind, _layout.layout) and kind is not _layout.strided


def _operands(op: str, input: Any, other: Any) -> tuple[Any, Any]:  # noqa: A002
    """Both operands as Tensors; 0-d ones are rejected as PyTorch does.

    Two Tensors keep their dtypes (the product checks them, as torch); a list or number (which
    torch refuses) is made a Tensor and promoted with the other operand.
    """
    tensors = isinstance(input, Tensor) and isinstance(other, Tensor)
    if not tensors:
        input, other = as_tensor_arg(input), as_tensor_arg(other)
    sa = input._data.shape if tensors else shape_of(input)
    sb = other._data.shape if tensors else shape_of(other)
    if not sa or not sb:
        raise RuntimeError(
            f"both arguments to {op} need to be at least 1D, but they are {len(sa)}D and "
            f"{len(sb)}D; use mul for products with scalars"
        )
    if tensors:
        return input, other
    return promote(input, other)


def _mixed_dtypes(op: str, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Raise torch's error for the product ``a @ b`` of two dtypes (both at least 1-D).

    torch reaches dot, mv, mm or bmm by the ranks (folding the batch dims of ``a`` into rows
    when ``b`` is a vector or a matrix), and each kernel words its refusal in its own way. An
    empty bmm is the exception: torch returns it, in ``b``'s dtype.
    """
    sa, sb = a._data.shape, b._data.shape
    if len(sa) == 1 == len(sb):
        raise _product_dtypes.dot_error(op, a, b)
    if len(sb) == 1:
        raise _product_dtypes.mv_error(op, a, b)
    if len(sb) == 2:
        raise _product_dtypes.mm_error(op, a, b)
    n, k, m = (sa[-2] if len(sa) > 1 else 1), sb[-2], sb[-1]
    batch = np.broadcast_shapes(sa[:-2], sb[:-2])
    if n * k * m * math.prod(batch):
        raise _product_dtypes.bmm_error(op, a, b, n * k * m)
    return a.to(b.dtype), b


def _check_inner(op: str, sa: tuple[int, ...], sb: tuple[int, ...], other: str) -> None:
    """Raise unless ``a @ b`` is defined for shapes ``sa`` and ``sb`` (both at least 1-D)."""
    if len(sa) >= 3 and len(sb) >= 3:  # torch checks the batch dims first
        try:
            np.broadcast_shapes(sa[:-2], sb[:-2])
        except ValueError:
            raise RuntimeError(
                f"{op}(): {mismatch_sentence(sa[:-2], sb[:-2])}: the batch dims {sa[:-2]} and "
                f"{sb[:-2]} of shapes {sa} and {sb} do not broadcast (each must be equal or 1)"
            ) from None
    k_a, k_b = sa[-1], sb[-2] if len(sb) > 1 else sb[0]
    if k_a != k_b:
        where = "the second-to-last dim of" if len(sb) > 1 else "the length of"
        raise RuntimeError(
            f"{op}(): {matmul_sentence(sa, sb).removesuffix('.')}: shapes {sa} and {sb} cannot "
            f"be multiplied ({k_a} != {k_b}): the last dim of input must equal {where} {other}"
        )


def _fixed_rank(
    op: str,
    input: Any,  # noqa: A002
    other: Any,
    names: tuple[str, str],
    ranks: tuple[int, int],
) -> tuple[Any, Any]:
    """The operands of mm, bmm, mv, dot or outer, with their ranks and sizes checked."""
    input, other = _operands(op, input, other)
    for name, rank, x in zip(names, ranks, (input, other), strict=True):
        if x._data.ndim != rank:
            raise RuntimeError(
                f"{op}(): {name} must be {rank}-D, but got shape {tuple(x.shape)}; use matmul "
                "or einsum for other ranks"
            )
    sa, sb = input._data.shape, other._data.shape
    mixed = input._data.dtype != other._data.dtype
    if mixed and op == "dot":  # torch's dot checks the dtypes before the lengths
        raise _product_dtypes.dot_error(op, input, other)
    if op == "bmm" and sa[0] != sb[0]:
        raise RuntimeError(
            f"bmm(): {matmul_sentence(sa, sb, broadcast=False)} Batch sizes differ ({sa[0]} != "
            f"{sb[0]}) in shapes {sa} and {sb}; bmm does not broadcast, use matmul"
        )
    if op != "outer":
        _check_inner(op, sa, sb, names[1])
        if mixed:
            input, other = _mixed_dtypes(op, input, other)
    return input, other


def matmul(input: Any, other: Any, *, out: Any = None) -> Tensor:  # noqa: A002
    """Matrix product with NumPy's rules for every rank, broadcasting batch dims.

    1-D x 1-D is a dot product (0-d result); a 1-D ``input`` is a row vector and a 1-D
    ``other`` a column vector, and that dim is removed from the result; N-D operands are
    stacks of matrices whose batch dims (all but the last two) broadcast.

    Args:
        input: a tensor with at least one dim.
        other: a tensor with at least one dim.
        out: a tensor to write the result into, as torch's ``out=`` (no graph).

    Returns:
        The product; integer operands give an integer result.

    Raises:
        RuntimeError: for a 0-d operand, mismatched inner dims, batch dims that do not
            broadcast, or operands of two dtypes (torch's message of the kernel it reaches:
            dot, mv, mm or bmm; an empty batched product is returned in ``other``'s dtype).

    Example:
        >>> import microtensor as mt
        >>> mt.matmul(mt.tensor([[1.0, 2.0], [3.0, 4.0]]), mt.tensor([1.0, 1.0]))
        tensor([3., 7.])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, matmul(input, other), "matmul")
    if _is_sparse(input) or _is_sparse(other):  # microtensor.sparse, loaded on first use
        from microtensor.sparse.products import dense_product

        return dense_product("matmul", input, other)
    input, other = _operands("matmul", input, other)
    a, b = input._data, other._data
    same = a.dtype == b.dtype
    if same and a.ndim == 2 == b.ndim and a.shape[1] == b.shape[0]:  # the common case
        return Mm.apply(input, other)  # type: ignore[no-any-return]
    sa, sb = a.shape, b.shape
    if not same and len(sa) == 1 == len(sb):  # torch's dot checks the dtypes before the lengths
        raise _product_dtypes.dot_error("matmul", input, other)
    _check_inner("matmul", sa, sb, "other")
    if not same:
        input, other = _mixed_dtypes("matmul", input, other)
    return _matmul_op(len(sa), len(sb)).apply(input, other)  # type: ignore[no-any-return]


def mm(input: Any, mat2: Any, *, out: Any = None) -> Tensor:  # noqa: A002
    """Product of two matrices: ``(n, k) @ (k, m) -> (n, m)``.

    Raises:
        RuntimeError: if either operand is not 2-D, the inner dims differ or the dtypes
            differ (torch does not promote).

    Example:
        >>> import microtensor as mt
        >>> mt.mm(mt.tensor([[1.0, 2.0]]), mt.tensor([[3.0], [4.0]]))
        tensor([[11.]])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, mm(input, mat2), "mm")
    if _is_sparse(input) or _is_sparse(mat2):  # microtensor.sparse, loaded on first use
        from microtensor.sparse.products import dense_product

        return dense_product("mm", input, mat2)
    input, mat2 = _fixed_rank("mm", input, mat2, ("input", "mat2"), (2, 2))
    return Mm.apply(input, mat2)  # type: ignore[no-any-return]


def bmm(input: Any, mat2: Any, *, out: Any = None) -> Tensor:  # noqa: A002
    """Batched matrix product: ``(b, n, k) @ (b, k, m) -> (b, n, m)``, no broadcasting.

    Raises:
        RuntimeError: if either operand is not 3-D, the batch sizes differ, the inner dims
            differ, or the dtypes differ (torch does not promote; an empty product is returned
            in ``mat2``'s dtype, as torch).

    Example:
        >>> import microtensor as mt
        >>> mt.bmm(mt.ones(2, 1, 3), mt.ones(2, 3, 1)).shape
        microtensor.Size([2, 1, 1])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, bmm(input, mat2), "bmm")
    input, mat2 = _fixed_rank("bmm", input, mat2, ("input", "mat2"), (3, 3))
    return Bmm.apply(input, mat2)  # type: ignore[no-any-return]


def mv(input: Any, vec: Any, *, out: Any = None) -> Tensor:  # noqa: A002
    """Matrix-vector product: ``(n, k) @ (k,) -> (n,)``.

    Raises:
        RuntimeError: if ``input`` is not 2-D, ``vec`` is not 1-D, the sizes differ or the
            dtypes differ (torch does not promote).

    Example:
        >>> import microtensor as mt
        >>> mt.mv(mt.tensor([[1.0, 2.0], [3.0, 4.0]]), mt.tensor([1.0, -1.0]))
        tensor([-1., -1.])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, mv(input, vec), "mv")
    input, vec = _fixed_rank("mv", input, vec, ("input", "vec"), (2, 1))
    return Mv.apply(input, vec)  # type: ignore[no-any-return]


def dot(input: Any, tensor: Any) -> Tensor:  # noqa: A002
    """Dot product of two 1-D tensors of the same length (a 0-d result).

    Raises:
        RuntimeError: if either operand is not 1-D, the dtypes differ (torch does not
            promote) or the lengths differ.

    Example:
        >>> import microtensor as mt
        >>> mt.dot(mt.tensor([1.0, 2.0]), mt.tensor([3.0, 4.0]))
        tensor(11.)
    """
    input, tensor = _fixed_rank("dot", input, tensor, ("input", "tensor"), (1, 1))
    return Dot.apply(input, tensor)  # type: ignore[no-any-return]


def outer(input: Any, vec2: Any) -> Tensor:  # noqa: A002
    """Outer product of two 1-D tensors: ``z[i, j] = input[i] * vec2[j]``.

    Operands of two dtypes are promoted, as torch (its outer is a broadcast multiply).

    Raises:
        RuntimeError: if either operand is not 1-D.

    Example:
        >>> import microtensor as mt
        >>> mt.outer(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 0.0, -1.0]))
        tensor([[ 1.,  0., -1.],
                [ 2.,  0., -2.]])
    """
    input, vec2 = _fixed_rank("outer", input, vec2, ("input", "vec2"), (1, 1))
    input, vec2 = promote(input, vec2)  # torch's outer is a broadcast mul: it promotes
    return Outer.apply(input, vec2)  # type: ignore[no-any-return]


ger = outer
