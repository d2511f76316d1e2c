"""Views with a new shape: reshape, view, flatten, squeeze, unsqueeze, expand, atleast_nd.

The views that reorder dims (transpose, permute, movedim) are in ``transposing.py``.

As in PyTorch, the results are views: NumPy views of the input's array that share its version
counter, so writes to one show in the other (``reshape`` copies when no view is possible).

Each backward is the inverse rearrangement of the gradient, done with NumPy on arrays and with
the public op on Tensors (under ``create_graph=True``), so every derivative is written once and
can be differentiated again.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor._numpy_names import numpy_names
from microtensor.autograd.function import Op
from microtensor.ops._common import normalize_dim, normalize_dims
from microtensor.tensor import Tensor

__all__ = [
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "expand",
    "flatten",
    "ravel",
    "reshape",
    "squeeze",
    "unflatten",
    "unsqueeze",
    "view",
]


class Reshape(Op):
    """z = a with a new shape (elements in row-major order);  dz/da = grad_out reshaped back."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, shape: tuple[int, ...]) -> Any:
        ctx.shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return grad_out.reshape(ctx.shape)


class View(Reshape):
    """z = a viewed with a new shape;  dz/da = grad_out reshaped back."""


# torch's reshape records a view's node when it can view the input, else a copy's.
class ReshapeAsView(Reshape, node_name="ViewBackward0"):
    """``reshape`` of a contiguous input (a view)."""


class ReshapeAlias(Reshape, node_name="ReshapeAliasBackward0"):
    """``reshape`` of a non-contiguous input that can still be viewed with the new shape."""


class ReshapeCopy(Reshape, node_name="UnsafeViewBackward0"):
    """``reshape`` that must copy (a transposed input, say)."""


def _can_view(data: np.ndarray, shape: tuple[int, ...]) -> bool:
    """Whether ``data`` can be seen with ``shape`` without a copy (NumPy's rule is torch's)."""
    try:
        np.reshape(data, shape, copy=False)
    except ValueError:
        return False
    return True


def _reshape_class(data: np.ndarray, shape: tuple[int, ...]) -> type[Reshape]:
    """The op of ``reshape`` of ``data``, a non-contiguous array (a contiguous one: a view)."""
    return ReshapeAlias if _can_view(data, shape) else ReshapeCopy


class Squeeze(Reshape):
    """z = a without some size-1 dims;  dz/da = grad_out reshaped back."""


class SqueezeDim(Squeeze, node_name="SqueezeBackward1"):
    """``squeeze(dim)`` with one dim (torch's squeeze.dim overload)."""


class SqueezeDims(Squeeze, node_name="SqueezeBackward2"):
    """``squeeze(dims)`` with a tuple of dims (torch's squeeze.dims overload)."""


class Unsqueeze(Reshape):
    """z = a with a new size-1 dim;  dz/da = grad_out reshaped back."""


class Expand(Op):
    """z = a broadcast to a larger shape (a read-only view);  dz/da = 1 per copy.

    backward returns grad_out as is: the engine sums it back over the broadcast dims.
    """

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, shape: tuple[int, ...]) -> Any:
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return grad_out


# --- argument handling ------------------------------------------------------------------------


def _ints(op: str, name: str, values: Any) -> tuple[int, ...]:
    """A size or dims argument (an int or a sequence of ints) as a tuple of Python ints."""
    seq = values if isinstance(values, Sequence | np.ndarray) else (values,)
    try:
        return tuple(operator.index(v) for v in seq)
    except TypeError:
        raise TypeError(
            f"{op}(): {name} must be an int or a sequence of ints, got {values!r}"
        ) from None


def _target_shape(op: str, shape: Any, input_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The checked shape argument of reshape/view; fast for a tuple of sizes that fit."""
    if shape.__class__ is tuple and all([n.__class__ is int and n >= 0 for n in shape]):
        if math.prod(shape) == math.prod(input_shape):
            return shape  # type: ignore[no-any-return]
    return _infer_shape(op, _ints(op, "shape", shape), input_shape)


def _infer_shape(op: str, shape: tuple[int, ...], input_shape: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with its -1 (if any) filled in so the element count matches ``input_shape``."""
    numel = math.prod(input_shape)
    inferred = [i for i, n in enumerate(shape) if n == -1]
    for i, n in enumerate(shape):
        if n < -1:
            raise RuntimeError(
                f"{op}(): invalid shape dimension {n} at index {i} of shape "
                f"{list(shape)}: sizes must be non-negative (or -1 to infer one)"
            )
    if len(inferred) > 1:
        raise RuntimeError(f"{op}(): only one dimension can be inferred, got shape {list(shape)}")
    known = math.prod(n for n in shape if n != -1)
    if inferred and known == 0 and numel == 0:
        raise RuntimeError(
            f"{op}(): cannot reshape tensor of 0 elements into shape {list(shape)} because the "
            "unspecified dimension size -1 can be any value and is ambiguous"
        )
    if inferred and known and numel % known == 0:
        return tuple(numel // known if n == -1 else n for n in shape)
    if not inferred and known == numel:
        return shape
    raise RuntimeError(
        f"{op}(): shape '{list(shape)}' is invalid for input of size {numel} (input shape "
        f"{tuple(input_shape)}): the sizes must multiply to {numel}"
    )


def _expanded_shape(op: str, shape: tuple[int, ...], sizes: tuple[int, ...]) -> tuple[int, ...]:
    """PyTorch's expand rule: -1 keeps a size, new dims go in front, only size-1 dims grow."""
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise RuntimeError(
            f"{op}(): the number of sizes provided ({len(sizes)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({len(shape)}); got sizes {list(sizes)} "
            f"for a tensor of shape {tuple(shape)}"
        )
    out = []
    for i, n in enumerate(sizes):
        if i < lead:
            if n < 0:
                raise RuntimeError(
                    f"{op}(): the expanded size of the tensor ({n}) isn't allowed in a leading, "
                    f"non-existing dimension {i}"
                )
            out.append(n)
            continue
        have = shape[i - lead]
        if n != -1 and (n != have and have != 1 or n < 0):
            raise RuntimeError(
                f"{op}(): the expanded size of the tensor ({n}) must match the existing size "
                f"({have}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(shape)}; only size-1 dims can be expanded"
            )
        out.append(have if n == -1 else n)
    return tuple(out)


# --- public functions -------------------------------------------------------------------------


def reshape(input: Tensor, shape: Any) -> Tensor:  # noqa: A002
    """The elements of ``input`` with a new shape; one size may be -1 (inferred).

    A view when NumPy can make one (always for a contiguous input), a copy otherwise.

    Raises:
        RuntimeError: if the sizes don't multiply to ``input.numel()``, or several are -1.

    Example:
        >>> import microtensor as mt
        >>> mt.reshape(mt.arange(6), (2, -1))
        tensor([[0, 1, 2],
                [3, 4, 5]])
    """
    data = input._data
    shape = _target_shape("reshape", shape, data.shape)
    op = ReshapeAsView if data.flags.c_contiguous else _reshape_class(data, shape)
    return op.apply(input, shape)  # type: ignore[no-any-return]


def view(input: Tensor, shape: Any) -> Tensor:  # noqa: A002
    """``input`` seen with a new shape (shares memory); one size may be -1.

    Raises:
        RuntimeError: if the sizes don't multiply to ``input.numel()``, or several are -1; or
            if the input's strides cannot be seen with the new shape without a copy (a
            transposed tensor flattened, say), as in torch: use ``reshape`` there.

    Example:
        >>> import microtensor as mt
        >>> mt.ops.view(mt.arange(4.0), (2, 2))
        tensor([[0., 1.],
                [2., 3.]])
    """
    data = input._data
    target = _target_shape("view", shape, data.shape)
    if not data.flags.c_contiguous and not _can_view(data, target):
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead. "
            f"(view{target} of an input of shape {data.shape} with strides "
            f"{tuple(s // data.itemsize for s in data.strides)})"
        )
    return View.apply(input, target)  # type: ignore[no-any-return]


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Merge dims ``start_dim`` to ``end_dim`` (inclusive) into one; a 0-d input gives shape (1,).

    Raises:
        IndexError: for a dim out of range.
        RuntimeError: if ``start_dim`` comes after ``end_dim``.

    Example:
        >>> import microtensor as mt
        >>> mt.flatten(mt.zeros(2, 3, 4), 1).shape
        microtensor.Size([2, 12])
    """
    shape = input._data.shape
    start = normalize_dim("flatten", start_dim, len(shape))
    end = normalize_dim("flatten", end_dim, len(shape))
    if start > end:
        raise RuntimeError(
            f"flatten() has invalid args: start_dim cannot come after end_dim "
            f"(got start_dim={start_dim}, end_dim={end_dim})"
        )
    new = shape[:start] + (math.prod(shape[start : end + 1]),) + shape[end + 1 :]
    data = input._data
    op = ReshapeAsView if data.flags.c_contiguous else _reshape_class(data, new)
    return op.apply(input, new)  # type: ignore[no-any-return]


@numpy_names
def unflatten(input: Tensor, dim: int, sizes: Any) -> Tensor:  # noqa: A002
    """Split dim ``dim`` into ``sizes`` (one of them may be -1).

    Raises:
        IndexError: for a dim out of range.
        RuntimeError: if ``sizes`` is empty or doesn't multiply to the dim's size.

    Example:
        >>> import microtensor as mt
        >>> mt.unflatten(mt.zeros(2, 6), 1, (3, -1)).shape
        microtensor.Size([2, 3, 2])
    """
    shape = input._data.shape
    d = normalize_dim("unflatten", dim, len(shape))
    sizes = _ints("unflatten", "sizes", sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        sizes = _infer_shape("unflatten", sizes, shape[d : d + 1])
    except RuntimeError:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
            f"size of dim {dim} ({shape[d]}) in the input tensor"
        ) from None
    return View.apply(input, shape[:d] + sizes + shape[d + 1 :])  # type: ignore[no-any-return]


@numpy_names
def squeeze(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """A view of ``input`` without its size-1 dims (only those in ``dim`` when given).

    A dim in ``dim`` whose size is not 1 is left alone, as in PyTorch.

    Raises:
        IndexError: for a dim out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.squeeze(mt.zeros(2, 1, 3, 1)).shape, mt.squeeze(mt.zeros(2, 1, 3, 1), 1).shape
        (microtensor.Size([2, 3]), microtensor.Size([2, 3, 1]))
    """
    shape = input._data.shape
    op: type[Squeeze] = Squeeze
    if dim is None:
        dims = tuple(range(len(shape)))
    else:
        op = SqueezeDims if isinstance(dim, Sequence) else SqueezeDim
        empty = isinstance(dim, Sequence) and not dim
        dims = () if empty else normalize_dims("squeeze", dim, len(shape))
    new = tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1))
    return op.apply(input, new)  # type: ignore[no-any-return]


@numpy_names
def unsqueeze(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """A view of ``input`` with a size-1 dim inserted at ``dim`` (negative counts from the end).

    Raises:
        IndexError: if ``dim`` is outside ``[-input.dim() - 1, input.dim()]``.

    Example:
        >>> import microtensor as mt
        >>> mt.unsqueeze(mt.zeros(2, 3), -1).shape
        microtensor.Size([2, 3, 1])
    """
    shape = input._data.shape
    d = normalize_dim("unsqueeze", dim, len(shape) + 1)
    return Unsqueeze.apply(input, shape[:d] + (1,) + shape[d:])  # type: ignore[no-any-return]


def expand(input: Tensor, sizes: Any) -> Tensor:  # noqa: A002
    """A read-only broadcast view of ``input`` with size-1 dims repeated to ``sizes``.

    -1 keeps a dim's size; extra sizes add new leading dims. No memory is copied; call
    ``clone()`` on the result before writing to it.

    Raises:
        RuntimeError: if a dim whose size is not 1 would change, or ``sizes`` is too short.

    Example:
        >>> import microtensor as mt
        >>> mt.ops.expand(mt.tensor([[1], [2]]), (2, -1, 3))
        tensor([[[1, 1, 1],
                 [2, 2, 2]],
        <BLANKLINE>
                [[1, 1, 1],
                 [2, 2, 2]]])
    """
    shape = _expanded_shape("expand", input._data.shape, _ints("expand", "sizes", sizes))
    return Expand.apply(input, shape)  # type: ignore[no-any-return]


def ravel(input: Tensor) -> Tensor:  # noqa: A002
    """The elements as a 1-d tensor: ``reshape(input, (-1,))``.

    Example:
        >>> import microtensor as mt
        >>> mt.ravel(mt.tensor([[1, 2], [3, 4]]))
        tensor([1, 2, 3, 4])
    """
    return reshape(input, (-1,))


def _atleast(tensors: tuple[Any, ...], ndim: int) -> Any:
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    items = tensors[0] if len(tensors) == 1 and not single else tensors
    out = []
    for t in items:
        shape = t._data.shape
        if len(shape) < ndim:
            if ndim == 3 and len(shape) == 1:
                shape = (1, shape[0], 1)
            elif ndim == 3 and len(shape) == 2:
                shape = (*shape, 1)
            else:
                shape = (1,) * (ndim - len(shape)) + shape
            t = reshape(t, shape)
        out.append(t)
    return out[0] if single else tuple(out)


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least 1 dim (a 0-d tensor becomes shape (1,)); others unchanged.

    One tensor gives a tensor; several (or a list) give a tuple.

    Example:
        >>> import microtensor as mt
        >>> mt.atleast_1d(mt.tensor(1.0))
        tensor([1.])
    """
    return _atleast(tensors, 1)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 dims: 0-d becomes (1, 1), 1-d (n,) becomes (1, n).

    Example:
        >>> import microtensor as mt
        >>> mt.atleast_2d(mt.tensor([1, 2])).shape
        microtensor.Size([1, 2])
    """
    return _atleast(tensors, 2)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least 3 dims: (n,) becomes (1, n, 1), (m, n) becomes (m, n, 1).

    Example:
        >>> import microtensor as mt
        >>> mt.atleast_3d(mt.tensor([1, 2])).shape, mt.atleast_3d(mt.ones(2, 3)).shape
        (microtensor.Size([1, 2, 1]), microtensor.Size([2, 3, 1]))
    """
    return _atleast(tensors, 3)
