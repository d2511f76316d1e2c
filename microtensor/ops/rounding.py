"""Piecewise-constant ops: sign, sgn, angle, floor, ceil, trunc, round; and frac, their remainder.

Their gradient is zero (where it exists), and PyTorch returns zeros rather than no gradient,
so a model that rounds still gets a ``.grad`` of zeros. The complex ``sgn`` (z / |z|) and
``angle`` are smooth away from 0 and have PyTorch's gradients. Integer tensors keep their dtype (the
result is a copy); bool tensors are rejected, except by ``sign``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import values
from microtensor.ops._pointwise import (
    float_input,
    refuse_complex,
    sign_of,
    tensor_input,
    zeros_like,
)
from microtensor.tensor import Tensor

__all__ = ["angle", "ceil", "floor", "frac", "round", "sgn", "sign", "trunc"]


def complex_sgn(x: Any) -> Any:
    """The sign z / |z| (0 at z = 0) of a complex array or (recorded) Tensor, for backward."""
    if not dual.is_array(x):
        return sgn(x)
    magnitude = np.abs(x)
    safe = np.where(magnitude == 0, 1, magnitude)
    s = np.empty_like(x)
    s.real, s.imag = x.real / safe, x.imag / safe  # the parts divided apart, as torch's sgn
    return s


class _Step(Op):
    """A piecewise-constant op: dz/da = 0."""

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return zeros_like(grad_out)


class Sign(_Step):
    """z = -1, 0 or 1 by the sign of a (0 for nan);  dz/da = 0."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        if a.dtype.kind == "f":
            return sign_of(a)
        return a.copy() if a.dtype == np.bool_ else np.sign(a)


class Floor(_Step):
    """z = floor(a);  dz/da = 0."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        return np.floor(a) if a.dtype.kind == "f" else a.copy()


class Ceil(_Step):
    """z = ceil(a);  dz/da = 0."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        return np.ceil(a) if a.dtype.kind == "f" else a.copy()


class Trunc(_Step):
    """z = trunc(a), towards zero;  dz/da = 0."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        return np.trunc(a) if a.dtype.kind == "f" else a.copy()


class Angle(_Step):
    """z = pi for a < 0, 0 for a >= 0 (the argument of a real number), nan for nan;  dz/da = 0."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        return np.where(a < 0, np.pi, np.where(a != a, np.nan, 0.0)).astype(a.dtype)


class ComplexAngle(Op, node_name="AngleBackward0"):
    """t = atan2(y, x) for a = x + iy;  grad_a = g * i a / |a|^2, 0 at a = 0 (PyTorch's)."""

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return np.arctan2(a.imag, a.real)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        at_zero = values(a) == 0
        # |a|^2 + 1 at a = 0, where a itself is 0: the gradient is 0 there, and finite
        squared = dual.abs(a) ** 2 + at_zero
        return grad_out * (a * 1j) / squared


class ComplexSgn(Op, node_name="SgnBackward0"):
    """s = a / |a|, 0 at a = 0;  grad_a = (g - s^2 conj(g)) / (2 |a|), 0 at a = 0 (PyTorch's)."""

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        s = complex_sgn(a)
        ctx.save_for_backward(a, s)
        return s

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, s = ctx.saved_tensors
        at_zero = values(a) == 0
        # 2|a| + 1 at a = 0 keeps the division finite; the factor ~at_zero zeroes it there
        return (grad_out - s * s * dual.conj(grad_out)) / (2 * dual.abs(a) + at_zero) * ~at_zero


class Frac(Op):
    """z = a - trunc(a), the fractional part (sign of a);  dz/da = 1."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        return a - np.trunc(a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return grad_out


class Round(_Step):
    """z = a rounded half to even at ``decimals`` places;  dz/da = 0."""

    @staticmethod
    def forward(ctx: Any, a: Any, decimals: int) -> Any:
        return np.round(a, decimals) if a.dtype.kind == "f" else a.copy()


def sign(input: Tensor) -> Tensor:  # noqa: A002
    """-1, 0 or 1 by the sign of each element (0 for nan), in input's dtype.

    Example:
        >>> import microtensor as mt
        >>> mt.sign(mt.tensor([-2.0, 0.0, 3.0])), mt.sign(mt.tensor([-5, 7]))
        (tensor([-1.,  0.,  1.]), tensor([-1,  1]))
    """
    if tensor_input("sign", input)._data.dtype.kind == "c":
        raise NotImplementedError(
            "Unlike NumPy, torch.sign is not intended to support complex numbers. Please use "
            "torch.sgn instead."
        )
    return Sign.apply(input)  # type: ignore[no-any-return]


def sgn(input: Tensor) -> Tensor:  # noqa: A002
    """The sign of complex numbers, ``x / |x|`` (0 at 0); ``sign`` for real tensors.

    Example:
        >>> import microtensor as mt
        >>> mt.sgn(mt.tensor([-2.0, 0.0, 3.0]))
        tensor([-1.,  0.,  1.])
        >>> mt.sgn(mt.tensor([3 + 4j, 0j]))
        tensor([0.6000+0.8000j, 0.0000+0.0000j])
    """
    if tensor_input("sgn", input)._data.dtype.kind == "c":
        return ComplexSgn.apply(input)  # type: ignore[no-any-return]
    return Sign.apply(input)  # type: ignore[no-any-return]


def angle(input: Tensor) -> Tensor:  # noqa: A002
    """The argument of each element as a complex number, atan2(imag, real), in radians.

    Real tensors give pi for negatives, 0 otherwise (integers give the default float dtype;
    nan stays nan), with gradient 0 as in PyTorch. Complex tensors give a float tensor of the
    same precision.

    Example:
        >>> import microtensor as mt
        >>> mt.angle(mt.tensor([-2.0, 0.0, 3.0]))
        tensor([3.1416, 0.0000, 0.0000])
        >>> mt.angle(mt.tensor([1j, -1 + 0j]))
        tensor([1.5708, 3.1416])
    """
    if tensor_input("angle", input)._data.dtype.kind == "c":
        return ComplexAngle.apply(input)  # type: ignore[no-any-return]
    return Angle.apply(float_input("angle", input))  # type: ignore[no-any-return]


def frac(input: Tensor) -> Tensor:  # noqa: A002
    """The fractional part ``input - trunc(input)``, with the sign of ``input``.

    Raises:
        NotImplementedError: for integer and bool tensors, as PyTorch.

    Example:
        >>> import microtensor as mt
        >>> mt.frac(mt.tensor([-1.5, 2.25]))
        tensor([-0.5000,  0.2500])
    """
    x = tensor_input("frac", input)
    if x._data.dtype.kind != "f":
        raise NotImplementedError(
            f"frac(): not implemented for {x.dtype} tensors; convert with .float() first"
        )
    return Frac.apply(x)  # type: ignore[no-any-return]


def floor(input: Tensor) -> Tensor:  # noqa: A002
    """The largest integer <= each element.

    Raises:
        NotImplementedError: for bool tensors (as ceil, trunc and round).

    Example:
        >>> import microtensor as mt
        >>> mt.floor(mt.tensor([-1.5, 1.5])), mt.floor(mt.tensor([3]))
        (tensor([-2.,  1.]), tensor([3]))
    """
    refuse_complex(input, "floor is not supported for complex inputs")
    return Floor.apply(tensor_input("floor", input, bool_ok=False))  # type: ignore[no-any-return]


def ceil(input: Tensor) -> Tensor:  # noqa: A002
    """The smallest integer >= each element.

    Example:
        >>> import microtensor as mt
        >>> mt.ceil(mt.tensor([-1.5, 1.5]))
        tensor([-1.,  2.])
    """
    refuse_complex(input, "ceil is not supported for complex inputs")
    return Ceil.apply(tensor_input("ceil", input, bool_ok=False))  # type: ignore[no-any-return]


def trunc(input: Tensor) -> Tensor:  # noqa: A002
    """Each element rounded towards zero.

    Example:
        >>> import microtensor as mt
        >>> mt.trunc(mt.tensor([-1.5, 1.5]))
        tensor([-1.,  1.])
    """
    refuse_complex(input, "trunc is not supported for complex inputs")
    return Trunc.apply(tensor_input("trunc", input, bool_ok=False))  # type: ignore[no-any-return]


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001, A002
    """Round half to even, at ``decimals`` decimal places (negative: to tens, hundreds ...).

    Raises:
        NotImplementedError: for integer tensors with ``decimals != 0``, as PyTorch.

    Example:
        >>> import microtensor as mt
        >>> mt.round(mt.tensor([0.5, 1.5, 2.567])), mt.round(mt.tensor([2.567]), decimals=2)
        (tensor([0., 2., 3.]), tensor([2.5700]))
    """
    input = tensor_input("round", input, bool_ok=False)
    refuse_complex(input, "\"round_vml_cpu\" not implemented for '{}'")
    if decimals != 0 and input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"round(): decimals={decimals} is not implemented for {input.dtype} tensors; "
            "convert to float first"
        )
    return Round.apply(input, decimals)  # type: ignore[no-any-return]
