"""Assorted ops: logaddexp, nan_to_num, clamp_min/max, var_mean, diff, meshgrid, ravel, ...

Most are compositions of existing ops; logaddexp and nan_to_num are ops of their own. The ops
built from indexing are in ``misc.py``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import broadcast_error, normalize_dim, normalize_dims, promote
from microtensor.tensor import Tensor

# fmt: off
__all__ = [
    "clamp_max", "clamp_min", "count_nonzero", "diff", "logaddexp", "logaddexp2", "meshgrid",
    "nan_to_num", "ravel", "std_mean", "var_mean",
]
# fmt: on


class LogAddExp(Op):
    """z = log(exp(a) + exp(b));  dz/da = sigmoid(a - b),  dz/db = sigmoid(b - a).

    ``base`` 2: z = log2(2**a + 2**b), whose derivatives are sigmoid((a - b) * ln 2).
    """

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any, base: float) -> Any:
        ctx.base = base
        ctx.save_for_backward(a, b)
        # NumPy shifts by the max: log(e**a + e**b) = max + log1p(e**-|a - b|)
        return np.logaddexp(a, b) if base == math.e else np.logaddexp2(a, b)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, b = ctx.saved_tensors
        scale = 1.0 if ctx.base == math.e else math.log(2.0)
        with np.errstate(invalid="ignore"):  # inf - inf: NaN, as PyTorch
            grad_a = grad_out * dual.sigmoid((a - b) * scale) if ctx.needs_input_grad[0] else None
            grad_b = grad_out * dual.sigmoid((b - a) * scale) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b, None


class NanToNum(Op):
    """z = a with NaN and +-inf replaced by numbers;  dz/da = 1 where a is finite, else 0."""

    @staticmethod
    def forward(ctx: Any, a: Any, nan: float, posinf: Any, neginf: Any) -> Any:
        ctx.finite = np.isfinite(a)
        return np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return dual.where(ctx.finite, grad_out, 0.0), None, None, None


# --- compositions of existing ops ------------------------------------------------------------


def diff(
    input: Tensor,  # noqa: A002
    n: int = 1,
    dim: int = -1,
    prepend: Tensor | None = None,
    append: Tensor | None = None,
) -> Tensor:
    """The ``n``-th forward difference along ``dim``: ``out[i] = input[i + 1] - input[i]``.

    ``prepend`` and ``append`` are concatenated along ``dim`` first. Bool inputs give
    ``input[i + 1] != input[i]``. Each difference shortens ``dim`` by one (down to empty);
    ``n=0`` gives a copy of ``input``.

    Raises:
        RuntimeError: for a 0-d input, a negative ``n``, or ``prepend``/``append`` with
            another number of dims.
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.diff(mt.tensor([1.0, 4.0, 9.0, 16.0])), mt.diff(mt.tensor([1, 4, 9, 16]), n=2)
        (tensor([3., 5., 7.]), tensor([2, 2]))
    """
    ndim = input._data.ndim
    if ndim == 0:
        raise RuntimeError("diff(): diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"diff(): order must be non-negative but got {n}")
    d = normalize_dim("diff", dim, ndim)
    extra = [t for t in (prepend, append) if t is not None]
    if any(t._data.ndim != ndim for t in extra):
        raise RuntimeError(
            f"diff(): diff expects prepend or append to be the same dimension as input "
            f"({ndim}), got {[t._data.ndim for t in extra]}"
        )
    if n == 0:  # PyTorch ignores prepend and append then
        return ops.clone(input)
    x = ops.cat([t for t in (prepend, input, append) if t is not None], d) if extra else input
    for _ in range(n):
        size = x._data.shape[d]
        if size == 0:
            break
        after, before = ops.narrow(x, d, 1, size - 1), ops.narrow(x, d, 0, size - 1)
        x = ops.logical_xor(after, before) if x._data.dtype == np.bool_ else after - before
    return x


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids: for 0-d/1-d tensors of sizes n1, n2, ..., tensors of shape (n1, n2, ...).

    ``indexing='xy'`` swaps the first two dims (shape (n2, n1, ...)), as NumPy's default.
    Differs from PyTorch: no warning when ``indexing`` is left out ('ij', PyTorch's default).

    Raises:
        RuntimeError: for no tensors, a tensor with more than 1 dim, mixed dtypes, or an
            unknown ``indexing``.

    Example:
        >>> import microtensor as mt
        >>> rows, cols = mt.meshgrid(mt.tensor([1, 2]), mt.tensor([3, 4, 5]), indexing="ij")
        >>> rows
        tensor([[1, 1, 1],
                [2, 2, 2]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], Sequence):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid(): meshgrid expects a non-empty TensorList")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(
            f'meshgrid(): indexing must be one of "xy" or "ij", but received: {indexing}'
        )
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(
                f"meshgrid(): Expected 0D or 1D tensor in the tensor list but got shape "
                f"{list(t._data.shape)}"
            )
    if len({t._data.dtype for t in tensors}) > 1:
        raise RuntimeError(
            f"meshgrid(): meshgrid expects all tensors to have the same dtype, got "
            f"{[str(t.dtype) for t in tensors]}"
        )
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(tensors)
    for t, axis in zip(tensors, axes, strict=True):
        shape[axis] = t._data.size
    grids = []
    for t, axis in zip(tensors, axes, strict=True):
        view = [t._data.size if i == axis else 1 for i in range(len(shape))]
        grids.append(ops.expand(ops.reshape(t, view), tuple(shape)))
    return tuple(grids)


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


def _logaddexp(op: str, input: Any, other: Any, base: float) -> Tensor:  # noqa: A002
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    a, b = promote(input, other)
    dtype = (a if isinstance(a, Tensor) else b)._data.dtype
    if dtype.kind != "f":
        raise NotImplementedError(f"{op}(): not implemented for {dtype}; call .float() first")
    try:
        return LogAddExp.apply(a, b, base)  # type: ignore[no-any-return]
    except ValueError:
        raise broadcast_error(op, a, b) from None


def nan_to_num(
    input: Tensor,  # noqa: A002
    nan: float = 0.0,
    posinf: float | None = None,
    neginf: float | None = None,
) -> Tensor:
    """``input`` with NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf``.

    The infinities default to the dtype's largest and lowest finite values. The gradient is 0
    where the input was not finite.

    Example:
        >>> import microtensor as mt
        >>> mt.nan_to_num(mt.tensor([float("nan"), 1.0, float("inf")]), posinf=9.0)
        tensor([0., 1., 9.])
    """
    if input._data.dtype.kind != "f":
        return ops.clone(input)
    return NanToNum.apply(input, nan, posinf, neginf)  # type: ignore[no-any-return]


def clamp_min(input: Tensor, min: Any) -> Tensor:  # noqa: A002
    """``clamp(input, min=min)``.

    Example:
        >>> import microtensor as mt
        >>> mt.clamp_min(mt.tensor([-1.0, 2.0]), 0.0)
        tensor([0., 2.])
    """
    return ops.clamp(input, min=min)


def clamp_max(input: Tensor, max: Any) -> Tensor:  # noqa: A002
    """``clamp(input, max=max)``.

    Example:
        >>> import microtensor as mt
        >>> mt.clamp_max(mt.tensor([-1.0, 2.0]), 0.0)
        tensor([-1.,  0.])
    """
    return ops.clamp(input, max=max)


def var_mean(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: Any = None,
) -> tuple[Tensor, Tensor]:
    """``(var(input, dim, ...), mean(input, dim))`` in one call; arguments as ``var``.

    ``var_mean(x, True)`` reads the bool as ``unbiased``, as PyTorch.

    Raises:
        RuntimeError: for an integer or bool input.
        TypeError: if both ``correction`` and ``unbiased`` are given.
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.var_mean(mt.tensor([[1.0, 2.0, 6.0]]), dim=1)
        (tensor([7.]), tensor([3.]))
    """
    dim, unbiased, correction = _var_args(dim, unbiased, correction)
    var = ops.var(input, dim, correction=correction, keepdim=keepdim, unbiased=unbiased)
    return var, ops.mean(input, dim, keepdim)


def std_mean(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: Any = None,
) -> tuple[Tensor, Tensor]:
    """``(std(input, dim, ...), mean(input, dim))`` in one call; as ``var_mean``.

    Example:
        >>> import microtensor as mt
        >>> mt.std_mean(mt.tensor([1.0, 2.0, 6.0]), correction=0)
        (tensor(2.1602), tensor(3.))
    """
    dim, unbiased, correction = _var_args(dim, unbiased, correction)
    std = ops.std(input, dim, correction=correction, keepdim=keepdim, unbiased=unbiased)
    return std, ops.mean(input, dim, keepdim)


def _var_args(dim: Any, unbiased: bool | None, correction: Any) -> tuple[Any, Any, Any]:
    if isinstance(dim, bool):  # the old form var_mean(input, unbiased)
        dim, unbiased = None, dim
    return dim, unbiased, 1 if correction is None else correction


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """How many elements are nonzero over ``dim`` (an int or tuple; all when None), as int64.

    Raises:
        IndexError: if a dim is out of range.
        RuntimeError: if a dim is repeated.

    Example:
        >>> import microtensor as mt
        >>> mt.count_nonzero(mt.tensor([[0.0, 1.0], [2.0, 3.0]]), dim=0)
        tensor([1, 2])
    """
    data = input._data
    dims = normalize_dims("count_nonzero", dim, data.ndim)
    return Tensor._make(np.asarray(np.count_nonzero(data, axis=dims), np.int64))


def ravel(input: Tensor) -> Tensor:  # noqa: A002
    """The elements as a 1-d tensor: ``reshape(input, (-1,))``.

    Example:
        >>> import microtensor as mt
        >>> mt.ravel(mt.tensor([[1, 2], [3, 4]]))
        tensor([1, 2, 3, 4])
    """
    return ops.reshape(input, (-1,))
