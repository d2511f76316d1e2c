"""logaddexp and logaddexp2: ``log(exp(a) + exp(b))`` without overflow, as one op."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import broadcast_error, promote
from microtensor.tensor import Tensor

__all__ = ["logaddexp", "logaddexp2"]


class LogAddExp(Op, node_name="LogaddexpBackward0"):
    """z = log(exp(a) + exp(b));  dz/da = sigmoid(a - b),  dz/db = sigmoid(b - a).

    ``base`` 2: z = log2(2**a + 2**b), whose derivatives are sigmoid((a - b) * ln 2).
    Complex (base e only, as torch): the derivatives conjugated.
    """

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any, base: float) -> Any:
        ctx.base = base
        ctx.save_for_backward(a, b)
        if np.result_type(a, b).kind == "c":
            return complex_logaddexp(a, b)
        # NumPy shifts by the max: log(e**a + e**b) = max + log1p(e**-|a - b|)
        return np.logaddexp(a, b) if base == math.e else np.logaddexp2(a, b)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, b = ctx.saved_tensors
        scale = 1.0 if ctx.base == math.e else math.log(2.0)
        with np.errstate(invalid="ignore"):  # inf - inf: NaN, as PyTorch
            need_a, need_b = ctx.needs_input_grad[:2]
            grad_a = grad_out * dual.conj(dual.sigmoid((a - b) * scale)) if need_a else None
            grad_b = grad_out * dual.conj(dual.sigmoid((b - a) * scale)) if need_b else None
        return grad_a, grad_b, None


def complex_logaddexp(a: Any, b: Any) -> np.ndarray:
    """Complex logaddexp as torch: hi + log1p(exp(lo - hi)), hi the operand of larger real part.

    NaN in either part gives nan+nanj; real parts both -inf give lo, both +inf log(e**a + e**b).
    """
    a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    b_higher = b.real > a.real  # ties: hi is a, as torch
    hi, lo = np.where(b_higher, b, a), np.where(b_higher, a, b)
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.asarray(hi + np.log1p(np.exp(lo - hi)))
        same_inf = np.isinf(lo.real) & (lo.real == hi.real)
        if same_inf.any():
            out = np.where(same_inf & (lo.real < 0), lo, out)
            out = np.where(same_inf & (lo.real > 0), np.log(np.exp(lo) + np.exp(hi)), out)
    nan = np.isnan(lo.real) | np.isnan(lo.imag)
    return np.where(nan, complex(np.nan, np.nan), out).astype(np.result_type(a, b), copy=False)


def logaddexp(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``log(exp(input) + exp(other))``, without overflow or underflow, broadcasting.

    Differs from PyTorch: either argument may be a number.

    Raises:
        RuntimeError: if the shapes do not broadcast.
        NotImplementedError: for integer or bool inputs (as PyTorch).
        TypeError: if neither argument is a tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.logaddexp(mt.tensor([1000.0, -1000.0]), mt.tensor([1000.0, -1001.0]))
        tensor([1000.6932, -999.6868])
    """
    return _logaddexp("logaddexp", input, other, math.e)


def logaddexp2(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``log2(2**input + 2**other)``, without overflow; as ``logaddexp``.

    Example:
        >>> import microtensor as mt
        >>> mt.logaddexp2(mt.tensor([1.0, 3.0]), mt.tensor([1.0, 0.0]))
        tensor([2.0000, 3.1699])
    """
    return _logaddexp("logaddexp2", input, other, 2.0)


class LogAddExp2(LogAddExp, node_name="Logaddexp2Backward0"):
    """``logaddexp2``."""


def _logaddexp(op: str, input: Any, other: Any, base: float) -> Tensor:  # noqa: A002
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    a, b = promote(input, other)
    dtype = (a if isinstance(a, Tensor) else b)._data.dtype
    if dtype.kind != "f" and not (dtype.kind == "c" and base == math.e):
        raise NotImplementedError(f"{op}(): not implemented for {dtype}; call .float() first")
    try:
        node = LogAddExp if base != 2.0 else LogAddExp2
        return node.apply(a, b, base)  # type: ignore[no-any-return]
    except ValueError:
        raise broadcast_error(op, a, b) from None
