"""Extrema over ``dim``: max/min, amax/amin, aminmax and argmax/argmin.

``max(input, dim)`` also returns the indices; ``max(input, other)`` is the elementwise
``maximum``. ``max`` and ``amax`` differ on ties as PyTorch's: ``max(input, dim)`` sends the
gradient to the one index it returns, ``amax`` shares it evenly among the tied elements.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from microtensor import ops
from microtensor._numpy_names import numpy_names
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import normalize_dim, normalize_dims
from microtensor.ops._pointwise import check_numbers, refuse_complex
from microtensor.ops._short_rows import reduce_kept
from microtensor.ops.reduction import _expand_back
from microtensor.ops.statistics import _reduced_shape
from microtensor.tensor import Tensor

__all__ = ["amax", "amin", "aminmax", "argmax", "argmin", "max", "min"]


class Amax(Op):
    """z = max (or min) of a over dims;  dz/da = 1 / k at each of the k elements equal to z."""

    @staticmethod
    def forward(
        ctx: Any, a: Any, dims: tuple[int, ...], keepdim: bool, lowest: bool, nan_ties: bool
    ) -> Any:
        ctx.dims, ctx.keepdim, ctx.shape = dims, keepdim, a.shape
        ufunc = np.minimum if lowest else np.maximum
        if len(dims) == 1:
            kept = reduce_kept(ufunc, a, dims[0])
        else:
            kept = ufunc.reduce(a, axis=dims, keepdims=True)
        if ctx.needs_input_grad[0]:
            full = len(dims) == a.ndim  # one maximum: a Python count, no array temporaries
            if nan_ties and full and kept.item() != kept.item():
                ctx.mask = np.isnan(a)  # max() shares the gradient among NaNs, as PyTorch
            else:
                ctx.mask = a == kept
            ctx.count = (
                np.count_nonzero(ctx.mask) if full else np.sum(ctx.mask, axis=dims, keepdims=True)
            )
        return kept if keepdim or not dims else kept.reshape(_reduced_shape(a.shape, dims))

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        if isinstance(ctx.count, int) and ctx.count:  # the full reduction (0-d grad_out)
            return grad_out / ctx.count * ctx.mask
        with np.errstate(invalid="ignore", divide="ignore"):  # a NaN slice: 0 / 0, as PyTorch
            return _expand_back(ctx, grad_out) / ctx.count * ctx.mask


class MaxDim(Op):
    """(values, indices) of the max (or min) along one dim;  dvalues/da = 1 at the index."""

    @staticmethod
    def forward(ctx: Any, a: Any, dim: int, keepdim: bool, lowest: bool) -> Any:
        ctx.dims, ctx.keepdim, ctx.shape = (dim,) if a.ndim else (), keepdim, a.shape
        work = a.reshape(1) if a.ndim == 0 else a
        indices = (np.argmin if lowest else np.argmax)(work, axis=dim, keepdims=True)
        values = np.take_along_axis(work, indices, axis=dim)
        if ctx.needs_input_grad[0]:
            mask = np.zeros(work.shape, dtype=bool)
            np.put_along_axis(mask, indices, True, axis=dim)
            ctx.mask = mask.reshape(a.shape)
        if a.ndim == 0:
            values, indices = values.reshape(()), indices.reshape(())
        elif not keepdim:
            values, indices = np.squeeze(values, dim), np.squeeze(indices, dim)
        indices = indices.astype(np.int64, copy=False)
        ctx.mark_non_differentiable(indices)
        return values, indices

    @staticmethod
    def backward(ctx: Any, grad_values: Any, grad_indices: Any) -> Any:
        return dual.where(ctx.mask, _expand_back(ctx, grad_values), 0.0)


# torch's nodes: max() MaxBackward1, max(dim) MaxBackward0, amin AminBackward0 (and min's).
class Max(Amax, node_name="MaxBackward1"):
    """``max()`` over all elements."""


class Min(Amax, node_name="MinBackward1"):
    """``min()`` over all elements."""


class Amin(Amax, node_name="AminBackward0"):
    """``amin``."""


class MaxAlongDim(MaxDim, node_name="MaxBackward0"):
    """``max(dim)``: values and indices."""


class MinAlongDim(MaxDim, node_name="MinBackward0"):
    """``min(dim)``: values and indices."""


class MaxResult(NamedTuple):
    """``(values, indices)`` from ``max(input, dim)``, as ``torch.return_types.max``."""

    values: Tensor
    indices: Tensor

    def __repr__(self) -> str:
        return f"microtensor.return_types.max(\nvalues={self[0]!r},\nindices={self[1]!r})"


class MinResult(NamedTuple):
    """``(values, indices)`` from ``min(input, dim)``, as ``torch.return_types.min``."""

    values: Tensor
    indices: Tensor

    def __repr__(self) -> str:
        return f"microtensor.return_types.min(\nvalues={self[0]!r},\nindices={self[1]!r})"


def _check_reducible(op: str, input: Tensor, dims: tuple[int, ...], dim_given: bool) -> None:  # noqa: A002
    """Raise PyTorch's errors for a max-like reduction without an identity over no elements."""
    shape = input._data.shape
    if not dim_given and input._data.size == 0:
        raise RuntimeError(
            f"{op}(): Expected reduction dim to be specified for input.numel() == 0 (shape "
            f"{shape}). Specify the reduction dim with the 'dim' argument."
        )
    for d in dims:
        if shape[d] == 0:
            raise IndexError(
                f"{op}(): Expected reduction dim {d} to have non-zero size (input shape "
                f"{shape}): reduce over a non-empty dim"
            )


@numpy_names
def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
    """The largest element; or ``(values, indices)`` along ``dim``; or ``maximum(input, dim)``.

    * ``max(input)``: a 0-d tensor. Ties share the gradient evenly (as PyTorch).
    * ``max(input, dim, keepdim=False)``: a ``MaxResult`` with ``.values`` and ``.indices``
      (int64, the first index among ties), also unpackable; the gradient goes to that index.
    * ``max(input, other)`` with a tensor ``other``: the elementwise ``maximum``.

    Raises:
        RuntimeError: for an empty input without ``dim``.
        IndexError: if ``dim`` is out of range or its size is 0.
        TypeError: for a tuple ``dim`` (use ``amax``), or ``keepdim`` without ``dim``.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 5.0], [4.0, 2.0]])
        >>> mt.max(x)
        tensor(5.)
        >>> values, indices = mt.max(x, dim=1)
        >>> values, indices
        (tensor([5., 4.]), tensor([1, 0]))
    """
    if dim is None and not keepdim and isinstance(input, Tensor) and input._data.size:  # fast path
        refuse_complex(input, "\"max_all\" not implemented for '{}'")
        dims = tuple(range(input._data.ndim))
        return Max.apply(input, dims=dims, keepdim=False, lowest=False, nan_ties=True)
    check_numbers("max", input, None, "other")
    return _max_or_min("max", input, dim, keepdim, lowest=False)


@numpy_names
def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
    """The smallest element; or ``(values, indices)`` along ``dim``; or ``minimum(input, dim)``.

    The same forms, errors (with ``amin`` for tuple dims) and gradient rules as ``max``.

    Example:
        >>> import microtensor as mt
        >>> mt.min(mt.tensor([[1.0, 5.0], [4.0, 2.0]]), 0)
        microtensor.return_types.min(
        values=tensor([1., 2.]),
        indices=tensor([0, 1]))
    """
    if dim is None and not keepdim and isinstance(input, Tensor) and input._data.size:  # fast path
        refuse_complex(input, "\"min_all\" not implemented for '{}'")
        dims = tuple(range(input._data.ndim))
        return Min.apply(input, dims=dims, keepdim=False, lowest=True, nan_ties=True)
    check_numbers("min", input, None, "other")
    return _max_or_min("min", input, dim, keepdim, lowest=True)


def _max_or_min(op: str, input: Tensor, dim: Any, keepdim: bool, lowest: bool) -> Any:  # noqa: A002
    if isinstance(dim, Tensor):
        return ops.minimum(input, dim) if lowest else ops.maximum(input, dim)
    ndim = input._data.ndim
    if dim is None:
        refuse_complex(input, f"\"{op}_all\" not implemented for '{{}}'")
        if keepdim:
            raise TypeError(f"{op}(): keepdim=True needs a dim; pass dim= or use amax/amin")
        dims = tuple(range(ndim))
        _check_reducible(op, input, dims, dim_given=False)
        full = Min if lowest else Max
        return full.apply(input, dims=dims, keepdim=False, lowest=lowest, nan_ties=True)
    refuse_complex(input, f"{op}(): does not support complex input", RuntimeError)
    d = normalize_dim(op, dim, ndim)
    _check_reducible(op, input, (d,) if ndim else (), dim_given=True)
    result = (MinAlongDim if lowest else MaxAlongDim).apply(input, d, keepdim, lowest)
    return MinResult(*result) if lowest else MaxResult(*result)


@numpy_names
def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    """The largest elements over ``dim`` (an int or tuple; ``()`` or None for all).

    Ties share the gradient evenly: each of k equal maxima gets 1/k of it.

    Raises:
        RuntimeError: for an empty input reduced over all dims.
        IndexError: if a dim is out of range or a reduced dim has size 0.

    Example:
        >>> import microtensor as mt
        >>> mt.amax(mt.tensor([[1.0, 5.0], [4.0, 2.0]]), dim=0)
        tensor([4., 5.])
    """
    return _amax_or_amin("amax", input, dim, keepdim, lowest=False)


@numpy_names
def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    """The smallest elements over ``dim`` (an int or tuple; ``()`` or None for all).

    Ties share the gradient evenly. Raises as ``amax``.

    Example:
        >>> import microtensor as mt
        >>> mt.amin(mt.tensor([[1.0, 5.0], [4.0, 2.0]]), dim=1, keepdim=True)
        tensor([[1.],
                [2.]])
    """
    return _amax_or_amin("amin", input, dim, keepdim, lowest=True)


class AminmaxResult(NamedTuple):
    """``(min, max)`` from ``aminmax``, as ``torch.return_types.aminmax``."""

    min: Tensor
    max: Tensor

    def __repr__(self) -> str:
        return f"microtensor.return_types.aminmax(\nmin={self[0]!r},\nmax={self[1]!r})"


@numpy_names
def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> AminmaxResult:  # noqa: A002
    """``(amin(input, dim), amax(input, dim))`` in one call; over all elements when None.

    Raises:
        RuntimeError: for an empty input reduced over all dims.
        IndexError: if ``dim`` is out of range or has size 0.

    Example:
        >>> import microtensor as mt
        >>> mt.aminmax(mt.tensor([[1.0, 5.0], [0.0, 2.0]]), dim=0)
        microtensor.return_types.aminmax(
        min=tensor([0., 2.]),
        max=tensor([1., 5.]))
    """
    refuse_complex(input, "\"aminmax_cpu\" not implemented for '{}'")
    if dim is not None:
        normalize_dim("aminmax", dim, input._data.ndim)
    dims = () if dim is None else dim
    low = _amax_or_amin("aminmax", input, dims, keepdim, lowest=True)
    return AminmaxResult(low, _amax_or_amin("aminmax", input, dims, keepdim, lowest=False))


def _amax_or_amin(op: str, input: Tensor, dim: Any, keepdim: bool, lowest: bool) -> Tensor:  # noqa: A002
    refuse_complex(input, f"\"{'min' if lowest else 'max'}_values_cpu\" not implemented for '{{}}'")
    dims = normalize_dims(op, dim, input._data.ndim)
    given = dim is not None and not (isinstance(dim, tuple | list) and len(dim) == 0)
    _check_reducible(op, input, dims, dim_given=given)
    node = Amin if lowest else Amax
    out: Tensor = node.apply(input, dims=dims, keepdim=keepdim, lowest=lowest, nan_ties=False)
    return out


@numpy_names
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Index (int64) of the largest element along ``dim``, of the flattened input when None.

    The first index among ties; a NaN counts as the largest.

    Raises:
        RuntimeError: for a bool input.
        IndexError: if ``dim`` is out of range, or there is nothing to reduce.
        TypeError: if ``dim`` is not an int.

    Example:
        >>> import microtensor as mt
        >>> mt.argmax(mt.tensor([[1., 5.], [4., 2.]])), mt.argmax(mt.tensor([[1, 5], [4, 2]]), 1)
        (tensor(1), tensor([1, 0]))
    """
    return _argmax_or_argmin("argmax", input, dim, keepdim, np.argmax)


@numpy_names
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Index (int64) of the smallest element along ``dim``, of the flattened input when None.

    The first index among ties; a NaN counts as the smallest.

    Raises:
        RuntimeError: for a bool input.
        IndexError: if ``dim`` is out of range, or there is nothing to reduce.
        TypeError: if ``dim`` is not an int.

    Example:
        >>> import microtensor as mt
        >>> mt.argmin(mt.tensor([[1.0, 5.0], [4.0, 0.0]]), dim=0, keepdim=True)
        tensor([[0, 1]])
    """
    return _argmax_or_argmin("argmin", input, dim, keepdim, np.argmin)


def _argmax_or_argmin(op: str, input: Tensor, dim: Any, keepdim: bool, fn: Any) -> Tensor:  # noqa: A002
    a = input._data
    if a.dtype == np.bool_:
        raise RuntimeError(f"{op}(): does not support bool input; call .int() first")
    refuse_complex(input, f"{op}(): does not support complex input", RuntimeError)
    if dim is None:
        if a.size == 0:
            raise IndexError(
                f"{op}(): Expected reduction dim to be specified for input.numel() == 0 "
                f"(shape {a.shape}); pass dim="
            )
        out = fn(a, axis=None, keepdims=keepdim) if a.ndim else np.zeros((), np.int64)
    else:
        d = normalize_dim(op, dim, a.ndim)
        if a.ndim == 0:
            out = np.zeros((), np.int64)
        else:
            _check_reducible(op, input, (d,), dim_given=True)
            out = fn(a, axis=d, keepdims=keepdim)
    return Tensor._make(np.asarray(out, dtype=np.int64))
