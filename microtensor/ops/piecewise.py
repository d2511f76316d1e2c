"""Piecewise elementwise ops: abs, relu, maximum, minimum, fmax, fmin, heaviside, where.

Their derivatives are masks (constants), so backward picks gradients with ``where``. At a kink
each op makes PyTorch's choice: abs and relu give 0 at 0, maximum and minimum split it half and
half on ties (fmax and fmin give it all to input). clamp has its own file, ``clamp.py``.
Re-exported by ``elementwise.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._out_argument import write_out
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import as_tensor_arg, binary, promote, values
from microtensor.ops._pointwise import (
    broadcast_error3,
    check_numbers,
    refuse_complex,
    sign_of,
    tensor_input,
)
from microtensor.ops.rounding import complex_sgn
from microtensor.tensor import Tensor

__all__ = [
    "abs",
    "absolute",
    "fmax",
    "fmin",
    "heaviside",
    "maximum",
    "minimum",
    "relu",
    "where",
]


class Abs(Op):
    """z = |a|;  dz/da = sign(a), 0 at a = 0;  complex a: grad_a = g * a / |a| (PyTorch's sgn)."""

    complex_grad = True  # a complex input gets g * sgn(a), its output is real

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        if values(a).dtype.kind == "c":
            return grad_out * complex_sgn(a)
        return grad_out * sign_of(values(a))


class Relu(Op):
    """z = max(a, 0);  dz/da = 1 where z > 0, else 0 (0 at a = 0)."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        out = np.maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (z,) = ctx.saved_tensors
        if dual.is_array(grad_out) and np.isfinite(grad_out).all():
            # a multiply by the mask is ~8x faster than where on random masks; where is kept
            # for nan/inf upstream gradients, which PyTorch zeroes at dead units
            grad = grad_out * ~(z <= 0)  # not "z > 0": a nan input passes its gradient
            grad += 0.0  # turns the -0.0 of negative gradients at dead units into 0.0, as torch
            return grad
        return dual.where(values(z) <= 0, 0.0, grad_out)


class Maximum(Op):
    """z = max(a, b);  dz/da = 1 where a > b, 1/2 on ties, else 0 (dz/db mirrored).

    A nan in either operand gives both gradients 1, as in PyTorch.
    """

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _split_ties(ctx, grad_out, larger=True)


class Minimum(Op):
    """z = min(a, b);  dz/da = 1 where a < b, 1/2 on ties, else 0 (dz/db mirrored).

    A nan in either operand gives both gradients 1, as in PyTorch.
    """

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _split_ties(ctx, grad_out, larger=False)


class Fmax(Op):
    """z = max(a, b), ignoring a nan operand;  dz/da = 1 where a >= b or b is nan, else dz/db."""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.to_input = (a >= b) | (b != b)
        return np.fmax(a, b)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _to_input_or_other(ctx, grad_out)


class Fmin(Op):
    """z = min(a, b), ignoring a nan operand;  dz/da = 1 where a <= b or b is nan, else dz/db."""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.to_input = (a <= b) | (b != b)
        return np.fmin(a, b)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return _to_input_or_other(ctx, grad_out)


def _to_input_or_other(ctx: Any, grad_out: Any) -> tuple[Any, Any]:
    """Gradients of fmax/fmin: all to input where ``ctx.to_input``, else all to other."""
    need_a, need_b = ctx.needs_input_grad
    grad_a = dual.where(ctx.to_input, grad_out, 0.0) if need_a else None
    grad_b = dual.where(ctx.to_input, 0.0, grad_out) if need_b else None
    return grad_a, grad_b


class Heaviside(Op):
    """z = 0 for a < 0 (and nan), b for a = 0, 1 for a > 0 (not differentiable, as PyTorch)."""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        # PyTorch's rule, (a > 0) unless a == 0: a nan input gives 0 (NumPy's heaviside gives nan)
        return np.where(a == 0, b, a > 0).astype(np.result_type(a, b), copy=False)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        raise RuntimeError(
            "the derivative for heaviside is not implemented. Fix: call heaviside on "
            "detached tensors (x.detach())"
        )


def _split_ties(ctx: Any, grad_out: Any, *, larger: bool) -> tuple[Any, Any]:
    """Gradients of max (``larger``) or min: the winner gets all, a tie half each."""
    a, b = (values(v) for v in ctx.saved_tensors)
    ties = a == b
    shared = dual.where(ties, grad_out * 0.5, grad_out)
    a_loses, b_loses = (a < b, a > b) if larger else (a > b, a < b)
    grad_a = dual.where(a_loses, 0.0, shared) if ctx.needs_input_grad[0] else None
    grad_b = dual.where(b_loses, 0.0, shared) if ctx.needs_input_grad[1] else None
    return grad_a, grad_b


class Where(Op):
    """z = a where condition else b;  dz/da = condition,  dz/db = not condition."""

    complex_grad = True  # backward is linear in grad_out with real coefficients

    _listed = (1, 2)  # torch's where wraps a number operand as a tensor; the condition has none

    @staticmethod
    def forward(ctx: Any, condition: Any, a: Any, b: Any) -> Any:
        ctx.condition = condition
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        condition = ctx.condition
        grad_a = dual.where(condition, grad_out, 0.0) if ctx.needs_input_grad[1] else None
        grad_b = dual.where(condition, 0.0, grad_out) if ctx.needs_input_grad[2] else None
        return None, grad_a, grad_b


def abs(input: Tensor, *, out: Any = None) -> Tensor:  # noqa: A001, A002
    """``|input|``; integers stay integers. The gradient at 0 is 0, as in PyTorch.

    Raises:
        NotImplementedError: for bool tensors.

    Example:
        >>> import microtensor as mt
        >>> mt.abs(mt.tensor([-1.5, 2.0])), mt.abs(mt.tensor([-3]))
        (tensor([1.5000, 2.0000]), tensor([3]))
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, abs(input), "abs")
    return Abs.apply(tensor_input("abs", input, bool_ok=False))  # type: ignore[no-any-return]


absolute = abs


def relu(input: Tensor) -> Tensor:  # noqa: A002
    """``max(input, 0)``; integers stay integers. The gradient at 0 is 0, as in PyTorch.

    Raises:
        NotImplementedError: for bool tensors.

    Example:
        >>> import microtensor as mt
        >>> mt.relu(mt.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
    """
    refuse_complex(input, "clamp is not supported for complex types")
    return Relu.apply(tensor_input("relu", input, bool_ok=False))  # type: ignore[no-any-return]


def maximum(input: Tensor, other: Any, *, out: Any = None) -> Tensor:  # noqa: A002
    """Elementwise maximum, broadcasting; nan if either is nan.

    On ties the gradient is split half and half between ``input`` and ``other``, as PyTorch.
    Differs from PyTorch: ``other`` may also be a NumPy array.

    Raises:
        RuntimeError: if the shapes do not broadcast.
        TypeError: if an argument is a Python number (as PyTorch: both must be tensors).

    Example:
        >>> import microtensor as mt
        >>> mt.maximum(mt.tensor([1.0, 5.0]), mt.tensor([3.0, 2.0]))
        tensor([3., 5.])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, maximum(input, other), "maximum")
    check_numbers("maximum", input, other, "neither")
    _refuse_complex_pair("maximum", input, other)
    return binary(Maximum, "maximum", input, other)


def minimum(input: Tensor, other: Any, *, out: Any = None) -> Tensor:  # noqa: A002
    """Elementwise minimum, broadcasting; nan if either is nan (ties split the gradient).

    Raises:
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.minimum(mt.tensor([1.0, 5.0]), mt.tensor([3.0, 2.0]))
        tensor([1., 2.])
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, minimum(input, other), "minimum")
    check_numbers("minimum", input, other, "neither")
    _refuse_complex_pair("minimum", input, other)
    return binary(Minimum, "minimum", input, other)


def where(condition: Any, input: Any = None, other: Any = None, *, out: Any = None) -> Any:  # noqa: A002
    """``input`` where ``condition`` is True, else ``other``, broadcasting all three.

    With only ``condition``, returns the indices of its nonzero elements, one int64 tensor per
    dim (as ``nonzero(as_tuple=True)``). Gradients flow to ``input`` and ``other`` (zero where
    the other one was chosen).

    Args:
        condition: a bool tensor or NumPy array (a NumPy array is a microtensor extension).
        input: values where ``condition`` is True (tensor or number).
        other: values where ``condition`` is False (tensor or number).
        out: a tensor to write the result into, as torch's ``out=`` (no graph).

    Returns:
        A tensor, or a tuple of index tensors when only ``condition`` is given.

    Raises:
        RuntimeError: if ``condition`` is not bool, or the shapes do not broadcast.
        TypeError: if only one of ``input`` and ``other`` is given.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([-1.0, 2.0, -3.0])
        >>> mt.where(x > 0, x, 0.0), mt.where(x > 0)
        (tensor([0., 2., 0.]), (tensor([1]),))
    """
    if out is not None:  # torch's out=: the result, written into out
        return write_out(out, where(condition, input, other), "where")
    mask = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if input is None and other is None:
        return tuple(
            Tensor._make(i.astype(np.int64, copy=False)) for i in np.nonzero(np.atleast_1d(mask))
        )
    if input is None or other is None:
        raise TypeError(
            "where(): give both input and other, or neither (where(condition) "
            "returns the indices of the True elements)"
        )
    if mask.dtype != np.bool_:
        raise RuntimeError(
            f"where(): expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{dtypes.from_numpy_dtype(mask.dtype)}; compare first (x > 0) or call .bool()"
        )
    input, other = as_tensor_arg(input), as_tensor_arg(other)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        # two Python numbers: a float gets the default dtype, as torch.where(c, 1.0, 0.0)
        input = Tensor._make(np.array(input, dtype=dtypes.to_dtype(type(input)).numpy))
    input, other = promote(input, other)
    try:
        return Where.apply(mask, input, other)
    except ValueError:
        raise broadcast_error3("where", mask, input, other) from None


def _refuse_complex_pair(op: str, input: Any, other: Any) -> None:  # noqa: A002
    for x in (input, other):
        refuse_complex(x, f"{op} not implemented for complex tensors.", RuntimeError)


def fmax(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Elementwise maximum that ignores nan: a nan only where both operands are nan.

    On ties the gradient goes to ``input`` (PyTorch's choice; ``maximum`` splits it).

    Raises:
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> nan = float("nan")
        >>> mt.fmax(mt.tensor([1.0, nan, nan]), mt.tensor([3.0, 2.0, nan]))
        tensor([3., 2., nan])
    """
    check_numbers("fmax", input, other, "neither")
    _refuse_complex_pair("fmax", input, other)
    return binary(Fmax, "fmax", input, other)


def fmin(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Elementwise minimum that ignores nan: a nan only where both operands are nan.

    On ties the gradient goes to ``input`` (PyTorch's choice; ``minimum`` splits it).

    Raises:
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.fmin(mt.tensor([1.0, float("nan")]), mt.tensor([3.0, 2.0]))
        tensor([1., 2.])
    """
    check_numbers("fmin", input, other, "neither")
    _refuse_complex_pair("fmin", input, other)
    return binary(Fmin, "fmin", input, other)


def heaviside(input: Tensor, values: Tensor) -> Tensor:  # noqa: A002
    """The Heaviside step: 0 where ``input < 0``, 1 where ``input > 0``, ``values`` at 0.

    Raises:
        TypeError: if an argument is not a Tensor.
        RuntimeError: if the dtypes differ (as in PyTorch), or the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.heaviside(mt.tensor([-1.0, 0.0, 2.0]), mt.tensor([0.5]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    for name, value in (("input", input), ("values", values)):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"heaviside(): argument '{name}' must be Tensor, not {type(value).__name__}"
            )
    for x in (input, values):
        refuse_complex(x, "heaviside is not yet implemented for complex tensors.", RuntimeError)
    if input._data.dtype != values._data.dtype:
        raise RuntimeError(
            "heaviside is not yet implemented for tensors with different dtypes: input is "
            f"{input.dtype} and values is {values.dtype}; convert one with .to(other.dtype)"
        )
    return binary(Heaviside, "heaviside", input, values)
