"""dtype conversion and copies: to, clone, copy_, fill, fill_, zero_; Tensor.new_* re-exported."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from microtensor import _rng_continuous, _rng_discrete, _rng_integers, _rng_normal, dtypes
from microtensor._device import check_cpu
from microtensor._factory_args import fill_for
from microtensor._float_warnings import user_stacklevel
from microtensor._random_factories import _complex_drawn
from microtensor.autograd.function import Op
from microtensor.memory_format import (
    arranged,
    check_memory_format,
    contiguous_format,
    is_laid_out,
    memory_format,
    preserve_format,
    suggested_format,
)
from microtensor.ops import dual
from microtensor.ops.new_factories import new_full, new_tensor
from microtensor.random import _generator
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


class Cast(Op, node_name="ToCopyBackward0"):
    """z = a converted to another dtype;  dz/da = 1 (the engine casts the gradient back)."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, dtype: np.dtype) -> Any:
        if a.dtype.kind == "c" and dtype.kind != "c":  # torch's warning, not NumPy's
            message = "Casting complex values to real discards the imaginary part"
            warnings.warn(message, UserWarning, stacklevel=user_stacklevel())
            return a.real.astype(dtype)
        return a.astype(dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return grad_out


class Arrange(Op, node_name="CloneBackward0"):
    """z = a (a copy laid out in memory as a memory format says);  dz/da = 1."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, fmt: Any, caller: str) -> Any:
        return arranged(a, fmt, caller)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return grad_out, None, None


class ArrangeTo(Arrange, node_name="ToCopyBackward0"):
    """``to(memory_format=...)``: torch's _to_copy."""


def contiguous(input: Tensor, memory_format: Any = None) -> Tensor:  # noqa: A002
    """``input`` itself if its memory is laid out as ``memory_format`` says, else a copy that is.

    ``memory_format`` is ``microtensor.contiguous_format`` (the default, C order),
    ``channels_last`` (4-D, NHWC in memory) or ``channels_last_3d`` (5-D, NDHWC).

    Example:
        >>> import microtensor as mt
        >>> mt.ones(2, 3, 4, 5).contiguous(memory_format=mt.channels_last).stride()
        (60, 1, 15, 3)
    """
    check_memory_format(memory_format, "contiguous")
    fmt = contiguous_format if memory_format in (None, preserve_format) else memory_format
    if is_laid_out(input._data, fmt, "contiguous"):
        return input
    return Arrange.apply(input, fmt, "contiguous")  # type: ignore[no-any-return]


class CopyFrom(Op):
    """z = src broadcast to a's shape, in a's dtype;  dz/da = 0,  dz/dsrc = 1."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    @staticmethod
    def forward(ctx: Any, a: Any, src: Any) -> Any:
        return np.array(np.broadcast_to(src, a.shape), dtype=a.dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return None, grad_out


class Fill(Op):
    """z = a constant with a's shape and dtype;  dz/da = 0."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

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
        TypeError: for an unknown dtype; RuntimeError for a device other than the CPU.

    Example:
        >>> import microtensor as mt
        >>> mt.tensor([1.5, 2.5]).to(mt.int64)
        tensor([1, 2])
    """
    target = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    fmt = kwargs.pop("memory_format", None)
    check_memory_format(fmt, "to")
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
            fmt = arg
        else:
            target = arg
    np_dtype = input._data.dtype if target is None else dtypes.to_dtype(target).numpy
    out = input if np_dtype == input._data.dtype else Cast.apply(input, np_dtype)
    if fmt not in (None, preserve_format) and fmt is not suggested_format(out._data):
        return ArrangeTo.apply(out, fmt, "to")  # type: ignore[no-any-return]
    if copy and out is input:
        return clone(input)
    return out


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:  # noqa: A002
    """A copy of ``input`` that stays in the graph (gradient flows back to ``input``).

    ``memory_format`` lays the copy out in memory: ``preserve_format`` (the default) keeps
    input's layout, ``contiguous_format`` is C order, ``channels_last`` NHWC for 4-D.

    Example:
        >>> import microtensor as mt
        >>> mt.clone(mt.tensor([1.0]))
        tensor([1.])
    """
    check_memory_format(memory_format, "clone")
    fmt = preserve_format if memory_format is None else memory_format
    return Arrange.apply(input, fmt, "clone")  # type: ignore[no-any-return]


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
    value = fill_for(value, input._data.dtype, "fill_")  # -1 wraps into uint8, 300 raises
    return Fill.apply(input, value)  # type: ignore[no-any-return]


def random_like_op(
    input: Tensor,  # noqa: A002
    kind: str,
    a: Any,
    b: Any,
    *,
    generator: Any = None,
) -> Tensor:
    """The values torch's in-place random methods write into ``input``, from the same draws.

    ``kind`` names the method: ``"uniform"`` (``a``, ``b`` = from, to), ``"normal"`` (mean,
    std), ``"exponential"`` (lambd), ``"geometric"`` (p), ``"cauchy"`` (median, sigma),
    ``"log_normal"`` (mean, std), ``"random"`` (``a`` the positional and
    ``b`` the keyword arguments of ``random_``). The draws land in ``input``'s memory order,
    as torch's kernels write them.

    Raises:
        RuntimeError: for parameters out of the distribution's domain, as torch.
        NotImplementedError: for a continuous distribution on an integer tensor.
    """
    target = input._data
    if target.dtype.kind == "c" and kind in ("uniform", "normal"):
        # torch's uniform_impl_ / normal_impl_: the real view (re, im pairs) drawn as a real
        # tensor, each part normal with std b / sqrt(2) so that the complex variance is b**2
        scale = b / math.sqrt(2) if kind == "normal" else b
        values = _complex_drawn(_real_random, generator, target, kind, a, scale)
        return Tensor._make(values)
    gen = _generator(generator)
    axes = _rng_discrete.memory_axes(target)
    if kind == "normal":
        if b < 0:
            raise RuntimeError(f"normal_ expects std >= 0.0, but found std {b}")
        _check_floating(target, "normal_kernel_cpu")
        if target.flags.c_contiguous:
            values = _rng_normal.normal_values(gen, target.shape, target.dtype, a, b)
            return Tensor._make(np.asarray(values))
        # torch's per-element path for a non-contiguous tensor, in memory order
        flat = _rng_normal.normal_serial(gen, target.size, a, b, target.dtype == np.float64)
    elif kind == "random":
        flat = _random_integers(gen, target, *_random_bounds(a, b))
    else:
        flat = _continuous(gen, target, kind, a, b)
    with np.errstate(over="ignore"):  # a draw beyond the dtype's range is inf, as in torch
        if target.dtype == np.float16:  # c10 rounds a double to half through float
            flat = flat.astype(np.float32)
        flat = flat.astype(target.dtype)
    values = _rng_discrete.in_memory_order(flat, target.shape, axes)
    return Tensor._make(np.asarray(values))


def _real_random(generator: Any, parts: np.ndarray, kind: str, a: Any, b: Any) -> np.ndarray:
    return random_like_op(Tensor._make(parts), kind, a, b, generator=generator)._data


def _check_floating(target: np.ndarray, kernel: str) -> None:
    if target.dtype.kind != "f":
        raise NotImplementedError(
            f'"{kernel}" not implemented for {dtypes.to_dtype(target.dtype)}: the '
            f"distribution is continuous, so the tensor must have a floating-point dtype"
        )


# torch's names of the floating types in uniform_'s bound errors (C++ type names)
_CXX_NAMES = {"float16": ("c10::Half", "Half"), "float32": ("float", "Float")}


def _check_uniform_bounds(dtype: np.dtype, low: float, high: float) -> None:
    """Torch's check_uniform_bounds: both ends within the dtype, and ``to - from`` finite in it."""
    largest = float(np.finfo(dtype).max)
    cxx, limits = _CXX_NAMES.get(dtype.name, ("double", "Double"))
    for name, value in (("from", low), ("to", high)):
        if not -largest <= value <= largest:
            raise RuntimeError(f"{name} is out of bounds for {cxx}")
    if float(high) - float(low) > largest:
        raise RuntimeError(
            f"uniform_ expects to-from <= std::numeric_limits<{limits}>::max(), but found "
            f"to={high:g} and from={low:g} which result in to-from to exceed the limit"
        )


def _continuous(gen: Any, target: np.ndarray, kind: str, a: float, b: float) -> np.ndarray:
    """Draws of uniform_, exponential_, geometric_, cauchy_ and log_normal_, torch's checks."""
    n = target.size
    if kind == "uniform":
        if a > b:
            raise RuntimeError(
                f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}"
            )
        _check_floating(target, "check_uniform_bounds")
        _check_uniform_bounds(target.dtype, a, b)
        return _rng_continuous.uniform(gen, n, target.dtype, a, b)
    if kind == "geometric":
        if not 0 < a < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={a}")
        return _rng_continuous.geometric(gen, n, a)
    if kind not in ("exponential", "cauchy", "log_normal"):
        raise ValueError(f"random_like_op(): unknown distribution {kind!r}")
    if target.dtype.kind != "f":
        raise RuntimeError(
            f"{kind}_(): the distribution is continuous, so the dtype must be a floating "
            f"point, but got {dtypes.to_dtype(target.dtype)}"
        )
    if kind == "exponential":
        if not a > 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={a}")
        return _rng_continuous.exponential(gen, n, a, target.dtype == np.float64)
    if kind == "cauchy":
        if not b > 0:
            raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={b}")
        return _rng_continuous.cauchy(gen, n, a, b)
    if not b > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={b}")
    return _rng_continuous.log_normal(gen, n, a, b, target.dtype == np.float64)


_OMITTED = object()


def _random_bounds(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """``(from, to)`` of ``random_()``, ``random_(to)``, ``random_(from, to)``; to may be None.

    ``from`` is None for the no-argument form; ``to`` is ``_OMITTED`` when not given.
    """
    unknown = set(kwargs) - {"to"}
    if unknown or len(args) > 2 or (len(args) == 2 and "to" in kwargs):
        raise TypeError(
            "random_() takes random_(), random_(to) or random_(from, to), got "
            f"{len(args)} positional and keyword(s) {sorted(kwargs)}"
        )
    values = list(args) + ([kwargs["to"]] if "to" in kwargs else [])
    if not values:
        return None, _OMITTED
    if len(values) == 1:
        return 0, values[0]
    return values[0], values[1]


def _random_integers(gen: Any, target: np.ndarray, start: Any, stop: Any) -> np.ndarray:
    if start is None:
        return _rng_integers.random_full(gen, target.size, target.dtype)
    stop = None if stop is None else int(stop)
    return _rng_integers.random_from_to(gen, target.size, target.dtype, int(start), stop)


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
