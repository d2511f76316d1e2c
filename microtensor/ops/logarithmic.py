"""Logarithms in information-theory form: xlogy, xlog1py, entr, and logit (the log-odds).

Each treats the point where the plain formula gives ``0 * log(0) = nan`` as PyTorch does (the
term is 0). Values come from ``scipy.special`` (imported on first use); integer and bool inputs
give the default float dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import values
from microtensor.ops._pointwise import apply_binary, float_input, float_pair, scipy_special
from microtensor.tensor import Tensor

__all__ = ["logit", "xlogy"]
# only in microtensor.special, as in PyTorch: entr, xlog1py


class XLogY(Op, node_name="XlogyBackward0"):
    """z = x log(y + shift), 0 where x = 0 (unless y is nan); shift is 0 (xlogy) or 1 (xlog1py).

    dz/dx = log(y + shift), except 0 where x = 0 and y + shift <= 0 (PyTorch's convention);
    dz/dy = x / (y + shift).
    """

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any, shift: float) -> Any:
        ctx.shift = shift
        ctx.save_for_backward(x, y)
        sc = scipy_special()
        out = (sc.xlog1py if shift else sc.xlogy)(x, y)
        return np.asarray(out, dtype=np.result_type(x, y))

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        x, y = ctx.saved_tensors
        need_x, need_y, _ = ctx.needs_input_grad
        grad_x = grad_y = None
        if need_x:
            # xlogy(grad, y): 0 where the upstream gradient is 0, even where log(y) is inf
            grad_x = _xlogy(grad_out, y, ctx.shift)
            dead = (np.asarray(values(x)) == 0) & (np.asarray(values(y)) + ctx.shift <= 0)
            if dead.any():
                grad_x = dual.where(dead, 0.0, grad_x)
        if need_y:
            grad_y = grad_out * x / (y + ctx.shift) if ctx.shift else grad_out * x / y
        return grad_x, grad_y, None


def _xlogy(x: Any, y: Any, shift: float) -> Any:
    """The xlogy (shift 0) or xlog1py (shift 1) of arrays or Tensors, for backward formulas."""
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        sc = scipy_special()
        return np.asarray((sc.xlog1py if shift else sc.xlogy)(x, y), dtype=values(x).dtype)
    return XLogY.apply(x, y, shift)


class Entr(Op):
    """z = -a log(a) (0 at a = 0, -inf below);  dz/da = -(1 + log(a))."""

    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return np.asarray(scipy_special().entr(a), dtype=a.dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad_out * -(dual.log(a) + 1.0)


class Logit(Op):
    """z = log(c / (1 - c)), c = a clamped to [eps, 1 - eps];  dz/da = 1 / (a (1 - a)).

    The derivative is 0 where the clamp is active, and nan outside [0, 1] without eps.
    """

    @staticmethod
    def forward(ctx: Any, a: Any, eps: float | None) -> Any:
        ctx.eps = eps
        ctx.save_for_backward(a)
        clamped = a if eps is None else np.clip(a, eps, 1.0 - eps)
        return np.asarray(scipy_special().logit(clamped), dtype=a.dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        grad = grad_out / (a * (1.0 - a))
        raw, eps = values(a), ctx.eps
        low, high = (0.0, 1.0) if eps is None else (eps, 1.0 - eps)
        outside = (raw < low) | (raw > high)
        if not outside.any():
            return grad, None
        return dual.where(outside, np.nan if eps is None else 0.0, grad), None


def xlogy(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input * log(other)``, and 0 where ``input`` is 0 (unless ``other`` is nan).

    Args:
        input: a Tensor or number.
        other: a Tensor or number (at least one of the two is a Tensor); they broadcast.

    Raises:
        TypeError: if neither argument is a Tensor.
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.xlogy(mt.tensor([0.0, 2.0, 3.0]), mt.tensor([0.0, 1.0, 2.0]))
        tensor([0.0000, 0.0000, 2.0794])
    """
    x, y = float_pair("xlogy", input, other)
    return apply_binary(XLogY, "xlogy", x, y, 0.0)


def xlog1py(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input * log1p(other)``, and 0 where ``input`` is 0 (unless ``other`` is nan).

    Raises:
        TypeError: if neither argument is a Tensor.
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> mt.special.xlog1py(mt.tensor([0.0, 2.0]), mt.tensor([-1.0, 1.0]))
        tensor([0.0000, 1.3863])
    """
    x, y = float_pair("xlog1py", input, other)
    return apply_binary(XLogY, "xlog1py", x, y, 1.0)


def entr(input: Tensor) -> Tensor:  # noqa: A002
    """The elementwise entropy term ``-input * log(input)``: 0 at 0, -inf below 0.

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.special.entr(mt.tensor([0.0, 0.5, 2.0, -1.0]))
        tensor([ 0.0000,  0.3466, -1.3863,    -inf])
    """
    return Entr.apply(float_input("entr", input))  # type: ignore[no-any-return]


def logit(input: Tensor, eps: float | None = None) -> Tensor:  # noqa: A002
    """The log-odds ``log(p / (1 - p))``, the inverse of sigmoid.

    Args:
        input: probabilities.
        eps: if given, the input is first clamped to ``[eps, 1 - eps]`` (so 0 and 1 give
            finite values); ``None`` gives -inf at 0, inf at 1 and nan outside ``[0, 1]``.

    Raises:
        TypeError: if ``input`` is not a Tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.logit(mt.tensor([0.25, 0.5, 1.0]), eps=1e-6)
        tensor([-1.0986,  0.0000, 13.8023])
    """
    x = float_input("logit", input)
    return Logit.apply(x, None if eps is None else float(eps))  # type: ignore[no-any-return]
