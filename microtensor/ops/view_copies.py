"""The ``*_copy`` ops: each view op's result as a tensor with its own memory.

PyTorch offers these functional twins of its view ops (``transpose_copy`` is
``transpose(...).clone()``). Each is the view op followed by ``clone``, so gradients and
second derivatives are the view op's.
"""

from __future__ import annotations

from typing import Any

from microtensor import ops
from microtensor._numpy_names import numpy_names
from microtensor.ops._common import normalize_dim
from microtensor.ops.rearrange import unfold
from microtensor.tensor import Tensor

# fmt: off
__all__ = [
    "alias_copy", "detach_copy", "diagonal_copy", "expand_copy", "permute_copy", "select_copy",
    "slice_copy", "slice_inverse", "split_copy", "split_with_sizes_copy", "squeeze_copy",
    "t_copy", "transpose_copy", "unbind_copy", "unfold_copy", "unsafe_split_with_sizes",
    "unsqueeze_copy", "view_as_complex_copy", "view_as_real_copy", "view_copy",
]
# fmt: on


def alias_copy(input: Tensor) -> Tensor:  # noqa: A002
    """A copy of ``input`` (``alias`` is a view of the whole tensor).

    Example:
        >>> import microtensor as mt
        >>> mt.alias_copy(mt.tensor([1, 2]))
        tensor([1, 2])
    """
    return ops.clone(input)


def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """``diagonal(input, offset, dim1, dim2)`` as a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.diagonal_copy(mt.tensor([[1, 2], [3, 4]]))
        tensor([1, 4])
    """
    return ops.clone(ops.diagonal(input, offset, dim1, dim2))


def expand_copy(input: Tensor, size: Any) -> Tensor:  # noqa: A002
    """``input.expand(size)`` as a copy (each element written out).

    Example:
        >>> import microtensor as mt
        >>> mt.expand_copy(mt.tensor([[1], [2]]), (2, 2))
        tensor([[1, 1],
                [2, 2]])
    """
    return ops.clone(ops.expand(input, size))


def permute_copy(input: Tensor, dims: Any) -> Tensor:  # noqa: A002
    """``permute(input, dims)`` as a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.permute_copy(mt.ones(2, 3), (1, 0)).shape
        microtensor.Size([3, 2])
    """
    return ops.clone(ops.permute(input, dims))


@numpy_names
def squeeze_copy(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """``squeeze(input, dim)`` as a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.squeeze_copy(mt.ones(2, 1)).shape
        microtensor.Size([2])
    """
    return ops.clone(ops.squeeze(input, dim))


@numpy_names
def unsqueeze_copy(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """``unsqueeze(input, dim)`` as a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.unsqueeze_copy(mt.ones(2), 0).shape
        microtensor.Size([1, 2])
    """
    return ops.clone(ops.unsqueeze(input, dim))


def t_copy(input: Tensor) -> Tensor:  # noqa: A002
    """``t(input)`` as a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.t_copy(mt.ones(2, 3)).shape
        microtensor.Size([3, 2])
    """
    return ops.clone(ops.t(input))


def transpose_copy(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """``transpose(input, dim0, dim1)`` as a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.transpose_copy(mt.ones(2, 3), 0, 1).shape
        microtensor.Size([3, 2])
    """
    return ops.clone(ops.transpose(input, dim0, dim1))


def view_copy(input: Tensor, size: Any) -> Tensor:  # noqa: A002
    """``input.view(size)`` as a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.view_copy(mt.ones(2, 3), (3, 2)).shape
        microtensor.Size([3, 2])
    """
    return ops.clone(ops.view(input, size))


def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:  # noqa: A002
    """``input.unfold(dimension, size, step)`` (already a copy in microtensor).

    Example:
        >>> import microtensor as mt
        >>> mt.unfold_copy(mt.arange(4), 0, 2, 2)
        tensor([[0, 1],
                [2, 3]])
    """
    return unfold(input, dimension, size, step)


@numpy_names
def unbind_copy(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``unbind(input, dim)`` with each slice a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.unbind_copy(mt.tensor([[1, 2], [3, 4]]), 1)
        (tensor([1, 3]), tensor([2, 4]))
    """
    return tuple(ops.clone(t) for t in ops.unbind(input, dim))


@numpy_names
def split_with_sizes_copy(input: Tensor, split_sizes: Any, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``split_with_sizes(input, split_sizes, dim)`` with each piece a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.split_with_sizes_copy(mt.arange(3), [1, 2])
        (tensor([0]), tensor([1, 2]))
    """
    return tuple(ops.clone(t) for t in ops.split_with_sizes(input, split_sizes, dim))


def detach_copy(input: Tensor) -> Tensor:  # noqa: A002
    """``input.detach()`` as a copy: same values, own memory, outside the graph.

    Differs from PyTorch: torch 2.13 marks the copy as requiring grad with a backward that
    raises (``grad_fn=<NotImplemented>``); here it is detached, as ``detach``.

    Example:
        >>> import microtensor as mt
        >>> x = mt.ones(2, requires_grad=True)
        >>> mt.detach_copy(x).requires_grad
        False
    """
    return ops.clone(input.detach())


@numpy_names
def select_copy(input: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """``select(input, dim, index)`` as a copy.

    Example:
        >>> import microtensor as mt
        >>> mt.select_copy(mt.tensor([[1, 2], [3, 4]]), 1, -1)
        tensor([2, 4])
    """
    return ops.clone(ops.select(input, dim, index))


def _slice_key(name: str, input: Tensor, dim: int, start: Any, end: Any, step: int) -> Any:  # noqa: A002
    """The indexing key of aten's ``slice(input, dim, start, end, step)``."""
    if step <= 0:
        raise RuntimeError(f"{name}(): slice step must be positive, got {step}")
    dim = normalize_dim(name, dim, input.ndim)
    return (slice(None),) * dim + (slice(start, end, step),)


def slice_copy(
    input: Tensor,  # noqa: A002
    dim: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
) -> Tensor:
    """The aten ``slice``, ``input[..., start:end:step, ...]`` along ``dim``, as a copy.

    Raises:
        RuntimeError: if ``step`` is not positive.

    Example:
        >>> import microtensor as mt
        >>> mt.slice_copy(mt.arange(12).reshape(3, 4), 1, 1, None, 2)
        tensor([[ 1,  3],
                [ 5,  7],
                [ 9, 11]])
    """
    return ops.clone(input[_slice_key("slice_copy", input, dim, start, end, step)])


def slice_inverse(
    input: Tensor,  # noqa: A002
    src: Tensor,
    dim: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
) -> Tensor:
    """The base a slice came from: ``src`` with ``input`` in its ``start:end:step`` slice.

    ``input`` is ``src``'s slice along ``dim`` (as functionalization records it), so the
    result is ``slice_scatter(src, input, dim, start, end, step)``; the gradient of
    ``input`` is the slice of the upstream gradient, that of ``src`` the rest, as torch's.

    Differs from PyTorch: torch returns a view of ``input``'s storage with ``src``'s sizes
    and strides; microtensor builds the same values as a new tensor.

    Raises:
        RuntimeError: if ``step`` is not positive or ``input`` is not that slice's shape.

    Example:
        >>> import microtensor as mt
        >>> mt.slice_inverse(mt.ones(2), mt.zeros(4), 0, 0, 4, 2)
        tensor([1., 0., 1., 0.])
    """
    _slice_key("slice_inverse", input, dim, start, end, step)
    return ops.slice_scatter(src, input, dim, start, end, step)


@numpy_names
def split_copy(input: Tensor, split_size: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``split(input, split_size, dim)`` with each piece a copy (``split_size`` an int).

    Raises:
        TypeError: if ``split_size`` is not an int (``split_with_sizes_copy`` takes sizes).

    Example:
        >>> import microtensor as mt
        >>> mt.split_copy(mt.arange(5), 2)
        (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    """
    if not isinstance(split_size, int) or isinstance(split_size, bool):
        raise TypeError(
            "split_copy(): argument 'split_size' (position 2) must be int, not "
            f"{type(split_size).__name__}: use split_with_sizes_copy for a list of sizes"
        )
    return tuple(ops.clone(t) for t in ops.split(input, split_size, dim))


@numpy_names
def unsafe_split_with_sizes(input: Tensor, split_sizes: Any, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``split_with_sizes(input, split_sizes, dim)``, whose pieces torch does not track as views.

    Each piece here is a copy, so writing to one never reaches ``input`` (torch leaves that
    undefined: the "unsafe" of the name).

    Raises:
        RuntimeError: if the sizes do not sum to ``input.size(dim)``.

    Example:
        >>> import microtensor as mt
        >>> mt.unsafe_split_with_sizes(mt.arange(3), [2, 1])
        (tensor([0, 1]), tensor([2]))
    """
    return tuple(ops.clone(t) for t in ops.split_with_sizes(input, split_sizes, dim))


def view_as_real_copy(input: Tensor) -> Tensor:  # noqa: A002
    """``view_as_real(input)`` as a copy: a complex tensor's (real, imag) pairs in a last dim.

    Raises:
        RuntimeError: if ``input`` is not complex.

    Example:
        >>> import microtensor as mt
        >>> mt.view_as_real_copy(mt.tensor([1 + 2j]))
        tensor([[1., 2.]])
    """
    return ops.clone(ops.view_as_real(input))


def view_as_complex_copy(input: Tensor) -> Tensor:  # noqa: A002
    """``view_as_complex(input)`` as a copy: a last dim of size 2 read as (real, imag).

    Raises:
        RuntimeError: if the last dim does not have size 2 and stride 1.

    Example:
        >>> import microtensor as mt
        >>> mt.view_as_complex_copy(mt.tensor([[1.0, 2.0]]))
        tensor([1.+2.j])
    """
    return ops.clone(ops.view_as_complex(input))
