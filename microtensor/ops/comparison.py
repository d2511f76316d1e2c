"""Comparisons and logic: eq, lt ..., logical_*, bitwise_*, isnan, isclose, equal, allclose.

None of these has a gradient: they compute on the arrays and return new bool (or, for bitwise
ops on integers, integer) tensors that never require grad. Either operand may be a Python
number or a NumPy array, so the reflected operators (``2 & t``) work; operands are promoted to
PyTorch's common dtype before comparing, as PyTorch does (so an int64 tensor compared with a
float32 tensor is compared in float32).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.ops._common import broadcast_error
from microtensor.ops._pointwise import check_numbers, refuse_complex
from microtensor.tensor import Tensor

__all__ = [
    "allclose",
    "bitwise_and",
    "bitwise_not",
    "bitwise_or",
    "bitwise_xor",
    "eq",
    "equal",
    "ge",
    "greater",
    "greater_equal",
    "gt",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "isneginf",
    "isposinf",
    "isreal",
    "le",
    "less",
    "less_equal",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "lt",
    "ne",
    "not_equal",
]

_NUMBER_KINDS = "biufc"


def _value(op: str, x: Any) -> Any:
    """The array of a Tensor, a Python number, or a NumPy array/scalar as array or number.

    Raises:
        TypeError: for anything that is not a number, tensor or numeric array.
    """
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, builtins.bool | builtins.int | builtins.float | builtins.complex):
        return x
    if isinstance(x, np.generic | np.ndarray) and x.dtype.kind in _NUMBER_KINDS:
        return x.item() if isinstance(x, np.generic) else x
    raise TypeError(
        f"{op}(): expected a Tensor or a number, got {type(x).__name__}"
        + (" (compare with `is None` instead)" if x is None else "")
    )


def _operands(op: str, input: Any, other: Any) -> tuple[Any, Any]:  # noqa: A002
    """``input`` and ``other`` as arrays or numbers, arrays cast to PyTorch's common dtype."""
    a, b = _value(op, input), _value(op, other)
    target = dtypes.result_type(a, b)
    if isinstance(a, np.ndarray) and a.dtype != target:
        a = a.astype(target)
    if isinstance(b, np.ndarray) and b.dtype != target:
        b = b.astype(target)
    return a, b


def _apply(op: str, fn: Callable[..., Any], a: Any, b: Any) -> Tensor:
    """``fn(a, b)`` as a new tensor; shapes that do not broadcast raise PyTorch's error."""
    try:
        return Tensor._make(np.asarray(fn(a, b)))
    except ValueError:
        raise broadcast_error(op, a, b) from None


def _compare(op: str, fn: Callable[..., Any], input: Any, other: Any) -> Tensor:  # noqa: A002
    check_numbers(op, input, other, "other")
    a, b = _operands(op, input, other)
    if op in _ORDERINGS:
        refuse_complex(a, f"\"{op}_cpu\" not implemented for '{{}}'")
        refuse_complex(b, f"\"{op}_cpu\" not implemented for '{{}}'")
    return _apply(op, fn, a, b)


_ORDERINGS = frozenset(("lt", "le", "gt", "ge"))


def eq(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input == other`` elementwise, broadcasting; a bool tensor.

    Args:
        input: a tensor.
        other: a tensor or number.

    Raises:
        RuntimeError: if the shapes do not broadcast (as all binary ops here).
        TypeError: if an operand is not a tensor, number or numeric array (e.g. None), or
            ``input`` is a Python number (as PyTorch).

    Example:
        >>> import microtensor as mt
        >>> mt.eq(mt.tensor([1.0, 2.0]), 2)
        tensor([False,  True])
    """
    return _compare("eq", np.equal, input, other)


def ne(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input != other`` elementwise (nan != nan is True).

    Example:
        >>> import microtensor as mt
        >>> mt.ne(mt.tensor([1.0, 2.0]), 2)
        tensor([ True, False])
    """
    return _compare("ne", np.not_equal, input, other)


def lt(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input < other`` elementwise.

    Example:
        >>> import microtensor as mt
        >>> mt.lt(mt.tensor([1, 2, 3]), 2)
        tensor([ True, False, False])
    """
    return _compare("lt", np.less, input, other)


def le(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input <= other`` elementwise.

    Example:
        >>> import microtensor as mt
        >>> mt.le(mt.tensor([1, 2, 3]), 2)
        tensor([ True,  True, False])
    """
    return _compare("le", np.less_equal, input, other)


def gt(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input > other`` elementwise.

    Example:
        >>> import microtensor as mt
        >>> mt.gt(mt.tensor([1, 2, 3]), 2)
        tensor([False, False,  True])
    """
    return _compare("gt", np.greater, input, other)


def ge(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input >= other`` elementwise.

    Example:
        >>> import microtensor as mt
        >>> mt.ge(mt.tensor([1, 2, 3]), 2)
        tensor([False,  True,  True])
    """
    return _compare("ge", np.greater_equal, input, other)


not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge


def logical_and(input: Any, other: Any) -> Tensor:  # noqa: A002
    """True where both are nonzero (nan counts as nonzero); any dtypes.

    Example:
        >>> import microtensor as mt
        >>> mt.logical_and(mt.tensor([True, True, False]), mt.tensor([1.0, 0.0, 1.0]))
        tensor([ True, False, False])
    """
    check_numbers("logical_and", input, other, "neither")
    a, b = _value("logical_and", input), _value("logical_and", other)
    return _apply("logical_and", np.logical_and, a, b)


def logical_or(input: Any, other: Any) -> Tensor:  # noqa: A002
    """True where either is nonzero.

    Example:
        >>> import microtensor as mt
        >>> mt.logical_or(mt.tensor([True, False, False]), mt.tensor([0, 2, 0]))
        tensor([ True,  True, False])
    """
    check_numbers("logical_or", input, other, "neither")
    a, b = _value("logical_or", input), _value("logical_or", other)
    return _apply("logical_or", np.logical_or, a, b)


def logical_xor(input: Any, other: Any) -> Tensor:  # noqa: A002
    """True where exactly one is nonzero.

    Example:
        >>> import microtensor as mt
        >>> mt.logical_xor(mt.tensor([True, False, True]), mt.tensor([True, True, False]))
        tensor([False,  True,  True])
    """
    check_numbers("logical_xor", input, other, "neither")
    a, b = _value("logical_xor", input), _value("logical_xor", other)
    return _apply("logical_xor", np.logical_xor, a, b)


def logical_not(input: Tensor) -> Tensor:  # noqa: A002
    """True where ``input`` is zero.

    Example:
        >>> import microtensor as mt
        >>> mt.logical_not(mt.tensor([0.0, 2.0]))
        tensor([ True, False])
    """
    return Tensor._make(np.asarray(np.logical_not(_value("logical_not", input))))


def _bitwise(op: str, fn: Callable[..., Any], input: Any, other: Any) -> Tensor:  # noqa: A002
    a, b = _operands(op, input, other)
    if np.asarray(a).dtype.kind == "f" or np.asarray(b).dtype.kind == "f":
        raise NotImplementedError(
            f"{op}(): not implemented for floating tensors: bitwise ops take bool or integer "
            "tensors (use logical_and/logical_or/logical_xor for truth values)"
        )
    return _apply(op, fn, a, b)


def bitwise_and(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Bitwise AND of bool or integer tensors (logical AND for bools); ``&``.

    Raises:
        NotImplementedError: for floating operands (PyTorch's type, a RuntimeError); the same
            for ``bitwise_or`` and ``bitwise_xor``.

    Example:
        >>> import microtensor as mt
        >>> mt.bitwise_and(mt.tensor([12, 10]), 6), mt.tensor([True, False]) & True
        (tensor([4, 2]), tensor([ True, False]))
    """
    check_numbers("bitwise_and", input, other, "either")
    return _bitwise("bitwise_and", np.bitwise_and, input, other)


def bitwise_or(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Bitwise OR of bool or integer tensors; ``|``.

    Example:
        >>> import microtensor as mt
        >>> mt.bitwise_or(mt.tensor([12, 10]), 6)
        tensor([14, 14])
    """
    check_numbers("bitwise_or", input, other, "either")
    return _bitwise("bitwise_or", np.bitwise_or, input, other)


def bitwise_xor(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Bitwise XOR of bool or integer tensors; ``^``.

    Example:
        >>> import microtensor as mt
        >>> mt.bitwise_xor(mt.tensor([12, 10]), 6)
        tensor([10, 12])
    """
    check_numbers("bitwise_xor", input, other, "either")
    return _bitwise("bitwise_xor", np.bitwise_xor, input, other)


def bitwise_not(input: Tensor) -> Tensor:  # noqa: A002
    """Bitwise NOT of a bool or integer tensor (logical NOT for bools); ``~``.

    Raises:
        TypeError: for floating tensors (as PyTorch's ``~``).

    Example:
        >>> import microtensor as mt
        >>> ~mt.tensor([True, False]), mt.bitwise_not(mt.tensor([0, 5]))
        (tensor([False,  True]), tensor([-1, -6]))
    """
    a = _value("bitwise_not", input)
    if np.asarray(a).dtype.kind == "f":
        raise TypeError(
            "bitwise_not(): ~ (operator.invert) is only implemented on integer and Boolean-type "
            "tensors; for a float mask use logical_not() or compare first"
        )
    return Tensor._make(np.asarray(np.invert(a)))


def isnan(input: Tensor) -> Tensor:  # noqa: A002
    """True where ``input`` is nan (never for integer tensors).

    Example:
        >>> import microtensor as mt
        >>> mt.isnan(mt.tensor([1.0, float("nan")]))
        tensor([False,  True])
    """
    return Tensor._make(np.asarray(np.isnan(_value("isnan", input))))


def isinf(input: Tensor) -> Tensor:  # noqa: A002
    """True where ``input`` is +inf or -inf.

    Example:
        >>> import microtensor as mt
        >>> mt.isinf(mt.tensor([1.0, float("-inf")]))
        tensor([False,  True])
    """
    return Tensor._make(np.asarray(np.isinf(_value("isinf", input))))


def isposinf(input: Tensor) -> Tensor:  # noqa: A002
    """True where ``input`` is +inf.

    Example:
        >>> import microtensor as mt
        >>> mt.isposinf(mt.tensor([1.0, float("inf"), float("-inf")]))
        tensor([False,  True, False])
    """
    return Tensor._make(np.asarray(np.isposinf(_value("isposinf", input))))


def isneginf(input: Tensor) -> Tensor:  # noqa: A002
    """True where ``input`` is -inf.

    Example:
        >>> import microtensor as mt
        >>> mt.isneginf(mt.tensor([1.0, float("inf"), float("-inf")]))
        tensor([False, False,  True])
    """
    return Tensor._make(np.asarray(np.isneginf(_value("isneginf", input))))


def isreal(input: Tensor) -> Tensor:  # noqa: A002
    """True where the imaginary part is 0: everywhere for a real tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.isreal(mt.tensor([1.0, 2 + 0j, 1j]))
        tensor([ True,  True, False])
    """
    values = _value("isreal", input)
    if np.iscomplexobj(values):
        return Tensor._make(np.asarray(values.imag == 0))
    return Tensor._make(np.ones(np.shape(values), np.bool_))


def isfinite(input: Tensor) -> Tensor:  # noqa: A002
    """True where ``input`` is neither nan nor infinite.

    Example:
        >>> import microtensor as mt
        >>> mt.isfinite(mt.tensor([1.0, float("inf"), float("nan")]))
        tensor([ True, False, False])
    """
    return Tensor._make(np.asarray(np.isfinite(_value("isfinite", input))))


def _tensor_pair(op: str, input: Any, other: Any) -> tuple[np.ndarray, np.ndarray]:  # noqa: A002
    for name, x in (("input", input), ("other", other)):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return input._data, other._data


def equal(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    """True if both tensors have the same shape and the same values (nan is never equal).

    Dtypes may differ: values are compared after promotion, as PyTorch.

    Raises:
        TypeError: if either argument is not a tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.equal(mt.tensor([1, 2]), mt.tensor([1.0, 2.0])), mt.equal(mt.ones(2), mt.ones(3))
        (True, False)
    """
    a, b = _tensor_pair("equal", input, other)
    if a.shape != b.shape:
        return False
    a, b = _operands("equal", a, b)
    return builtins.bool(np.array_equal(a, b))


def isclose(
    input: Tensor,  # noqa: A002
    other: Tensor,
    rtol: float = 1e-05,
    atol: float = 1e-08,
    equal_nan: bool = False,
) -> Tensor:
    """True where ``|input - other| <= atol + rtol * |other|`` (or both are equal), broadcasting.

    Infinities are close only to themselves; nan is close to nan only if ``equal_nan``.

    Args:
        input: a tensor.
        other: a tensor of the same dtype.
        rtol: relative tolerance (>= 0).
        atol: absolute tolerance (>= 0).
        equal_nan: count two nans as close.

    Raises:
        TypeError: if either argument is not a tensor.
        RuntimeError: if the dtypes differ, a tolerance is negative, or the shapes do not
            broadcast (the same for ``allclose``).

    Example:
        >>> import microtensor as mt
        >>> mt.isclose(mt.tensor([1.0, 1.1]), mt.tensor([1.000001, 1.0]))
        tensor([ True, False])
    """
    return _isclose("isclose", input, other, rtol, atol, equal_nan)


def _isclose(
    op: str,
    input: Any,  # noqa: A002
    other: Any,
    rtol: float,
    atol: float,
    equal_nan: bool,
) -> Tensor:
    """``isclose`` for ``op`` (isclose or allclose, named in errors)."""
    a, b = _tensor_pair(op, input, other)
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{op}(): {input.dtype} did not match {other.dtype}: both tensors must have the "
            "same dtype (convert one with .to())"
        )
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if tol < 0:
            raise RuntimeError(f"{op}(): {name} must be greater than or equal to zero, got {tol}")
    try:
        close = np.asarray(a == b)
    except ValueError:
        raise broadcast_error(op, a, b) from None
    if equal_nan:
        close = close | (np.isnan(a) & np.isnan(b))
    if rtol == 0 and atol == 0:
        return Tensor._make(close)
    if a.dtype.kind not in "fc":
        # integers are compared in the default float dtype: a - b could wrap around
        a, b = (x.astype(dtypes.get_default_dtype().numpy) for x in (a, b))
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf is nan: not close
        error = np.abs(a - b)
        close = close | (np.isfinite(error) & (error <= atol + np.abs(rtol * b)))
    return Tensor._make(np.asarray(close))


def allclose(
    input: Tensor,  # noqa: A002
    other: Tensor,
    rtol: float = 1e-05,
    atol: float = 1e-08,
    equal_nan: bool = False,
) -> bool:
    """True if ``isclose(input, other, rtol, atol, equal_nan)`` holds everywhere.

    Example:
        >>> import microtensor as mt
        >>> mt.allclose(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 2.0000001]))
        True
    """
    return builtins.bool(_isclose("allclose", input, other, rtol, atol, equal_nan)._data.all())
