"""Integer-only pointwise ops: ``gcd``, ``lcm``, ``bitwise_left_shift``, ``bitwise_right_shift``.

None is differentiable (integers carry no gradient). Operands are cast to PyTorch's common
dtype first (a Python number does not widen a tensor's dtype); bool and floating tensors are
refused with PyTorch's error.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.ops._common import broadcast_error
from microtensor.ops._pointwise import check_numbers
from microtensor.tensor import Tensor

__all__ = ["bitwise_left_shift", "bitwise_right_shift", "gcd", "lcm"]


_TORCH_TYPE_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "bool": "Bool"}


def _integer_operands(
    op: str,
    kernel: str,
    input: Any,
    other: Any,
    allow_bool: bool,  # noqa: A002
) -> tuple[np.ndarray, np.ndarray]:
    """Both operands as arrays of their common dtype, which must be an integer one.

    Raises:
        NotImplementedError: for a floating (or, unless ``allow_bool``, bool) common dtype,
            with PyTorch's message (a RuntimeError subclass, as PyTorch's).
    """
    a = input._data if isinstance(input, Tensor) else input
    b = other._data if isinstance(other, Tensor) else other
    target = np.dtype(dtypes.result_type(a, b))
    if target.kind not in ("iu" + ("b" if allow_bool else "")):
        name = _TORCH_TYPE_NAMES.get(target.name, target.name)
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{name}': {op}() takes integer tensors "
            "(convert with .long() first)"
        )
    if target.kind == "b":  # bool << int is promoted already; bool << bool shifts as ints
        target = np.dtype(np.int64)
    return np.asarray(a, dtype=target), np.asarray(b, dtype=target)


def _broadcast(op: str, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    try:
        a_full, b_full = np.broadcast_arrays(a, b)
    except ValueError:
        raise broadcast_error(op, a, b) from None
    return a_full, b_full


def _result(op: str, fn: Any, a: np.ndarray, b: np.ndarray) -> Tensor:
    a, b = _broadcast(op, a, b)
    with np.errstate(all="ignore"):  # wrap-around on overflow, as PyTorch's C kernels
        return Tensor._make(np.asarray(fn(a, b)).astype(a.dtype, copy=False))


def gcd(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The greatest common divisor of each pair, non-negative; ``gcd(0, 0) = 0``.

    Raises:
        TypeError: if an operand is not a tensor (as PyTorch).
        NotImplementedError: for bool or floating tensors (PyTorch's ``"gcd_cpu" not
            implemented`` RuntimeError).
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.gcd(mt.tensor([0, -4, 6, 7]), mt.tensor([0, 6, -9, 0]))
        tensor([0, 2, 3, 7])
    """
    check_numbers("gcd", input, other, "neither")
    a, b = _integer_operands("gcd", "gcd_cpu", input, other, allow_bool=False)
    return _result("gcd", np.gcd, a, b)


def lcm(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The least common multiple of each pair, non-negative; 0 where either is 0.

    Raises:
        TypeError: if an operand is not a tensor (as PyTorch).
        NotImplementedError: for bool or floating tensors.
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.lcm(mt.tensor([0, -4, 6, 7]), mt.tensor([0, 6, -9, 3]))
        tensor([ 0, 12, 18, 21])
    """
    check_numbers("lcm", input, other, "neither")
    a, b = _integer_operands("lcm", "lcm_cpu", input, other, allow_bool=False)
    return _result("lcm", np.lcm, a, b)


def _out_of_range(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Where the shift count is negative or at least the bit width, and the counts made safe."""
    bits = a.dtype.itemsize * 8
    outside = (b < 0) | (b >= bits)
    return outside, np.where(outside, 0, b).astype(a.dtype), bits


def bitwise_left_shift(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input << other`` on integers; 0 where the count is negative or >= the bit width.

    The out-of-range rule is PyTorch's (C's shift would be undefined there); bits shifted out
    of the type are lost (``1 << 63`` is the most negative int64).

    Raises:
        NotImplementedError: for floating operands (PyTorch's ``"lshift_cpu" not
            implemented``).
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.bitwise_left_shift(mt.tensor([5, -7, 1, 3]), mt.tensor([1, 2, 64, -1]))
        tensor([ 10, -28,   0,   0])
    """
    check_numbers("bitwise_left_shift", input, other, "either")
    a, b = _integer_operands("bitwise_left_shift", "lshift_cpu", input, other, allow_bool=True)
    outside, counts, _ = _out_of_range(*_broadcast("bitwise_left_shift", a, b))
    return _result(
        "bitwise_left_shift", lambda x, n: np.where(outside, 0, np.left_shift(x, n)), a, counts
    )


def bitwise_right_shift(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input >> other`` on integers (arithmetic: the sign bit fills in for signed types).

    Where the count is negative or >= the bit width the result is PyTorch's: the sign fill
    (0 or -1) for signed types, 0 for unsigned ones.

    Raises:
        NotImplementedError: for floating operands (PyTorch's ``"rshift_cpu" not
            implemented``).
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.bitwise_right_shift(mt.tensor([5, -7, -1, 3]), mt.tensor([1, 2, 64, -1]))
        tensor([ 2, -2, -1,  0])
    """
    check_numbers("bitwise_right_shift", input, other, "either")
    a, b = _integer_operands("bitwise_right_shift", "rshift_cpu", input, other, allow_bool=True)
    a_full, b_full = _broadcast("bitwise_right_shift", a, b)
    outside, counts, bits = _out_of_range(a_full, b_full)
    fill = np.right_shift(a_full, bits - 1) if a.dtype.kind == "i" else np.zeros_like(a_full)
    return _result(
        "bitwise_right_shift",
        lambda x, n: np.where(outside, fill, np.right_shift(x, n)),
        a_full,
        counts,
    )
