"""Random factories: ``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``*_like``.

Each draws torch's CPU numbers for the same seed, from the default generator or the one given.
Arguments are checked as described in ``microtensor.creation``.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor import (
    _rng_continuous,
    _rng_discrete,
    _rng_integers,
    _rng_normal,
    _rng_randperm,
    dtypes,
)
from microtensor._allocation import reports_out_of_memory
from microtensor._factory_args import (
    _finish,
    _into,
    _like,
    _np_dtype,
    _out_dtype,
    int_arg,
    on_cpu,
    shape_arg,
    size_arg,
    type_name,
)
from microtensor.random import Generator, _generator
from microtensor.tensor import Tensor


def _floating(np_dtype: np.dtype, caller: str, kernel: str) -> None:
    if np_dtype.kind not in "fc":
        raise NotImplementedError(
            f'{caller}(): "{kernel}" not implemented for {dtypes.to_dtype(np_dtype)}: '
            f"pass a floating-point dtype"
        )


def _generator_arg(generator: Any, caller: str) -> Generator:
    """The generator a random factory draws from (torch's TypeError for a non-generator)."""
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(
            f"{caller}(): argument 'generator' must be microtensor.Generator, not "
            f"{type_name(generator)}: pass a Generator, e.g. microtensor.Generator().manual_seed(0)"
        )
    return _generator(generator)


def _complex_drawn(
    draw: Any, generator: Generator | None, target: np.ndarray, *args: Any
) -> np.ndarray:
    """A complex ``target`` filled as torch fills it, through its real view.

    The view holds (real, imag) pairs along a last dim of size 2; it is drawn as a real tensor.
    """
    pairs = target[..., None].view(target.real.dtype)
    drawn = np.asarray(draw(generator, pairs, *args))
    complex_dtype = target.dtype
    return np.asarray(drawn, order="C").view(complex_dtype)[..., 0]


def _uniform_like(generator: Generator | None, target: np.ndarray) -> np.ndarray:
    """Torch's ``uniform_(0, 1)`` into an array laid out like ``target``."""
    if target.dtype.kind == "c":  # torch's uniform_ of a complex tensor: both parts uniform
        return _complex_drawn(_uniform_like, generator, target)
    gen = _generator(generator)
    axes = _rng_discrete.memory_axes(target)
    flat = _rng_continuous.uniform(gen, target.size, target.dtype, 0.0, 1.0)
    return _rng_discrete.in_memory_order(flat, target.shape, axes)


def _normal_like(
    generator: Generator | None, target: np.ndarray, mean: float = 0.0, std: float = 1.0
) -> np.ndarray:
    """Torch's ``normal_(mean, std)`` into an array laid out like ``target``.

    A complex target gets std / sqrt(2) in each part (torch's: the variance of the complex
    number is std ** 2), drawn into its real view.
    """
    if target.dtype.kind == "c":
        return _complex_drawn(_normal_like, generator, target, mean, std / math.sqrt(2.0))
    gen = _generator(generator)
    if target.flags.c_contiguous:
        return _rng_normal.normal_values(gen, target.shape, target.dtype, mean, std)
    # a non-contiguous target takes torch's per-element path, in memory order
    axes = _rng_discrete.memory_axes(target)
    exact = target.dtype == np.float64
    flat = _rng_normal.normal_serial(gen, target.size, mean, std, exact).astype(target.dtype)
    return _rng_discrete.in_memory_order(flat, target.shape, axes)


@reports_out_of_memory
def rand(
    *sizes: Any,
    size: Any = None,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """Uniform random numbers in [0, 1): torch's numbers for the same seed.

    A complex dtype draws both parts uniform in [0, 1), as torch (its real view is filled).

    Raises:
        NotImplementedError: for an integer dtype.

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(0)
        >>> mt.rand(2, 2)
        tensor([[0.4963, 0.7682],
                [0.0885, 0.1320]])
    """
    on_cpu(device, "rand")
    shape = size_arg(sizes, "rand", keyword=size)
    np_dtype = _np_dtype(_out_dtype(out, dtype, "rand", layout, pin_memory), "rand")
    _floating(np_dtype, "rand", "check_uniform_bounds")
    values = _uniform_like(_generator_arg(generator, "rand"), np.empty(shape, np_dtype))
    return _into(out, _finish(values, requires_grad, "rand"), "rand")


@reports_out_of_memory
def randn(
    *sizes: Any,
    size: Any = None,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """Standard normal random numbers: torch's numbers for the same seed.

    A complex dtype draws each part with std 1/sqrt(2) (variance 1 in all), as torch.

    Raises:
        NotImplementedError: for an integer dtype.

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(0)
        >>> mt.randn(3)
        tensor([ 1.5410, -0.2934, -2.1788])
    """
    on_cpu(device, "randn")
    shape = size_arg(sizes, "randn", keyword=size)
    np_dtype = _np_dtype(_out_dtype(out, dtype, "randn", layout, pin_memory), "randn")
    _floating(np_dtype, "randn", "normal_kernel_cpu")
    values = _normal_like(_generator_arg(generator, "randn"), np.empty(shape, np_dtype))
    return _into(out, _finish(values, requires_grad, "randn"), "randn")


@reports_out_of_memory
def randint(
    low: int = 0,
    high: int | None = None,
    size: Any = None,
    *,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """Random integers in ``[low, high)`` (``randint(high, size)`` also works), int64.

    torch's ``random_(low, high)``: one 32-bit draw per element (64-bit when
    ``high - low >= 2**28``), ``low + r % (high - low)``.

    Raises:
        TypeError: if ``low`` or ``high`` is not an int, or ``size`` not a tuple of ints.
        RuntimeError: if ``low >= high``.

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(0)
        >>> mt.randint(0, 10, (5,))
        tensor([4, 9, 3, 0, 3])
    """
    on_cpu(device, "randint")
    if size is None:
        if high is None or not isinstance(high, Sequence):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    low, high = _bounds(low, high, "randint")
    shape = shape_arg(size, "randint", 3)
    dtype = _out_dtype(out, dtype, "randint", layout, pin_memory)
    np_dtype = _np_dtype(dtype, "randint", dtypes.int64)
    _check_fits(low, high, np_dtype, "randint")
    n = builtins.int(np.prod(shape, dtype=np.int64))
    gen = _generator_arg(generator, "randint")
    values = _rng_integers.random_from_to(gen, n, np_dtype, low, high).reshape(shape)
    return _into(out, _finish(values, requires_grad, "randint"), "randint")


def _bounds(low: Any, high: Any, caller: str) -> tuple[int, int]:
    """``randint``'s ``[low, high)`` as ints, with torch's errors."""
    low, high = int_arg(low, caller, "low"), int_arg(high, caller, "high")
    if low >= high:
        raise RuntimeError(
            f"{caller}(): random_ expects 'from' to be less than 'to', but got from={low} >= "
            f"to={high}: pass low < high ({caller}(high, ...) draws from [0, high))"
        )
    return low, high


def _check_fits(low: int, high: int, np_dtype: np.dtype, caller: str) -> None:
    """Check, as torch does, that ``low`` and ``high - 1`` can be held by ``np_dtype``.

    A floating dtype holds the integers up to ``2**digits`` (its mantissa bits plus one).

    Raises:
        RuntimeError: naming the bound out of range (torch's sentences).
    """
    if np_dtype.kind == "b":
        smallest, largest = 0, 1
    elif np_dtype.kind in "iu":
        smallest, largest = (
            builtins.int(np.iinfo(np_dtype).min),
            builtins.int(np.iinfo(np_dtype).max),
        )
    else:
        largest = 2 ** (np.finfo(np_dtype).nmant + 1)
        smallest = -largest
    name = dtypes.from_numpy_dtype(np_dtype)
    for sentence, value in (("from", low), ("to - 1", high - 1)):
        if not smallest <= value <= largest:
            raise RuntimeError(
                f"{caller}(): {sentence} is out of bounds for {name}: {sentence} = {value} is "
                f"outside [{smallest}, {largest}]; pick bounds the dtype can hold"
            )


@reports_out_of_memory
def randperm(
    n: int,
    *,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64): torch's CPU permutation for the same seed.

    Raises:
        TypeError: if ``n`` is not an int.
        RuntimeError: if ``n`` is negative, or ``dtype`` cannot hold ``n - 1``.

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(0)
        >>> mt.randperm(5)
        tensor([4, 0, 1, 3, 2])
    """
    on_cpu(device, "randperm")
    n = int_arg(n, "randperm", "n", 1)
    if n < 0:
        raise RuntimeError(
            f"randperm(): Trying to create tensor with negative dimension {n}: [{n}]; n must be "
            f"non-negative"
        )
    dtype = _out_dtype(out, dtype, "randperm", layout, pin_memory)
    np_dtype = _np_dtype(dtype, "randperm", dtypes.int64)
    if np_dtype.kind in "iu" and n > 0 and n - 1 > np.iinfo(np_dtype).max:
        raise RuntimeError(
            f"randperm(): n={n} is too large for dtype {dtypes.to_dtype(np_dtype)}: pass a "
            f"wider dtype"
        )
    values = _rng_randperm.randperm_values(_generator_arg(generator, "randperm"), builtins.int(n))
    return _into(out, _finish(values.astype(np_dtype), requires_grad, "randperm"), "randperm")


@reports_out_of_memory
def normal(
    mean: Any,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """Normal random numbers with the given mean and std (numbers or tensors).

    The result has the broadcast shape of ``mean`` and ``std`` or, for numbers, ``size``.

    Example:
        >>> import microtensor as mt
        >>> mt.normal(0.0, 1.0, (2, 3), device="cpu").shape
        microtensor.Size([2, 3])
    """
    on_cpu(device, "normal")
    gen = _generator(generator)
    if isinstance(std, Tensor) and std._data.size and (std._data < 0).any():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if not isinstance(std, Tensor) and std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    if isinstance(mean, Tensor) and isinstance(std, Tensor):
        shape = np.broadcast_shapes(mean.shape, std.shape)
        values = _normal_like(gen, np.empty(shape, mean._data.dtype))
        values = (values * std._data).astype(values.dtype) + mean._data
    elif isinstance(mean, Tensor):
        values = _normal_like(gen, np.empty(mean.shape, mean._data.dtype), 0.0, builtins.float(std))
        values = values + mean._data
    elif isinstance(std, Tensor):
        values = _normal_like(gen, np.empty(std.shape, std._data.dtype))
        values = values * std._data + np.asarray(mean, dtype=std._data.dtype)
    else:
        if size is None:
            raise TypeError(
                "normal() received an invalid combination of arguments - got (float, float): "
                "pass a size, normal(mean, std, size), or tensor mean/std"
            )
        np_dtype = _np_dtype(dtype, "normal")
        _floating(np_dtype, "normal", "normal_kernel_cpu")
        empty = np.empty(shape_arg(size, "normal", 3), np_dtype)
        return _finish(
            _normal_like(gen, empty, builtins.float(mean), builtins.float(std)),
            requires_grad,
            "normal",
        )
    out_dtype = (mean if isinstance(mean, Tensor) else std)._data.dtype
    return _finish(np.asarray(values).astype(out_dtype, copy=False), requires_grad, "normal")


def _like_target(input: Tensor, np_dtype: np.dtype, memory_format: Any) -> np.ndarray:  # noqa: A002
    """The empty array torch's ``empty_like`` makes: input's layout unless told contiguous."""
    if memory_format is not None and str(memory_format).endswith("contiguous_format"):
        return np.empty(input.shape, np_dtype)
    return np.empty_like(input._data, dtype=np_dtype)


@reports_out_of_memory
def rand_like(
    input: Tensor,  # noqa: A002
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """Uniform [0, 1) numbers with input's shape and dtype.

    Example:
        >>> import microtensor as mt
        >>> mt.rand_like(mt.zeros(2, 3), device="cpu").shape
        microtensor.Size([2, 3])
    """
    _, np_dtype = _like(input, dtype, device, memory_format, "rand_like", layout)
    _floating(np_dtype, "rand_like", "check_uniform_bounds")
    target = _like_target(input, np_dtype, memory_format)
    values = np.require(_uniform_like(generator, target), requirements="C")
    return _finish(values, requires_grad, "rand_like")


@reports_out_of_memory
def randn_like(
    input: Tensor,  # noqa: A002
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """Standard normal numbers with input's shape and dtype.

    Example:
        >>> import microtensor as mt
        >>> mt.randn_like(mt.zeros(2), dtype=mt.float64).dtype
        microtensor.float64
    """
    _, np_dtype = _like(input, dtype, device, memory_format, "randn_like", layout)
    _floating(np_dtype, "randn_like", "normal_kernel_cpu")
    target = _like_target(input, np_dtype, memory_format)
    values = np.require(_normal_like(generator, target), requirements="C")
    return _finish(values, requires_grad, "randn_like")


@reports_out_of_memory
def randint_like(
    input: Tensor,  # noqa: A002
    low: int = 0,
    high: int | None = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """Random integers in ``[low, high)`` with input's shape and dtype.

    Example:
        >>> import microtensor as mt
        >>> mt.randint_like(mt.zeros(3, dtype=mt.int64), 5).dtype
        microtensor.int64
    """
    if high is None:
        if low == 0:  # nothing given: torch has no randint_like(input)
            raise TypeError(
                "randint_like() missing required argument 'high': pass randint_like(input, high) "
                "or randint_like(input, low, high)"
            )
        low, high = 0, low
    _, np_dtype = _like(input, dtype, device, memory_format, "randint_like", layout)
    low, high = _bounds(low, high, "randint_like")
    _check_fits(low, high, np_dtype, "randint_like")
    target = _like_target(input, np_dtype, memory_format)
    axes = _rng_discrete.memory_axes(target)
    flat = _rng_integers.random_from_to(_generator(generator), target.size, np_dtype, low, high)
    values = _rng_discrete.in_memory_order(flat, target.shape, axes)
    return _finish(np.require(values, requirements="C"), requires_grad, "randint_like")  # keeps 0-d
