"""softmax and log_softmax along one dim: fused, numerically stable ops.

Fused rather than composed from exp and sum: one pass, no overflow (the max is subtracted
first), and log_softmax never takes the log of an underflowed softmax.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from microtensor._numpy_names import numpy_names
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import normalize_dim
from microtensor.ops._short_rows import reduce_kept
from microtensor.tensor import Tensor

__all__ = ["log_softmax", "softmax"]


def _shifted(a: np.ndarray, axis: int | None) -> np.ndarray:
    """``a - max(a)`` along ``axis``: exp of it never overflows (all -inf gives nan, as PyTorch)."""
    if a.size == 0:
        return a.copy()
    with np.errstate(invalid="ignore"):
        return a - (np.amax(a) if axis is None else reduce_kept(np.maximum, a, axis))


def _sum_kept(a: np.ndarray, axis: int | None) -> np.ndarray:
    """The sum along ``axis``, kept as a size-1 dim (a 0-d ``a``: ``axis`` None)."""
    return np.sum(a, keepdims=True) if axis is None else reduce_kept(np.add, a, axis)


class Softmax(Op):
    """y = exp(a) / sum(exp(a));  dL/da = y * (g - sum(g * y)) along dim."""

    @staticmethod
    def forward(ctx: Any, a: Any, dim: int) -> Any:
        ctx.dim = dim if a.ndim else None
        exps = np.exp(_shifted(a, ctx.dim))
        out = exps / _sum_kept(exps, ctx.dim)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (y,) = ctx.saved_tensors
        return y * (grad_out - dual.sum(grad_out * y, ctx.dim, True))


class LogSoftmax(Op):
    """y = a - log(sum(exp(a)));  dL/da = g - exp(y) * sum(g) along dim."""

    @staticmethod
    def forward(ctx: Any, a: Any, dim: int) -> Any:
        ctx.dim = dim if a.ndim else None
        shifted = _shifted(a, ctx.dim)
        with np.errstate(divide="ignore"):  # a sum over an empty dim is 0
            out = shifted - np.log(_sum_kept(np.exp(shifted), ctx.dim))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (y,) = ctx.saved_tensors
        return grad_out - dual.exp(y) * dual.sum(grad_out, ctx.dim, True)


def _prepare(op: str, input: Tensor, dim: int | None, dtype: Any) -> tuple[Tensor, int]:  # noqa: A002
    """Cast to ``dtype``, check the input is floating, and pick the dim as PyTorch does."""
    if dtype is not None:
        input = input.to(dtype)  # noqa: A001
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(
            f'{op}(): "{op}" not implemented for {input.dtype}: call .float() first or pass '
            "dtype=microtensor.float32"
        )
    ndim = input._data.ndim
    if dim is None:
        warnings.warn(
            f"Implicit dimension choice for {op} has been deprecated. Change the call to "
            "include dim=X as an argument.",
            UserWarning,
            stacklevel=3,
        )
        dim = 0 if ndim in (0, 1, 3) else 1
    return input, normalize_dim(op, dim, ndim)


@numpy_names
def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """``exp(x) / sum(exp(x))`` along ``dim``: each slice becomes a probability distribution.

    Stable for any finite input (the max is subtracted first, so 1000 does not overflow); a
    slice of all ``-inf`` gives nan, as PyTorch.

    Args:
        input: a floating tensor.
        dim: the dim to normalize. If None, PyTorch's deprecated implicit choice (dim 0 for
            0-, 1- and 3-d inputs, else 1) is used, with a warning.
        dtype: cast the input to this dtype first (for integer inputs, say).

    Raises:
        NotImplementedError: for an integer or bool input without ``dtype`` (as PyTorch; a
            subclass of RuntimeError).
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.softmax(mt.tensor([[1000.0, 1000.0], [0.0, 1.0]]), dim=1)
        tensor([[0.5000, 0.5000],
                [0.2689, 0.7311]])
    """
    input, dim = _prepare("softmax", input, dim, dtype)  # noqa: A001
    return Softmax.apply(input, dim)  # type: ignore[no-any-return]


@numpy_names
def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """``x - log(sum(exp(x)))`` along ``dim``: the log of ``softmax``, computed directly.

    Never ``log(softmax(x))``, which gives ``-inf`` once ``softmax`` underflows: here the log
    probability of an entry 2000 below the max is -2000.

    Args:
        input: a floating tensor.
        dim: the dim to normalize (None: PyTorch's implicit choice, as ``softmax``).
        dtype: cast the input to this dtype first.

    Raises:
        NotImplementedError: for an integer or bool input without ``dtype``.
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.log_softmax(mt.tensor([1000.0, -1000.0]), dim=0)
        tensor([    0., -2000.])
    """
    input, dim = _prepare("log_softmax", input, dim, dtype)  # noqa: A001
    return LogSoftmax.apply(input, dim)  # type: ignore[no-any-return]
