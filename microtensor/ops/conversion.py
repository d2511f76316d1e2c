"""dtype conversion and copies: to, clone, copy_, fill, fill_, zero_, new_* helpers."""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._device import check_cpu
from microtensor._factory_args import on_cpu
from microtensor.autograd.function import Op
from microtensor.memory_format import check_memory_format, memory_format
from microtensor.ops import dual
from microtensor.random import rng_of
from microtensor.tensor import Tensor, device

__all__ = [
    "clone",
    "copy_op",
    "fill",
    "fill_",
    "full_like_op",
    "new_full",
    "new_tensor",
    "random_like_op",
    "to",
    "zero_",
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
    """z = a constant with a's shape and dtype;  dz/da = 0."""

    @staticmethod
    def forward(ctx: Any, a: Any, value: Any) -> Any:
        return np.full(a.shape, value, dtype=a.dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        # a zero gradient rather than None, as torch (even where grad_out is inf or nan)
        return dual.where(np.zeros(grad_out.shape, bool), grad_out, 0.0), None


def to(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:  # noqa: A002
    """Convert ``input`` to another dtype (and, for compatibility, device ``"cpu"``).

    Accepts PyTorch's forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
    ``to(other_tensor)``, and the keywords ``dtype``, ``device``, ``copy``, ``non_blocking``,
    ``memory_format``.
    Returns ``input`` itself when nothing changes (unless ``copy=True``).

    Raises:
        TypeError: for an unknown dtype (and bfloat16, which microtensor does not have);
            RuntimeError for a device other than the CPU.

    Example:
        >>> import microtensor as mt
        >>> mt.tensor([1.5, 2.5]).to(mt.int64)
        tensor([1, 2])
    """
    target = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    check_memory_format(kwargs.pop("memory_format", None), "to")
    if "device" in kwargs:
        check_cpu(kwargs.pop("device"), "to()")
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for arg in args:
        if isinstance(arg, Tensor):
            target = arg.dtype
        elif isinstance(arg, device) or (
            isinstance(arg, str) and arg.split(":")[0] in ("cpu", "cuda", "mps")
        ):
            check_cpu(arg, "to()")
        elif arg is None:
            continue
        elif isinstance(arg, bool):
            copy = copy or arg
        elif isinstance(arg, memory_format):
            continue
        else:
            target = arg
    if target is None:
        return Clone.apply(input) if copy else input  # type: ignore[no-any-return]
    if target == "bfloat16":
        raise TypeError(
            "bfloat16(): microtensor has no bfloat16 dtype (NumPy has none, and microtensor's "
            "dtypes are NumPy's): use .half() for float16 or .float() for float32"
        )
    np_dtype = dtypes.to_dtype(target).numpy
    if np_dtype == input._data.dtype:
        return Clone.apply(input) if copy else input  # type: ignore[no-any-return]
    return Cast.apply(input, np_dtype)  # type: ignore[no-any-return]


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:  # noqa: A002
    """A copy of ``input`` that stays in the graph (gradient flows back to ``input``).

    ``memory_format`` (``microtensor.preserve_format`` and the others) is accepted; the copy
    keeps NumPy's layout.

    Example:
        >>> import microtensor as mt
        >>> mt.clone(mt.tensor([1.0]))
        tensor([1.])
    """
    check_memory_format(memory_format, "clone")
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
    """Random values shaped like ``input`` (what ``uniform_``/``normal_`` write).

    Raises:
        RuntimeError: for ``uniform_`` with ``from > to``, or ``normal_`` with ``std < 0``.
    """
    rng = rng_of(generator)
    shape, dtype = input._data.shape, input._data.dtype
    if kind == "uniform":
        if a > b:
            raise RuntimeError(
                f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}"
            )
        values = rng.uniform(a, b, size=shape)
    elif kind == "normal":
        if b < 0:
            raise RuntimeError(f"normal_ expects std >= 0.0, but found std {b}")
        values = rng.normal(a, b, size=shape)
    else:
        values = _other_distribution(rng, kind, a, b, shape)
    return Tensor._make(np.asarray(values, dtype=dtype))


def _other_distribution(rng: Any, kind: str, a: float, b: float, shape: Any) -> Any:
    """Draws for the other in-place distributions, with PyTorch's argument checks.

    ``exponential_(a)``, ``geometric_(a)``, ``cauchy_(a, b)``, ``log_normal_(a, b)``,
    ``bernoulli_(a)``.
    """
    if kind == "exponential":
        if a < 0:
            raise RuntimeError(f"exponential_ expects lambda >= 0.0, but found lambda={a}")
        return rng.exponential(1.0 / a, size=shape) if a > 0 else np.full(shape, np.inf)
    if kind == "geometric":
        if not 0 < a < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={a}")
        return rng.geometric(a, size=shape)
    if kind == "cauchy":
        return a + b * rng.standard_cauchy(size=shape)
    if kind == "log_normal":
        if b <= 0:
            raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={b}")
        return rng.lognormal(a, b, size=shape)
    if kind == "bernoulli":
        if not 0 <= a <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={a}")
        return rng.random(size=shape) < a
    raise ValueError(f"random_like_op(): unknown distribution {kind!r}")


def new_full(
    input: Tensor,  # noqa: A002
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A new tensor of ``size`` filled with ``fill_value``, with input's dtype by default.

    Example:
        >>> import microtensor as mt
        >>> mt.ops.new_full(mt.zeros(1, dtype=mt.int64), (2,), 3, device="cpu")
        tensor([3, 3])
    """
    on_cpu(device, "new_full")
    np_dtype = input._data.dtype if dtype is None else dtypes.to_dtype(dtype).numpy
    out = Tensor._make(np.full(tuple(size), fill_value, dtype=np_dtype))
    return out.requires_grad_(requires_grad) if requires_grad else out


def new_tensor(
    input: Tensor,  # noqa: A002
    data: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A new tensor (a copy of ``data``) with input's dtype by default.

    Example:
        >>> import microtensor as mt
        >>> mt.ops.new_tensor(mt.zeros(1, dtype=mt.float64), [1, 2])
        tensor([1., 2.], dtype=microtensor.float64)
    """
    on_cpu(device, "new_tensor")
    np_dtype = input._data.dtype if dtype is None else dtypes.to_dtype(dtype).numpy
    array = data.numpy(force=True) if isinstance(data, Tensor) else data
    out = Tensor._make(np.array(array, dtype=np_dtype))
    return out.requires_grad_(requires_grad) if requires_grad else out


def fill(input: Tensor, value: Any) -> Tensor:  # noqa: A002
    """A new tensor shaped like ``input``, in its dtype, with every element ``value``.

    A 0-d tensor ``value`` gets the gradient (the sum of the upstream gradient); ``input``
    gets none.

    Raises:
        RuntimeError: if ``value`` is a tensor with dimensions.

    Example:
        >>> import microtensor as mt
        >>> mt.fill(mt.tensor([1, 2]), 2.7)
        tensor([2, 2])
    """
    if not isinstance(value, Tensor):
        return Fill.apply(input, value)  # type: ignore[no-any-return]
    if value.ndim != 0:
        raise RuntimeError(
            f"fill(): only supports a 0-dimension value tensor, but got a tensor with "
            f"{value.ndim} dimensions (shape {tuple(value.shape)}): pass a number or a 0-d tensor"
        )
    return Fill.apply(input, 0) + to(value, input.dtype)  # type: ignore[no-any-return]


def fill_(input: Tensor, value: Any) -> Tensor:  # noqa: A002
    """Set every element of ``input`` to ``value``, in place; returns ``input``.

    Example:
        >>> import microtensor as mt
        >>> mt.fill_(mt.zeros(2), 5.0)
        tensor([5., 5.])
    """
    return input.fill_(value)


def zero_(input: Tensor) -> Tensor:  # noqa: A002
    """Set every element of ``input`` to zero, in place; returns ``input``.

    Example:
        >>> import microtensor as mt
        >>> mt.zero_(mt.ones(2))
        tensor([0., 0.])
    """
    return input.zero_()
