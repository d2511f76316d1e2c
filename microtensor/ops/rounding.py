"""Piecewise-constant ops: sign, floor, ceil, trunc, round.

Their gradient is zero (where it exists), and PyTorch returns zeros rather than no gradient,
so a model that rounds still gets a ``.grad`` of zeros. Integer tensors keep their dtype (the
result is a copy); bool tensors are rejected, except by ``sign``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops._pointwise import sign_of, tensor_input, zeros_like
from microtensor.tensor import Tensor

__all__ = ["ceil", "floor", "round", "sign", "trunc"]


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
