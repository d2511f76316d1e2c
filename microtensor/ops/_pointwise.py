"""Argument checks and helpers shared by the elementwise ops.

Used by ``elementwise``, ``trigonometric``, ``piecewise``, ``rounding`` and the special
functions (``special``, ``gamma``, ``bessel``, ``logarithmic``, ``float_bits`` ...).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.ops import dual
from microtensor.ops._common import (
    as_tensor_arg,
    broadcast_error,
    promote,
    shape_of,
    to_float,
    values,
)
from microtensor.tensor import Tensor

_COMPLEX_NAMES = {"complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def refuse_complex(x: Any, message: str, error: type[Exception] = NotImplementedError) -> None:
    """Raise torch's error for an op that orders or rounds values when ``x`` is complex.

    ``message`` is torch's text; ``{}`` in it becomes torch's dtype name (``ComplexFloat``).
    NumPy orders complex numbers by real part, then imaginary part; torch refuses, and so do we.
    """
    data = x._data if isinstance(x, Tensor) else x
    if isinstance(data, np.ndarray) and data.dtype.kind == "c":
        text = message.format(_COMPLEX_NAMES[data.dtype.name])
        raise error(f"{text} (complex numbers have no order: compare .abs() or .real instead)")


def tensor_input(op: str, x: Any, *, bool_ok: bool = True) -> Tensor:
    """Check that ``x`` is a Tensor (and, unless ``bool_ok``, not a bool one).

    Raises:
        TypeError: if ``x`` is not a Tensor.
        NotImplementedError: for a bool tensor when not ``bool_ok`` (PyTorch's type, a
            subclass of RuntimeError).
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if not bool_ok and x._data.dtype == np.bool_:
        raise NotImplementedError(
            f"{op}(): not implemented for bool tensors; convert with .int() or .float() first"
        )
    return x


def float_input(op: str, x: Any) -> Tensor:
    """``x`` as a floating Tensor: integer and bool tensors become the default float dtype."""
    return to_float(tensor_input(op, x))  # type: ignore[no-any-return]


def sign_of(values: Any) -> Any:
    """-1, 0 or 1 for each value of an array, and 0 for nan (PyTorch's sign; NumPy gives nan)."""
    signs = np.sign(values)
    return np.where(signs != signs, 0, signs)


def zeros_like(grad_out: Any) -> Any:
    """A constant zero gradient (not ``grad_out * 0``, which is nan where grad_out is inf)."""
    zeros = np.zeros_like(values(grad_out))
    return zeros if dual.is_array(grad_out) else Tensor._make(zeros)


def broadcast_error3(op: str, x: Any, y: Any, z: Any) -> RuntimeError:
    """The broadcasting error for three operands, naming the first pair that does not fit."""
    for a, b in ((x, y), (x, z), (y, z)):
        try:
            np.broadcast_shapes(shape_of(a), shape_of(b))
        except ValueError:
            return broadcast_error(op, a, b)
    return broadcast_error(op, x, y)


def scipy_special() -> Any:
    """``scipy.special``, imported on first use so that ``import microtensor`` stays light."""
    import scipy.special

    return scipy.special


_NUMBERS = (bool, int, float, complex)


def check_numbers(op: str, input: Any, other: Any, allowed: str) -> None:  # noqa: A002
    """PyTorch's rule for which operands of a binary op may be Python numbers.

    ``allowed`` is ``"either"`` (a number may stand for either operand, not both: ``add``,
    ``pow``), ``"other"`` (``input`` must be a Tensor: ``eq``, ``fmod``) or ``"neither"``
    (both must be Tensors: ``maximum``, ``atan2``, ``logical_and``).

    Raises:
        TypeError: for a Python number where PyTorch requires a Tensor.
    """
    input_number, other_number = isinstance(input, _NUMBERS), isinstance(other, _NUMBERS)
    if input_number and (allowed != "either" or other_number):
        name, position, value = "input", 1, input
    elif other_number and allowed == "neither":
        name, position, value = "other", 2, other
    else:
        return
    raise TypeError(
        f"{op}(): argument '{name}' (position {position}) must be Tensor, not "
        f"{type(value).__name__}: wrap the number in microtensor.tensor(...)"
    )


def tensor_pair(op: str, input: Any, other: Any) -> tuple[Any, Any]:  # noqa: A002
    """Two operands (Tensors or Python numbers, at least one Tensor) at PyTorch's common dtype.

    Raises:
        TypeError: if neither operand is a Tensor.
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(
            f"{op}(): expected at least one Tensor argument, got {type(input).__name__} and "
            f"{type(other).__name__}; wrap a number in microtensor.tensor(...)"
        )
    return promote(as_tensor_arg(input), as_tensor_arg(other))  # type: ignore[no-any-return]


def float_pair(op: str, input: Any, other: Any) -> tuple[Any, Any]:  # noqa: A002
    """Two operands at their common dtype, integers and bools made the default float dtype."""
    a, b = tensor_pair(op, input, other)
    return to_float(a), to_float(b)


def apply_binary(op_class: Any, op: str, a: Any, b: Any, *options: Any) -> Tensor:
    """``op_class.apply(a, b, *options)``, turning NumPy's broadcasting error into PyTorch's."""
    try:
        return op_class.apply(a, b, *options)  # type: ignore[no-any-return]
    except ValueError:
        raise broadcast_error(op, a, b) from None
