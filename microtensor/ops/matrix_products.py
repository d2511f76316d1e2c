"""Matrix products: multi_dot, chain_matmul, vecdot, householder_product, kron, inner, tensordot.

And ``linalg.vander``, the matrix of powers of a vector.

All are compositions of differentiable ops (matmul, einsum, elementwise products, cumprod),
so their gradients of every order follow by the chain rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.ops import _product_dtypes
from microtensor.ops._common import normalize_dim, promote
from microtensor.ops.einsum import _LETTERS
from microtensor.tensor import Tensor

__all__ = ["chain_matmul", "inner", "kron", "orgqr", "tensordot", "vdot"]


def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """The product of a chain of matrices; the first may be 1-D (a row), the last 1-D (a column).

    Raises:
        RuntimeError: for fewer than 2 tensors, inner tensors that are not 2-D, tensors of
            two dtypes (torch does not promote), or sizes that do not chain.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.multi_dot([mt.tensor([1.0, 2.0]), mt.eye(2), mt.tensor([3.0, 4.0])])
        tensor(11.)
    """
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        end = i in (0, len(tensors) - 1)
        if t._data.ndim != 2 and not (end and t._data.ndim == 1):
            where = "first and last" if end else "inner"
            raise RuntimeError(
                f"multi_dot(): tensor {i} must be 2D{' or 1D' if end else ''} ({where} "
                f"tensors), but got {t._data.ndim}D"
            )
    dtype = tensors[0]._data.dtype
    for i, t in enumerate(tensors):
        if t._data.dtype != dtype:  # torch's wording, "must have be", copied
            raise _product_dtypes.dtype_error(
                "multi_dot",
                "multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                f"{_product_dtypes.cpp_name(tensors[0])} and tensor {i} "
                f"{_product_dtypes.cpp_name(t)}",
            )
    for i in range(len(tensors) - 1):
        left, right = tensors[i]._data.shape, tensors[i + 1]._data.shape
        if left[-1] != right[0]:
            raise RuntimeError(
                f"multi_dot(): tensors {i} and {i + 1} with shapes {left} and {right} cannot "
                "be multiplied"
            )
    result = tensors[0]
    for t in tensors[1:]:
        result = ops.matmul(result, t)
    return result


def chain_matmul(*matrices: Tensor) -> Tensor:
    """``torch.chain_matmul``: the product of 2-D matrices (one matrix gives a copy).

    Raises:
        RuntimeError: for no matrices, a matrix that is not 2-D, or sizes that do not chain.

    Example:
        >>> import microtensor as mt
        >>> mt.chain_matmul(mt.eye(2), mt.tensor([[1.0], [2.0]]))
        tensor([[1.],
                [2.]])
    """
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for i, t in enumerate(matrices):
        if t._data.ndim != 2:
            raise RuntimeError(
                f"chain_matmul(): Tensor dimension is {t._data.ndim}, expected 2 instead "
                f"(matrix {i})"
            )
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(matrices)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """``sum(conj(x) * y, dim)``: the dot product along ``dim``, other dims broadcasting.

    Raises:
        RuntimeError: if x is not floating point or complex, the dtypes differ (torch does not
            promote), or the shapes do not broadcast.
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.vecdot(mt.tensor([[1.0, 2.0], [3.0, 4.0]]), mt.tensor([1.0, 1.0]))
        tensor([3., 7.])
    """
    if x._data.dtype != y._data.dtype or x._data.dtype.kind not in "fcV":
        _raise_vecdot_dtype(x, y)
    product = ops.mul(ops.conj(x) if x._data.dtype.kind == "c" else x, y)
    return ops.sum(product, normalize_dim("linalg.vecdot", dim, product.ndim))  # type: ignore[no-any-return]


def _raise_vecdot_dtype(x: Tensor, y: Tensor) -> None:
    names = _product_dtypes.scalar_name
    if x._data.dtype.kind not in "fcV":  # torch checks x's kind, then that y's dtype is x's
        raise _product_dtypes.dtype_error(
            "linalg.vecdot",
            f"linalg.vecdot: Expected a floating point or complex tensor as input. Got {names(x)}",
            "convert it with .float()",
        )
    raise _product_dtypes.dtype_error(
        "linalg.vecdot",
        "linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
        f"{names(x)} and y of type {names(y)} instead",
    )


def householder_product(A: Tensor, tau: Tensor) -> Tensor:  # noqa: N803
    """The first n columns of ``H_1 ... H_k``, ``H_i = I - tau_i v_i v_i^H`` (LAPACK's orgqr).

    ``v_i`` is column i of ``A`` below the diagonal with a 1 on it (entries on and above the
    diagonal are not read, so their gradient is 0).

    Raises:
        RuntimeError: for fewer than 2 dims, n > m, k > n, or mismatched batch dims or dtypes.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.householder_product(mt.tensor([[1.0], [0.0]]), mt.tensor([2.0]))
        tensor([[-1.],
                [ 0.]])
    """
    op = "torch.linalg.householder_product"
    sa, st = A._data.shape, tau._data.shape
    if len(sa) < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dimensions.")
    m, n = sa[-2:]
    if m < n:
        raise RuntimeError(
            f"{op}: input.shape[-2] must be greater than or equal to input.shape[-1]"
        )
    if not st or st[-1] > n:
        raise RuntimeError(f"{op}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if len(st) != len(sa) - 1 or st[:-1] != sa[:-2]:
        raise RuntimeError(
            f"{op}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
            f"{st[:-1]} and {sa[:-2]}"
        )
    if A._data.dtype != tau._data.dtype:
        raise RuntimeError(f"{op}: tau dtype {tau.dtype} does not match input dtype {A.dtype}")
    k = st[-1]
    eye_mk = Tensor._make(np.eye(m, k, dtype=A._data.dtype))
    reflectors = ops.tril(ops.narrow(A, -1, 0, k), -1) + eye_mk
    q = Tensor._make(np.broadcast_to(np.eye(m, dtype=A._data.dtype), sa[:-2] + (m, m)).copy())
    is_complex = A._data.dtype.kind == "c"
    for i in range(k):
        v = ops.narrow(reflectors, -1, i, 1)
        scale = ops.narrow(tau, -1, i, 1).unsqueeze(-1)
        q = q - ops.matmul(ops.matmul(q, v) * scale, v.mH if is_complex else v.transpose(-2, -1))
    return ops.narrow(q, -1, 0, n)  # type: ignore[no-any-return]


def orgqr(input: Tensor, tau: Tensor) -> Tensor:  # noqa: A002
    """``torch.orgqr``: ``linalg.householder_product(input, tau)``.

    Example:
        >>> import microtensor as mt
        >>> mt.orgqr(mt.tensor([[1.0], [0.0]]), mt.tensor([0.0]))
        tensor([[1.],
                [0.]])
    """
    return householder_product(input, tau)


def vdot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``torch.vdot``: the dot product of two 1-D tensors, the first conjugated.

    Raises:
        RuntimeError: if either is not 1-D, the dtypes differ (torch does not promote) or the
            lengths differ.

    Example:
        >>> import microtensor as mt
        >>> mt.vdot(mt.tensor([1.0, 2.0]), mt.tensor([3.0, 4.0]))
        tensor(11.)
    """
    sa, sb = input._data.shape, other._data.shape
    if len(sa) != 1 or len(sb) != 1:
        raise RuntimeError(f"1D tensors expected, but got {len(sa)}D and {len(sb)}D tensors (vdot)")
    if input._data.dtype != other._data.dtype:
        raise _product_dtypes.dot_error("vdot", input, other)
    if sa != sb:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have "
            f"the same number of elements, but got {sa[0]} and {sb[0]} elements respectively "
            "(vdot)"
        )
    if input._data.dtype.kind == "c":
        return ops.dot(ops.conj(input), other)  # type: ignore[no-any-return]
    return ops.dot(input, other)  # type: ignore[no-any-return]


def kron(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The Kronecker product: block ``(i, j, ...)`` of the result is ``input[i, j, ...] * other``.

    The operands are padded with leading size-1 dims to the same number of dims. Operands of
    two dtypes are promoted, as torch (its kron is a broadcast multiply).

    Example:
        >>> import microtensor as mt
        >>> mt.kron(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 10.0]))
        tensor([ 1., 10.,  2., 20.])
    """
    a, b = promote(input, other)
    ndim = max(a._data.ndim, b._data.ndim)
    sa = (1,) * (ndim - a._data.ndim) + a._data.shape
    sb = (1,) * (ndim - b._data.ndim) + b._data.shape
    a = a.reshape(tuple(v for n in sa for v in (n, 1)))
    b = b.reshape(tuple(v for n in sb for v in (1, n)))
    return ops.mul(a, b).reshape(tuple(x * y for x, y in zip(sa, sb, strict=True)))  # type: ignore[no-any-return]


def inner(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The sum of products over the last dims; a 0-d operand multiplies instead.

    The result's shape is ``input.shape[:-1] + other.shape[:-1]``.

    Raises:
        RuntimeError: if the last dims differ, or the dtypes differ (as torch: a 0-d operand
            multiplies and promotes).

    Example:
        >>> import microtensor as mt
        >>> mt.inner(mt.tensor([[1.0, 2.0], [3.0, 4.0]]), mt.tensor([1.0, 1.0]))
        tensor([3., 7.])
    """
    tensors = isinstance(input, Tensor) and isinstance(other, Tensor)
    a, b = (input, other) if tensors else promote(input, other)
    if not isinstance(a, Tensor) or not isinstance(b, Tensor) or not a.ndim or not b.ndim:
        return ops.mul(a, b)  # type: ignore[no-any-return]
    sa, sb = a._data.shape, b._data.shape
    if sa[-1] != sb[-1]:
        raise RuntimeError(
            f"inner() the last dimension must match on both input tensors but got shapes "
            f"{list(sa)} and {list(sb)}"
        )
    return tensordot(a, b, ([-1], [-1]))


def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Sum of products over ``dims`` of ``a`` and ``b``.

    An int ``dims`` contracts the last ``dims`` dims of ``a`` with the first of ``b``; a pair
    of lists names the dims of each. A contracted dim of size 1 broadcasts against the other.

    Raises:
        RuntimeError: for operands of two dtypes (torch does not promote), a negative
            ``dims``, lists of different lengths, or contracted dims of different sizes.

    Example:
        >>> import microtensor as mt
        >>> mt.tensordot(mt.ones(2, 3), mt.ones(3, 4), dims=1).shape
        microtensor.Size([2, 4])
    """
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a._data.dtype != b._data.dtype:
            raise _product_dtypes.dtype_error("tensordot", "both inputs should have same dtype")
    else:
        a, b = promote(a, b)
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int | np.integer):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        dims_a, dims_b = list(range(na - dims, na)), list(range(int(dims)))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
        if len(dims_a) != len(dims_b):
            raise RuntimeError(
                f"both dimension lists should have same length, got {len(dims_a)} and {len(dims_b)}"
            )
    dims_a = [normalize_dim("tensordot", d, na) for d in dims_a]
    dims_b = [normalize_dim("tensordot", d, nb) for d in dims_b]
    for da, db in zip(dims_a, dims_b, strict=True):
        # a size-1 dim broadcasts against the other, which is summed right away (as PyTorch)
        if b._data.shape[db] == 1 and a._data.shape[da] != 1:
            a = ops.sum(a, da, keepdim=True)
        elif a._data.shape[da] == 1 and b._data.shape[db] != 1:
            b = ops.sum(b, db, keepdim=True)
        elif a._data.shape[da] != b._data.shape[db]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size "
                f"{a._data.shape[da]} in dim {da} and second has size {b._data.shape[db]} in "
                f"dim {db}"
            )
    labels_a = list(_LETTERS[:na])
    labels_b = list(_LETTERS[na : na + nb])
    for da, db in zip(dims_a, dims_b, strict=True):
        labels_b[db] = labels_a[da]
    out = [c for i, c in enumerate(labels_a) if i not in dims_a]
    out += [c for i, c in enumerate(labels_b) if i not in dims_b]
    equation = f"{''.join(labels_a)},{''.join(labels_b)}->{''.join(out)}"
    return ops.einsum(equation, a, b)  # type: ignore[no-any-return]


def vander(x: Tensor, *, N: int | None = None) -> Tensor:  # noqa: N803
    """``torch.linalg.vander``: columns ``x**0, x**1, ..., x**(N-1)`` (increasing powers).

    ``x`` is ``(..., n)`` (0-d counts as ``(1,)``) and the result ``(..., n, N)``; ``N``
    defaults to n. Computed as a cumulative product, as PyTorch.

    Raises:
        RuntimeError: for ``N <= 1``.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.vander(mt.tensor([1.0, 2.0, 3.0]))
        tensor([[1., 1., 1.],
                [1., 2., 4.],
                [1., 3., 9.]])
    """
    if x._data.ndim == 0:  # a 0-d x is one value, as PyTorch
        x = x.reshape((1,))
    n = x._data.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    column = x.unsqueeze(-1)
    ones = Tensor._make(np.ones(x._data.shape + (1,), x._data.dtype))
    powers = ops.cat([ones, column.expand(x._data.shape + (n - 1,))], -1)
    return ops.cumprod(powers, -1)  # type: ignore[no-any-return]
