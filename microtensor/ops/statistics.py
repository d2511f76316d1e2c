"""Statistical reductions: var, std, logsumexp and vector norms, over ``dim`` with ``keepdim``."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from microtensor._numpy_names import numpy_names
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._common import normalize_dims, to_float, values
from microtensor.ops._short_rows import reduce_kept
from microtensor.ops.reduction import _expand_back, _reduced_size
from microtensor.tensor import Tensor

__all__ = ["logsumexp", "norm", "std", "var"]


def _centered(ctx: Any, a: Any) -> Any:
    """The input minus its mean over the reduced dims, recomputed (so it is differentiable)."""
    return a - dual.sum(a, ctx.dims, True) / ctx.count


def _var_backward(ctx: Any, a: Any, grad_var: Any) -> Any:
    """The gradient of var: 2 (a - mean) / (n - correction), with PyTorch's edge cases."""
    grad = _expand_back(ctx, grad_var)
    with np.errstate(invalid="ignore"):  # inf * 0 where there are too few elements
        if ctx.full and ctx.dof <= 0:  # PyTorch: inf, or nan where a equals the mean
            centered = values(a) - np.mean(values(a))
            return grad * np.where(centered == 0, np.nan, np.inf)
        scale = 2.0 / ctx.dof if ctx.dof else math.inf  # inf when n == correction, as PyTorch
        return grad * _centered(ctx, a) * scale


class Var(Op):
    """z = sum((a - mean)**2) / (n - correction);  dz/da = 2 (a - mean) / (n - correction)."""

    complex_grad = True  # complex: z = sum(|a - mean|**2) / (n - c), grad 2 (a - mean) / (n - c)

    @staticmethod
    def forward(
        ctx: Any, a: Any, dims: tuple[int, ...], correction: float, keepdim: bool, full: bool
    ) -> Any:
        ctx.dims, ctx.keepdim, ctx.shape, ctx.full = dims, keepdim, a.shape, full
        ctx.save_for_backward(a)
        return _var(ctx, a, correction)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (a,) = ctx.saved_tensors
        return _var_backward(ctx, a, grad_out)


class Std(Op):
    """z = sqrt(var(a));  dz/da = dvar/da / (2 z), taken as 0 where z == 0 (as PyTorch)."""

    complex_grad = True  # as Var: z is real

    @staticmethod
    def forward(
        ctx: Any, a: Any, dims: tuple[int, ...], correction: float, keepdim: bool, full: bool
    ) -> Any:
        ctx.dims, ctx.keepdim, ctx.shape, ctx.full = dims, keepdim, a.shape, full
        out = np.asarray(np.sqrt(_var(ctx, a, correction)))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, out = ctx.saved_tensors
        zero = (out._data if isinstance(out, Tensor) else out) == 0
        grad_var = dual.where(zero, 0.0, grad_out / (2 * dual.where(zero, 1.0, out)))
        return _var_backward(ctx, a, grad_var)


def _var(ctx: Any, a: np.ndarray, correction: float) -> np.ndarray:
    """The variance over ``ctx.dims``; inf or nan when there are too few elements (as PyTorch)."""
    ctx.count = _reduced_size(a.shape, ctx.dims)
    ctx.dof = ctx.count - correction
    if ctx.dof <= 0:
        warnings.warn(
            f"var(): degrees of freedom is <= 0 ({ctx.count} elements, correction "
            f"{correction}): the result is inf or nan",
            UserWarning,
            stacklevel=6,
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.sum(a, axis=ctx.dims, keepdims=True) / ctx.count
        centered = a - mean
        if a.dtype.kind == "c":  # |a - mean|**2: the variance of complex numbers is real
            centered = np.abs(centered)
        squares = np.sum(np.square(centered), axis=ctx.dims, keepdims=ctx.keepdim)
        return np.asarray(squares / max(ctx.dof, 0))


class LogSumExp(Op, node_name="LogsumexpBackward0"):
    """z = log(sum(exp(a)));  dz/da = exp(a - z), the softmax of a."""

    complex_grad = True  # complex: the derivative conjugated

    @staticmethod
    def forward(ctx: Any, a: Any, dims: tuple[int, ...], keepdim: bool) -> Any:
        ctx.dims, ctx.keepdim, ctx.shape = dims, keepdim, a.shape
        # complex: the max of the real parts (torch's shift, so the imaginary part is log's)
        shift = _max_kept(a.real, dims) if a.size else None
        # max shift: the sum is then >= 1, so log needs no guard unless the max is not finite
        ctx.finite = shift is not None and (
            math.isfinite(shift.item()) if shift.size == 1 else bool(np.isfinite(shift).all())
        )
        if ctx.finite:
            out = np.log(np.add.reduce(np.exp(a - shift), axis=dims, keepdims=True))
            out += shift
        else:
            out = _logsumexp_unsafe(a, dims, shift)
        out = out if keepdim or not dims else out.reshape(_reduced_shape(a.shape, dims))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, out = ctx.saved_tensors
        if ctx.finite:
            return _keep_dims(ctx, grad_out) * dual.conj(dual.exp(a - _keep_dims(ctx, out)))
        with np.errstate(invalid="ignore"):  # a == out == -inf: nan, as PyTorch
            return _keep_dims(ctx, grad_out) * dual.conj(dual.exp(a - _keep_dims(ctx, out)))


def _logsumexp_unsafe(a: np.ndarray, dims: tuple[int, ...], shift: Any) -> np.ndarray:
    """The logsumexp of infinite or NaN maxima, or of no elements (an infinite max shifts by 0)."""
    shift = np.zeros((), a.dtype) if shift is None else np.where(np.isinf(shift), 0.0, shift)
    shift = shift.astype(a.dtype)  # inf - inf would be nan
    with np.errstate(divide="ignore"):  # all -inf (or no elements): log(0) = -inf
        return np.asarray(np.log(np.sum(np.exp(a - shift), axis=dims, keepdims=True)) + shift)


def _max_kept(a: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
    """The max over ``dims``, kept as size-1 dims (one dim: fast for many short rows)."""
    if len(dims) == 1:
        return reduce_kept(np.maximum, a, dims[0])
    return np.maximum.reduce(a, axis=dims, keepdims=True)  # type: ignore[no-any-return]


def _reduced_shape(shape: tuple[int, ...], dims: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` without the reduced ``dims``."""
    return tuple([n for d, n in enumerate(shape) if d not in dims])


def _keep_dims(ctx: Any, x: Any) -> Any:
    """A reduced value with its reduced dims back as size 1, so it broadcasts against input."""
    if ctx.keepdim or len(ctx.dims) in (0, len(ctx.shape)):  # a 0-d value broadcasts as is
        return x
    return x.reshape(tuple([1 if d in ctx.dims else n for d, n in enumerate(ctx.shape)]))


class VectorNorm(Op, node_name="LinalgVectorNormBackward0"):
    """z = sum(|a|**p) ** (1/p);  dz/da = sign(a) |a|**(p-1) / z**(p-1) (0 where 0/0).

    p = inf: z = max |a| (ties share the gradient); -inf: min |a|; 0: count of nonzeros.
    """

    @staticmethod
    def forward(ctx: Any, a: Any, p: float, dims: tuple[int, ...], keepdim: bool) -> Any:
        ctx.dims, ctx.keepdim, ctx.shape, ctx.p = dims, keepdim, a.shape, p
        absolute = np.abs(a)  # real for complex a too (ComplexVectorNorm)
        if p == 2:
            out = np.sqrt(np.sum(absolute * absolute, axis=dims, keepdims=keepdim))
        elif p == 1:
            out = np.sum(absolute, axis=dims, keepdims=keepdim)
        elif math.isinf(p):
            out = (np.amax if p > 0 else np.amin)(absolute, axis=dims, keepdims=keepdim)
        elif p == 0:
            out = np.count_nonzero(a, axis=dims, keepdims=keepdim).astype(absolute.dtype)
        else:
            with np.errstate(divide="ignore"):  # 0 ** negative p = inf, so the norm is 0
                out = np.sum(absolute**p, axis=dims, keepdims=keepdim) ** (1 / p)
        out = np.asarray(out)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, out = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return None
        if p == 1:
            return _expand_back(ctx, grad_out) * dual.sign(a)
        grad, total = _expand_back(ctx, grad_out), _expand_back(ctx, out)
        a_values, total_values = values(a), values(total)
        if math.isinf(p):  # ties share the gradient, as amax
            mask = (np.abs(a_values) == total_values) | np.isnan(a_values)
            count = np.sum(mask, axis=ctx.dims, keepdims=True)
            return dual.sign(a) * dual.where(mask, grad / count, 0.0)
        zero_a, zero_total = a_values == 0, total_values == 0
        if p == 2:  # PyTorch's form: its second derivative at 0 is nan, as PyTorch's
            with np.errstate(divide="ignore", invalid="ignore"):
                return grad * dual.where(zero_total, 0.0, a / total)
        if p < 1:  # PyTorch's form: |a| ** (p - 1) masked at a = 0, so its second derivative
            # there is 0 * inf = nan, as PyTorch's
            with np.errstate(divide="ignore", invalid="ignore"):
                scaled_a = dual.sign(a) * dual.where(zero_a, 0.0, dual.abs(a) ** (p - 1))
                return scaled_a * grad * total ** (1 - p)
        # |a| ** (p - 1) and 1 / z ** (p - 1) are guarded where a or z is 0 (0 ** negative)
        safe_abs = dual.abs(dual.where(zero_a, 1.0, a))
        scaled_a = dual.sign(a) * dual.where(zero_a, 0.0, safe_abs ** (p - 1))
        safe_total = dual.where(zero_total, 1.0, total)
        return scaled_a * dual.where(zero_total, 0.0, grad / safe_total ** (p - 1))


@numpy_names
def var(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: Any = 1,
) -> Tensor:
    """Variance over ``dim`` (all dims when None): ``sum((x - mean)**2) / (n - correction)``.

    Args:
        input: a floating or complex tensor (complex: ``sum(|x - mean|**2) / ...``, real).
        dim: an int or tuple of ints.
        correction: subtracted from the element count: 1 (Bessel's) by default, 0 for the
            population variance.
        keepdim: keep reduced dims with size 1.
        unbiased: PyTorch's older spelling: True means correction=1, False correction=0
            (also positional, as PyTorch's overloads ``var(input, dim, unbiased, keepdim)``
            and ``var(input, unbiased)``).

    Returns:
        The variance; inf or nan (with a warning) when ``n - correction <= 0``, as PyTorch.

    Raises:
        RuntimeError: for an integer or bool input.
        TypeError: if both ``correction`` and ``unbiased`` are given.
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0, 4.0], [0.0, 0.0, 3.0]])
        >>> mt.var(x, dim=1), mt.var(x, dim=1, correction=0)
        (tensor([2.3333, 3.0000]), tensor([1.5556, 2.0000]))
    """
    return _var_or_std(Var, "var", input, dim, correction, keepdim, unbiased)


@numpy_names
def std(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: Any = 1,
) -> Tensor:
    """Standard deviation over ``dim``: ``sqrt(var(input, dim, correction=correction))``.

    Arguments, results and errors as ``var``. The gradient where the result is 0 is 0.

    Example:
        >>> import microtensor as mt
        >>> mt.std(mt.tensor([1.0, 2.0, 4.0, 5.0]))
        tensor(1.8257)
    """
    return _var_or_std(Std, "std", input, dim, correction, keepdim, unbiased)


def _var_or_std(
    op_class: Any,
    op: str,
    input: Tensor,
    dim: Any,
    correction: Any,  # noqa: A002
    keepdim: bool,
    unbiased: bool | None,
) -> Tensor:
    if isinstance(dim, bool):  # the overload var(input, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None:
        if correction != 1:
            raise TypeError(f"{op}(): pass correction= or unbiased=, not both")
        correction = 1 if unbiased else 0
    correction = 1 if correction is None else correction
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(
            f"{op}(): std and var only support floating point and complex dtypes, got "
            f"{input.dtype}; call .float() first"
        )
    dims = normalize_dims(op, dim, input._data.ndim)
    full = dim is None or input._data.ndim == 0
    return op_class.apply(input, dims, correction, keepdim, full)  # type: ignore[no-any-return]


@numpy_names
def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:  # noqa: A002
    """``log(sum(exp(input)))`` over ``dim``, computed stably (no overflow at 1000).

    Integer inputs give the default float dtype. All ``-inf`` gives ``-inf``; an empty dim too.

    Args:
        input: the tensor.
        dim: an int or tuple of ints (required, as PyTorch; ``()`` means all dims).
        keepdim: keep reduced dims with size 1.

    Raises:
        TypeError: if ``dim`` is None.
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.logsumexp(mt.tensor([[1000.0, 1000.0], [-1000.0, 0.0]]), dim=1)
        tensor([1000.6932,    0.0000])
    """
    if dim is None:
        raise TypeError("logsumexp(): dim is required (an int or tuple of ints); got None")
    input = to_float(input)  # noqa: A001
    ndim = input._data.ndim
    if dim.__class__ is int and -ndim <= dim < ndim:  # fast path: one dim
        dims: tuple[int, ...] = (dim % ndim,)
    else:
        dims = normalize_dims("logsumexp", dim, ndim)
    return LogSumExp.apply(input, dims=dims, keepdim=keepdim)  # type: ignore[no-any-return]


@numpy_names
def norm(
    input: Tensor,
    p: Any = "fro",
    dim: Any = None,
    keepdim: bool = False,
    out: Any = None,
    dtype: Any = None,  # noqa: A002
) -> Tensor:
    """``torch.norm``: a vector p-norm, or a matrix norm for a string ``p`` other than 'fro'.

    A number ``p`` (or None, meaning 2) is ``linalg.vector_norm`` over ``dim`` (all elements
    when None): ``sum(|x|**p) ** (1/p)``, ``inf`` the max ``|x|``, ``-inf`` the min, 0 the
    count of nonzeros. ``'fro'`` over at most two dims is the 2-norm of those elements.
    ``'nuc'`` (or 'fro' over more dims) is ``linalg.matrix_norm`` over ``dim`` (all dims when
    None, so a 2-D input). Where the gradient is undefined (all zeros) it is 0, as PyTorch's
    subgradient.

    Args:
        input: a floating or complex tensor (complex: the norm of the moduli, real).
        p: the order.
        dim: an int or tuple of ints.
        keepdim: keep reduced dims with size 1.
        out: not supported (must be None).
        dtype: cast the input to this dtype first.

    Raises:
        RuntimeError: for an integer input, an unsupported ``p``, an inf or negative ``p``
            over no elements, or a matrix norm over other than two dims.
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[3.0, -4.0], [0.0, 1.0]])
        >>> mt.norm(x), mt.norm(x, 1, dim=1), mt.norm(x, float("inf"), dim=0)
        (tensor(5.0990), tensor([7., 1.]), tensor([3., 4.]))
        >>> mt.norm(mt.tensor([[3.0, 0.0], [0.0, -4.0]]), p="nuc")
        tensor(7.)
    """
    if out is not None:
        raise TypeError("norm(): out= is not supported; use the returned tensor")
    if isinstance(p, str) and not (
        p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2)
    ):
        from microtensor.ops.norms import matrix_norm  # noqa: PLC0415 - norms imports this

        if dim is None:
            dim = tuple(range(input._data.ndim))
        return matrix_norm(input, p, dim, keepdim, dtype=dtype)
    if dtype is not None:
        input = input.to(dtype)  # noqa: A001
    kind = input._data.dtype.kind
    if kind != "f" and kind != "c":
        raise RuntimeError(
            f"norm(): Expected a floating point or complex tensor as input. Got {input.dtype}; "
            "call .float() first or pass dtype="
        )
    order = 2.0 if p is None or p == "fro" else float(p)
    dims = normalize_dims("norm", dim, input._data.ndim)
    if (order < 0 or math.isinf(order)) and _reduced_size(input._data.shape, dims) == 0:
        raise RuntimeError(
            f"norm(): cannot compute the {order} norm over no elements (input shape "
            f"{tuple(input.shape)}, dim={dim}) because the operation does not have an identity"
        )
    if kind == "c":  # a real norm of the moduli: linalg.vector_norm's complex op
        from microtensor.ops.norms import ComplexVectorNorm  # noqa: PLC0415 - norms imports this

        return ComplexVectorNorm.apply(input, order, dims, keepdim)  # type: ignore[no-any-return]
    return VectorNorm.apply(input, order, dims, keepdim)  # type: ignore[no-any-return]
