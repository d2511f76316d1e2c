"""``make_tensor``: a random tensor of any shape and dtype for tests, as ``torch.testing``'s."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._device import check_cpu
from microtensor._random_factories import randint
from microtensor._type_info import finfo, iinfo
from microtensor.creation import empty
from microtensor.tensor import Tensor

__all__ = ["make_tensor"]


def make_tensor(
    *shape: Any,
    dtype: dtypes.dtype,
    device: Any,
    low: float | None = None,
    high: float | None = None,
    requires_grad: bool = False,
    noncontiguous: bool = False,
    exclude_zero: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """A tensor of ``shape`` filled with values drawn uniformly from ``[low, high)``.

    As ``torch.testing.make_tensor``, and drawing from the generator in the same way, so that
    after the same ``manual_seed`` it gives torch's values. Without ``low``/``high`` the range
    depends on the dtype: bool [0, 2), unsigned integers [0, 10), signed integers [-9, 10),
    floating types [-9, 9), complex types the same for the real and the imaginary part (drawn
    as the real view, as torch). Bounds outside the dtype's finite range are clamped to it; integer
    bounds are rounded up.

    Args:
        shape: the size, as integers or one sequence of them.
        dtype: the dtype of the result (keyword only, as in PyTorch).
        device: the device (keyword only); microtensor computes on the CPU.
        low: the inclusive lower bound.
        high: the exclusive upper bound.
        requires_grad: make the result a leaf that requires grad (floating dtypes only).
        noncontiguous: return a non-contiguous view (every second element of a tensor twice
            as long in its last dimension); ignored for fewer than two elements.
        exclude_zero: replace zeros by 1 (integers, bool) or the dtype's ``finfo.tiny``.
        memory_format: the memory format of the result (exclusive with ``noncontiguous``).

    Raises:
        ValueError: for NaN bounds, ``low >= high``, a range outside the dtype,
            ``requires_grad`` with an integer or bool dtype, or both ``noncontiguous`` and
            ``memory_format``.
        TypeError: for a dtype make_tensor cannot fill (float8 types).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.testing import make_tensor
        >>> _ = mt.manual_seed(0)
        >>> make_tensor((3,), dtype=mt.float32, device="cpu", low=-1, high=1)
        tensor([-0.0075,  0.5364, -0.8230])
    """
    check_cpu(device, "make_tensor()")
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    if noncontiguous and memory_format is not None:
        raise ValueError(
            "make_tensor: the parameters `noncontiguous` and `memory_format` are mutually "
            f"exclusive, but got noncontiguous={noncontiguous} and memory_format={memory_format}"
        )
    floating = dtype.is_floating_point or dtype.is_complex  # complex: both parts drawn
    if requires_grad and not floating:
        raise ValueError(
            "make_tensor: `requires_grad=True` is not supported for boolean and integral "
            f"dtypes, but got dtype={dtype}"
        )
    if not floating and np.dtype(dtype.numpy).kind not in "biu":
        raise TypeError(
            f"The requested dtype '{dtype}' is not supported by make_tensor(): it fills bool, "
            "integer, floating and complex dtypes"
        )
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:  # twice as long in the last dimension, then every second element
        shape = (*shape[:-1], 2 * shape[-1])
    if floating:
        info = finfo(dtype)
        low, high = _bounds(low, high, -9, 9, info.min, info.max, dtype)
        result = empty(shape, dtype=dtype)
        if high - low >= info.max:  # uniform_ needs high - low within the dtype: halve, double
            result.uniform_(low / 2, high / 2).mul_(2)
        else:
            result.uniform_(low, high)
    else:
        lowest, highest = (0, 2) if dtype is dtypes.bool else _integer_range(dtype)
        default = (0, 2) if dtype is dtypes.bool else (-9, 10)
        low, high = _bounds(low, high, *default, lowest, highest, dtype)
        result = randint(math.ceil(low), math.ceil(high), shape, dtype=dtype)
    if noncontiguous:
        result = result[..., 1::2]  # offset by one, to catch offset mistakes too
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        if not floating:
            result[result == 0] = 1
        else:
            tiny = finfo(dtype).tiny
            result[result == 0] = complex(tiny, tiny) if dtype.is_complex else tiny
    if floating:
        result.requires_grad_(requires_grad)
    return result


def _integer_range(dtype: dtypes.dtype) -> tuple[int, int]:
    """The inclusive lowest and exclusive highest bound ``randint`` can draw for ``dtype``."""
    info = iinfo(dtype)
    # randint's bounds are int64: it cannot draw int64's maximum itself
    return info.min, info.max + (0 if dtype is dtypes.int64 else 1)


def _bounds(
    low: float | None,
    high: float | None,
    default_low: float,
    default_high: float,
    lowest: float,
    highest: float,
    dtype: dtypes.dtype,
) -> tuple[float, float]:
    """``low`` and ``high`` (or the defaults), checked and clamped to ``[lowest, highest]``."""
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"make_tensor: `low` and `high` cannot be NaN, but got {low=} and {high=}")
    if low == high and (dtype.is_floating_point or dtype.is_complex):
        warnings.warn(
            "Passing `low==high` to `make_tensor` for floating types is deprecated (as in "
            "PyTorch since 2.1). Use `microtensor.full(...)` instead.",
            FutureWarning,
            stacklevel=3,
        )
    elif low >= high:
        raise ValueError(f"make_tensor: `low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(
            f"make_tensor: the value interval specified by `low` and `high` is [{low}, {high}), "
            f"but {dtype} only supports [{lowest}, {highest})"
        )
    return min(max(low, lowest), highest), min(max(high, lowest), highest)
