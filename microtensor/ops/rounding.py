"""Piecewise-constant ops: sign, sgn, angle, floor, ceil, trunc, round; and frac, their remainder.

Their gradient is zero (where it exists), and PyTorch returns zeros rather than no gradient,
so a model that rounds still gets a ``.grad`` of zeros. Integer tensors keep their dtype (the
result is a copy); bool tensors are rejected, except by ``sign``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops._pointwise import float_input, sign_of, tensor_input, zeros_like
from microtensor.tensor import Tensor

__all__ = ["angle", "ceil", "floor", "frac", "round", "sgn", "sign", "trunc"]


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
    return Sign.apply(tensor_input("sign", input))  # type: ignore[no-any-return]


def sgn(input: Tensor) -> Tensor:  # noqa: A002
    """``sign`` under the name PyTorch uses for the sign of complex numbers (``x / |x|``).

    For the real tensors of microtensor it is ``sign``: -1, 0 or 1 in input's dtype.

    Example:
        >>> import microtensor as mt
        >>> mt.sgn(mt.tensor([-2.0, 0.0, 3.0]))
        tensor([-1.,  0.,  1.])
    """
    return Sign.apply(tensor_input("sgn", input))  # type: ignore[no-any-return]


def angle(input: Tensor) -> Tensor:  # noqa: A002
    """The argument of each element as a complex number: pi for negatives, 0 otherwise.

    Integers give the default float dtype; nan stays nan. The gradient is 0, as in PyTorch.

    Example:
        >>> import microtensor as mt
        >>> mt.angle(mt.tensor([-2.0, 0.0, 3.0]))
        tensor([3.1416, 0.0000, 0.0000])
    """
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
    return Floor.apply(tensor_input("floor", input, bool_ok=False))  # type: ignore[no-any-return]


def ceil(input: Tensor) -> Tensor:  # noqa: A002
    """The smallest integer >= each element.

    Example:
        >>> import microtensor as mt
        >>> mt.ceil(mt.tensor([-1.5, 1.5]))
        tensor([-1.,  2.])
    """
    return Ceil.apply(tensor_input("ceil", input, bool_ok=False))  # type: ignore[no-any-return]


def trunc(input: Tensor) -> Tensor:  # noqa: A002
    """Each element rounded towards zero.

    Example:
        >>> import microtensor as mt
        >>> mt.trunc(mt.tensor([-1.5, 1.5]))
        tensor([-1.,  1.])
    """
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
    if decimals != 0 and input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"round(): decimals={decimals} is not implemented for {input.dtype} tensors; "
            "convert to float first"
        )
    return Round.apply(input, decimals)  # type: ignore[no-any-return]
