"""Views with the dims reordered: transpose (swapaxes, swapdims), t, permute, movedim.

As in PyTorch the results are views of the input (NumPy views sharing its version counter).
Each backward applies the inverse reordering to the gradient: NumPy on arrays, the public op on
Tensors (under ``create_graph=True``), so every derivative is written once.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import normalize_dim
from microtensor.ops.shape import _ints
from microtensor.tensor import Tensor

__all__ = ["movedim", "permute", "swapaxes", "swapdims", "t", "transpose"]


class Transpose(Op):
    """z = a with dims d0 and d1 swapped;  dz/da = grad_out with them swapped back."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, dim0: int, dim1: int) -> Any:
        ctx.dims = (dim0, dim1)
        return np.swapaxes(a, dim0, dim1) if a.ndim else a[...]

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        if dual.is_array(grad_out):
            return np.swapaxes(grad_out, *ctx.dims) if grad_out.ndim else grad_out
        return transpose(grad_out, *ctx.dims)


class MatrixTranspose(Transpose, node_name="TBackward0"):
    """``t()``: the transpose of a matrix (torch's t, whose node is TBackward0)."""


class Permute(Op):
    """z = a with dims reordered (z's dim i is a's dims[i]);  dz/da = grad_out, order inverted."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, dims: tuple[int, ...]) -> Any:
        ctx.inverse = tuple(builtins.int(i) for i in np.argsort(dims))
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        if dual.is_array(grad_out):
            return np.transpose(grad_out, ctx.inverse)
        return permute(grad_out, ctx.inverse)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """A view of ``input`` with dims ``dim0`` and ``dim1`` swapped.

    Raises:
        IndexError: for a dim out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.transpose(mt.zeros(2, 3, 4), 0, -1).shape
        microtensor.Size([4, 3, 2])
    """
    ndim = input._data.ndim
    d0, d1 = normalize_dim("transpose", dim0, ndim), normalize_dim("transpose", dim1, ndim)
    return Transpose.apply(input, d0, d1)  # type: ignore[no-any-return]


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:  # noqa: A002
    """The transpose of a matrix; 0-d and 1-D inputs come back unchanged (as a view).

    Raises:
        RuntimeError: for an input with more than 2 dims (use ``transpose`` or ``mT``).

    Example:
        >>> import microtensor as mt
        >>> mt.t(mt.tensor([[1, 2]]))
        tensor([[1],
                [2]])
    """
    if input._data.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is "
            f"{input._data.ndim}D; use transpose(dim0, dim1) or .mT instead"
        )
    ndim = input._data.ndim
    return MatrixTranspose.apply(input, 0, ndim - 1 if ndim else 0)  # type: ignore[no-any-return]


def permute(input: Tensor, dims: Any) -> Tensor:  # noqa: A002
    """A view of ``input`` with its dims reordered: dim i of the result is dim ``dims[i]``.

    Raises:
        RuntimeError: if ``dims`` is not a reordering of all the dims.
        IndexError: for a dim out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.permute(mt.zeros(2, 3, 4), (2, 0, 1)).shape
        microtensor.Size([4, 2, 3])
    """
    ndim = input._data.ndim
    dims = _ints("permute", "dims", dims)
    if len(dims) != ndim:
        raise RuntimeError(
            f"permute(): number of dimensions in the tensor input does not match the length of "
            f"the desired ordering of dimensions i.e. input.dim() = {ndim} is not equal to "
            f"len(dims) = {len(dims)}; give one entry per dim"
        )
    dims = tuple(normalize_dim("permute", d, ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"permute(): duplicate dims are not allowed, got {list(dims)}")
    return Permute.apply(input, dims)  # type: ignore[no-any-return]


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:  # noqa: A002
    """Move dims ``source`` to positions ``destination``; the other dims keep their order.

    Raises:
        RuntimeError: if ``source`` and ``destination`` differ in length or repeat a dim.
        IndexError: for a dim out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.movedim(mt.zeros(2, 3, 4), 0, -1).shape
        microtensor.Size([3, 4, 2])
    """
    ndim = input._data.ndim
    src, dst = _ints("movedim", "source", source), _ints("movedim", "destination", destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)"
        )
    src = tuple(normalize_dim("movedim", d, ndim) for d in src)
    dst = tuple(normalize_dim("movedim", d, ndim) for d in dst)
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(dims)})")
    order = [d for d in range(ndim) if d not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return permute(input, order)
