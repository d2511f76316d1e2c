"""dtype conversion and copies: to, clone, copy_, fill_, new_* helpers."""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.autograd.function import Op
from microtensor.random import rng_of
from microtensor.tensor import Tensor, device

__all__ = [
    "clone",
    "copy_op",
    "full_like_op",
    "new_full",
    "new_tensor",
    "random_like_op",
    "to",
]


class Cast(Op):
    """z = a converted to another dtype;  dz/da = 1 (the engine casts the gradient back)."""

    @staticmethod
    def forward(ctx: Any, a: Any, dtype: np.dtype) -> Any:
        return a.astype(dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return grad_out


class Clone(Op):
    """z = a (a copy);  dz/da = 1."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        return a.copy()

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return grad_out


class CopyFrom(Op):
    """z = src broadcast to a's shape, in a's dtype;  dz/da = 0,  dz/dsrc = 1."""

    @staticmethod
    def forward(ctx: Any, a: Any, src: Any) -> Any:
        return np.array(np.broadcast_to(src, a.shape), dtype=a.dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return None, grad_out


class Fill(Op):
    """z = a constant with a's shape and dtype;  no gradient to a."""

    @staticmethod
    def forward(ctx: Any, a: Any, value: Any) -> Any:
        return np.full(a.shape, value, dtype=a.dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return None, None


def to(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:  # noqa: A002
    """Convert ``input`` to another dtype (and, for compatibility, device ``"cpu"``).

    Accepts PyTorch's forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
    ``to(other_tensor)``, and the keywords ``dtype``, ``device``, ``copy``, ``non_blocking``.
    Returns ``input`` itself when nothing changes (unless ``copy=True``).

    Raises:
        TypeError: for an unknown dtype; RuntimeError for a device other than the CPU.

    Example:
        >>> import microtensor as mt
        >>> mt.tensor([1.5, 2.5]).to(mt.int64)
        tensor([1, 2])
    """
    target = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    if "device" in kwargs:
        device(kwargs.pop("device") or "cpu")
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for arg in args:
        if isinstance(arg, Tensor):
            target = arg.dtype
        elif isinstance(arg, str) and arg.split(":")[0] in ("cpu", "cuda", "mps"):
            device(arg)
        elif isinstance(arg, device) or arg is None:
            continue
        elif isinstance(arg, bool):
            copy = copy or arg
        else:
            target = arg
    if target is None:
        return Clone.apply(input) if copy else input  # type: ignore[no-any-return]
    np_dtype = dtypes.to_dtype(target).numpy
    if np_dtype == input._data.dtype:
        return Clone.apply(input) if copy else input  # type: ignore[no-any-return]
    return Cast.apply(input, np_dtype)  # type: ignore[no-any-return]


def clone(input: Tensor) -> Tensor:  # noqa: A002
    """A copy of ``input`` that stays in the graph (gradient flows back to ``input``).

    Example:
        >>> import microtensor as mt
        >>> mt.clone(mt.tensor([1.0]))
        tensor([1.])
    """
    return Clone.apply(input)  # type: ignore[no-any-return]


def copy_op(input: Tensor, src: Any) -> Tensor:  # noqa: A002
    """The value ``input.copy_(src)`` writes: ``src`` broadcast to input's shape and dtype."""
    if not isinstance(src, Tensor):
        src = Tensor._make(np.asarray(src))
    try:
        return CopyFrom.apply(input, src)  # type: ignore[no-any-return]
    except ValueError:
        raise RuntimeError(
            f"copy_(): source of shape {tuple(src.shape)} cannot be broadcast to the "
            f"destination's shape {tuple(input.shape)}"
        ) from None


def full_like_op(input: Tensor, value: Any) -> Tensor:  # noqa: A002
    """The value ``input.fill_(value)`` writes."""
    if isinstance(value, Tensor):
        value = value.item()
    return Fill.apply(input, value)  # type: ignore[no-any-return]


def random_like_op(
    input: Tensor,
    kind: str,
    a: float,
    b: float,
    *,  # noqa: A002
    generator: Any = None,
) -> Tensor:
    """Random values shaped like ``input`` (what ``uniform_``/``normal_`` write)."""
    rng = rng_of(generator)
    shape, dtype = input._data.shape, input._data.dtype
    if kind == "uniform":
        values = rng.uniform(a, b, size=shape)
    else:
        values = rng.normal(a, b, size=shape)
    return Tensor._make(np.asarray(values, dtype=dtype))


def new_full(
    input: Tensor,
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,  # noqa: A002
    requires_grad: bool = False,
) -> Tensor:
    """A new tensor of ``size`` filled with ``fill_value``, with input's dtype by default."""
    np_dtype = input._data.dtype if dtype is None else dtypes.to_dtype(dtype).numpy
    out = Tensor._make(np.full(tuple(size), fill_value, dtype=np_dtype))
    return out.requires_grad_(requires_grad) if requires_grad else out


def new_tensor(
    input: Tensor,
    data: Any,
    *,
    dtype: Any = None,  # noqa: A002
    requires_grad: bool = False,
) -> Tensor:
    """A new tensor (a copy of ``data``) with input's dtype by default."""
    np_dtype = input._data.dtype if dtype is None else dtypes.to_dtype(dtype).numpy
    array = data.numpy(force=True) if isinstance(data, Tensor) else data
    out = Tensor._make(np.array(array, dtype=np_dtype))
    return out.requires_grad_(requires_grad) if requires_grad else out
