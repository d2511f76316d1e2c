"""Ops that copy elements into a new arrangement: repeat, tile, flip, roll, tril, triu.

Also repeat_interleave, a selection (``GetItem``) at repeated positions.

Each backward is the adjoint rearrangement of the gradient (NumPy on arrays, the public op on
Tensors under ``create_graph=True``), so second derivatives come for free.
"""

from __future__ import annotations

import builtins
import operator
from typing import Any

import numpy as np

from microtensor._numpy_names import numpy_names
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import normalize_dim, normalize_dims
from microtensor.ops.indexing import GetItem
from microtensor.ops.shape import _ints, reshape
from microtensor.ops.transposing import movedim, transpose
from microtensor.tensor import Tensor

# fmt: off
__all__ = [
    "flip", "fliplr", "flipud", "repeat", "repeat_interleave", "roll", "rot90", "tile", "tril",
    "triu",
]
# fmt: on


class Repeat(Op):
    """z = a tiled repeats[i] times along dim i;  dz/da = grad_out summed over the copies."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, repeats: tuple[int, ...]) -> Any:
        ctx.shape, ctx.repeats = a.shape, repeats
        return np.tile(a, repeats)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        repeats = ctx.repeats
        if not repeats:
            return grad_out
        sizes = (1,) * (len(repeats) - len(ctx.shape)) + ctx.shape
        # view each dim as (copy, element) so the copies sit on even axes
        split = tuple(n for pair in zip(repeats, sizes, strict=True) for n in pair)
        copies = tuple(range(0, 2 * len(repeats), 2))
        return dual.sum(grad_out.reshape(split), copies).reshape(ctx.shape)


class Flip(Op):
    """z = a reversed along dims;  dz/da = grad_out reversed along the same dims."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, dims: tuple[int, ...]) -> Any:
        ctx.dims = dims
        return np.flip(a, dims).copy()  # PyTorch's flip copies: writes never reach the input

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        if dual.is_array(grad_out):
            return np.flip(grad_out, ctx.dims)
        return flip(grad_out, ctx.dims)


class Roll(Op):
    """z = a shifted cyclically by shifts along dims;  dz/da = grad_out shifted back."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, shifts: Any, dims: Any) -> Any:
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(a, shifts, axis=dims)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        back = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        if dual.is_array(grad_out):
            return np.roll(grad_out, back, axis=ctx.dims)
        return roll(grad_out, back, ctx.dims)


class Tril(Op):
    """z = a with the elements above the diagonal zeroed;  dz/da = tril(grad_out)."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, diagonal: int) -> Any:
        ctx.diagonal = diagonal
        return np.tril(a, diagonal)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        if dual.is_array(grad_out):
            return np.tril(grad_out, ctx.diagonal)
        return tril(grad_out, ctx.diagonal)


class Triu(Op):
    """z = a with the elements below the diagonal zeroed;  dz/da = triu(grad_out)."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, diagonal: int) -> Any:
        ctx.diagonal = diagonal
        return np.triu(a, diagonal)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        if dual.is_array(grad_out):
            return np.triu(grad_out, ctx.diagonal)
        return triu(grad_out, ctx.diagonal)


def repeat(input: Tensor, sizes: Any) -> Tensor:  # noqa: A002
    """``input`` copied ``sizes[i]`` times along each dim (extra sizes add leading dims).

    Raises:
        RuntimeError: if ``sizes`` has fewer entries than ``input`` has dims, or a negative one.

    Example:
        >>> import microtensor as mt
        >>> mt.ops.repeat(mt.tensor([1, 2]), (2, 2))
        tensor([[1, 2, 1, 2],
                [1, 2, 1, 2]])
    """
    repeats = _ints("repeat", "sizes", sizes)
    if len(repeats) < input._data.ndim:
        raise RuntimeError(
            f"repeat(): Number of dimensions of repeat dims ({len(repeats)}) can not be smaller "
            f"than number of dimensions of tensor ({input._data.ndim})"
        )
    if any(r < 0 for r in repeats):
        raise RuntimeError(f"repeat(): repeats must be non-negative, got {list(repeats)}")
    return Repeat.apply(input, repeats)  # type: ignore[no-any-return]


def tile(input: Tensor, dims: Any) -> Tensor:  # noqa: A002
    """``repeat`` with ``dims`` padded with leading 1s to ``input``'s number of dims.

    Raises:
        RuntimeError: for a negative repeat count.

    Example:
        >>> import microtensor as mt
        >>> mt.tile(mt.tensor([[1, 2]]), (2,))
        tensor([[1, 2, 1, 2]])
    """
    reps = _ints("tile", "dims", dims)
    return repeat(input, (1,) * (input._data.ndim - len(reps)) + reps)


def flip(input: Tensor, dims: Any) -> Tensor:  # noqa: A002
    """A copy of ``input`` with the order of elements reversed along ``dims``.

    Raises:
        IndexError: for a dim out of range.
        RuntimeError: for a repeated dim.

    Example:
        >>> import microtensor as mt
        >>> mt.flip(mt.tensor([[1, 2], [3, 4]]), (1,))
        tensor([[2, 1],
                [4, 3]])
    """
    dims = _ints("flip", "dims", dims)
    dims = normalize_dims("flip", dims, input._data.ndim) if dims else ()
    return Flip.apply(input, dims)  # type: ignore[no-any-return]


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:  # noqa: A002
    """Shift elements cyclically by ``shifts`` along ``dims`` (the flattened tensor if None).

    Raises:
        RuntimeError: if ``shifts`` and ``dims`` differ in length.
        IndexError: for a dim out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.roll(mt.tensor([1, 2, 3, 4]), 1)
        tensor([4, 1, 2, 3])
    """
    shift_tuple = _ints("roll", "shifts", shifts)
    dim_tuple = () if dims is None else _ints("roll", "dims", dims)
    if len(shift_tuple) != builtins.max(len(dim_tuple), 1):
        raise RuntimeError(
            f"roll(): shifts and dimensions must align. shifts: "
            f"{len(shift_tuple)}, dims:{len(dim_tuple)}"
        )
    if dims is None:
        return Roll.apply(input, shift_tuple[0], None)  # type: ignore[no-any-return]
    dim_tuple = tuple(normalize_dim("roll", d, input._data.ndim) for d in dim_tuple)
    return Roll.apply(input, shift_tuple, dim_tuple)  # type: ignore[no-any-return]


def fliplr(input: Tensor) -> Tensor:  # noqa: A002
    """``flip(input, [1])``: reverse the columns; needs at least 2 dims.

    Raises:
        RuntimeError: for fewer than 2 dims.

    Example:
        >>> import microtensor as mt
        >>> mt.fliplr(mt.tensor([[1, 2, 3]]))
        tensor([[3, 2, 1]])
    """
    if input._data.ndim < 2:
        raise RuntimeError(f"fliplr(): Input must be >= 2-d, got {input._data.ndim}-d")
    return flip(input, [1])


def flipud(input: Tensor) -> Tensor:  # noqa: A002
    """``flip(input, [0])``: reverse the rows; needs at least 1 dim.

    Raises:
        RuntimeError: for a 0-d input.

    Example:
        >>> import microtensor as mt
        >>> mt.flipud(mt.tensor([1, 2, 3]))
        tensor([3, 2, 1])
    """
    if input._data.ndim < 1:
        raise RuntimeError("flipud(): Input must be >= 1-d, got a 0-d tensor")
    return flip(input, [0])


def rot90(input: Tensor, k: int = 1, dims: Any = (0, 1)) -> Tensor:  # noqa: A002
    """Rotate by ``k`` quarter turns in the plane of ``dims``, from the first towards the second.

    Raises:
        RuntimeError: for ``dims`` that are not two different dims, or fewer than 2 dims.
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.rot90(mt.tensor([[1, 2], [3, 4]]))
        tensor([[2, 4],
                [1, 3]])
    """
    dims = list(dims)
    ndim = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(
            f"rot90(): expected total rotation dims == 2, but got dims = {len(dims)}"
        )
    if ndim < 2:
        raise RuntimeError(f"rot90(): expected total dims >= 2, but got total dims = {ndim}")
    d0, d1 = (normalize_dim("rot90", d, ndim) for d in dims)
    if d0 == d1:
        raise RuntimeError(
            f"rot90(): expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}"
        )
    turns = k % 4
    if turns == 1:
        return transpose(flip(input, [d1]), d0, d1)
    if turns == 2:
        return flip(input, [d0, d1])
    if turns == 3:
        return transpose(flip(input, [d0]), d0, d1)
    return input.clone()


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:  # noqa: A002
    """All windows of ``size`` elements, ``step`` apart, along ``dimension``: ``t.unfold``.

    The windows replace ``dimension`` (one entry per window) and their elements form a new
    last dim. Differs from PyTorch: the result is a copy (a selection at computed indices),
    not a strided view.

    Raises:
        RuntimeError: for a window larger than the dim, or ``step`` < 1.
        IndexError: if ``dimension`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.arange(5).unfold(0, 2, 2)
        tensor([[0, 1],
                [2, 3]])
    """
    shape = input._data.shape
    d = normalize_dim("unfold", dimension, len(shape))
    n = shape[d] if shape else 1
    if size > n or size < 0:
        raise RuntimeError(
            f"unfold(): maximum size for tensor at dimension {d} is {n} but size is {size}"
        )
    if step <= 0:
        raise RuntimeError(f"unfold(): step is {step} but must be > 0")
    if not shape:
        return reshape(input, (size,))
    starts = np.arange(0, n - size + 1, step)
    index = starts[:, None] + np.arange(size)
    windows = GetItem.apply(input, ((Ellipsis,), (slice(None),) * d + (index,)))
    return movedim(windows, d + 1, -1)


def _check_matrix(op: str, input: Tensor) -> None:  # noqa: A002
    if input._data.ndim < 2:
        raise RuntimeError(
            f"{op}: input tensor must have at least 2 dimensions, got shape "
            f"{tuple(input._data.shape)}"
        )


def tril(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The lower triangle of each matrix in ``input`` (elements above ``diagonal`` set to 0).

    Raises:
        RuntimeError: for an input with fewer than 2 dims.

    Example:
        >>> import microtensor as mt
        >>> mt.tril(mt.ones(2, 2))
        tensor([[1., 0.],
                [1., 1.]])
    """
    _check_matrix("tril", input)
    return Tril.apply(input, operator.index(diagonal))  # type: ignore[no-any-return]


def triu(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The upper triangle of each matrix in ``input`` (elements below ``diagonal`` set to 0).

    Raises:
        RuntimeError: for an input with fewer than 2 dims.

    Example:
        >>> import microtensor as mt
        >>> mt.triu(mt.ones(2, 2), 1)
        tensor([[0., 1.],
                [0., 0.]])
    """
    _check_matrix("triu", input)
    return Triu.apply(input, operator.index(diagonal))  # type: ignore[no-any-return]


# --- repeat_interleave ------------------------------------------------------------------------


class RepeatInterleave(GetItem, node_name="IndexSelectBackward0"):
    """z = a[:, index] (dim 1) with each position repeated: GetItem at an advanced key.

    torch's node for tensor repeats: an index_select.
    """


class RepeatInterleaveInt(RepeatInterleave, node_name="ViewBackward0"):
    """``repeat_interleave`` with an int: torch expands, copies and views the result."""


@numpy_names
def repeat_interleave(
    input: Tensor,  # noqa: A002
    repeats: Any = None,
    dim: int | None = None,
    *,
    output_size: int | None = None,
) -> Tensor:
    """Repeat each element (or slice along ``dim``) ``repeats`` times, keeping the order.

    ``repeats`` is an int or a 0-d/1-d integer tensor (one count per position of ``dim``, or
    one for all). With ``dim=None`` the input is flattened first. Called with one integer
    tensor only, ``repeat_interleave(repeats)`` gives ``arange(len(repeats))`` repeated.

    Raises:
        RuntimeError: for negative repeats, a repeats tensor that is not 0-d/1-d or whose
            length does not match, or a wrong ``output_size``.
        NotImplementedError: for a floating repeats tensor (as PyTorch).
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> mt.repeat_interleave(x, mt.tensor([1, 2]), dim=0)
        tensor([[1., 2.],
                [3., 4.],
                [3., 4.]])
        >>> mt.repeat_interleave(mt.tensor([2, 1]))
        tensor([0, 0, 1])
    """
    if repeats is None:
        counts = _repeats(input, 0, None)
        return Tensor._make(np.repeat(np.arange(counts.size), counts))
    if dim is None or input._data.ndim == 0:
        input = reshape(input, (-1,))  # noqa: A001
        dim = 0
    d = normalize_dim("repeat_interleave", dim, input._data.ndim)
    counts = _repeats(repeats, input._data.shape[d], d)
    index = np.repeat(np.arange(input._data.shape[d]), counts)
    if output_size is not None and output_size != index.size:
        raise RuntimeError(
            f"repeat_interleave(): output_size={output_size} does not match the repeated size "
            f"{index.size}"
        )
    op = RepeatInterleave if isinstance(repeats, Tensor) else RepeatInterleaveInt
    return op.apply(input, ((Ellipsis,), (slice(None),) * d + (index,)))  # type: ignore[no-any-return]


def _repeats(repeats: Any, size: int, dim: int | None) -> np.ndarray:
    """The repeat counts as an int64 array of length ``size`` (or of its own length)."""
    counts = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if counts.dtype.kind not in "iu":
        raise NotImplementedError(
            f"repeat_interleave(): repeats must be an integer tensor, got {counts.dtype}"
        )
    if counts.ndim > 1:
        raise RuntimeError(
            f"repeat_interleave(): repeats must be 0-dim or 1-dim tensor, got shape "
            f"{list(counts.shape)}"
        )
    if counts.size and counts.min() < 0:
        raise RuntimeError(f"repeat_interleave(): Repeats must be non-negative, got {counts}")
    if dim is None:
        return counts.reshape(-1).astype(np.int64)
    if counts.size == 1:
        return np.full(size, counts.reshape(()), np.int64)
    if counts.size != size:
        raise RuntimeError(
            f"repeat_interleave(): repeats must have the same size as input along dim, but "
            f"got repeats.size(0) = {counts.size} and input.size({dim}) = {size}"
        )
    return counts.astype(np.int64)
