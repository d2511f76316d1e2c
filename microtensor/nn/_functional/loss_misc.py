"""Margin and likelihood losses, composed of differentiable ops as in PyTorch.

Cosine embedding, margin ranking, soft margin, Poisson and Gaussian negative log likelihood.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.autograd.grad_mode import is_grad_enabled
from microtensor.nn._functional._loss_common import apply_reduction, get_reduction, pair
from microtensor.nn._functional.loss_binary import log_sigmoid
from microtensor.ops._common import broadcast_error, promote
from microtensor.tensor import Tensor

__all__ = [
    "cosine_embedding_loss",
    "gaussian_nll_loss",
    "margin_ranking_loss",
    "poisson_nll_loss",
    "soft_margin_loss",
]

_COSINE_EPSILON = 1e-12  # PyTorch's guard added to each squared norm


def _tensors(op: str, **named: Any) -> None:
    for name, value in named.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")


def _broadcast_check(op: str, a: Tensor, b: Tensor) -> tuple[int, ...]:
    try:
        return np.broadcast_shapes(a._data.shape, b._data.shape)
    except ValueError:
        raise broadcast_error(op, a, b) from None


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where -1.

    ``cos = sum(x1 * x2) / sqrt((sum(x1 ** 2) + 1e-12) * (sum(x2 ** 2) + 1e-12))`` along the
    feature dim, as in PyTorch; other target values give 0.

    Args:
        input1: (N, D), or (D,) with a 0-d target.
        input2: broadcastable with ``input1``.
        target: (N,) (or 0-d) of 1 and -1.
        margin: the similarity below which dissimilar pairs cost nothing.
        size_average: deprecated (use ``reduction``).
        reduce: deprecated (use ``reduction``).
        reduction: 'none', 'mean' or 'sum'.

    Returns:
        The loss: a scalar, or one value per pair for 'none'.

    Raises:
        RuntimeError: for inputs of the wrong rank for the target, or shapes that do not
            broadcast.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> x1, x2 = mt.tensor([[1.0, 0.0], [1.0, 1.0]]), mt.tensor([[0.0, 1.0], [1.0, 1.0]])
        >>> F.cosine_embedding_loss(x1, x2, mt.tensor([1, -1]), reduction="none")
        tensor([1., 1.])
    """
    op = "cosine_embedding_loss"
    reduction = get_reduction(op, reduction, size_average, reduce)
    _tensors(op, input1=input1, input2=input2, target=target)
    dim = target._data.ndim
    if dim > 1:
        raise RuntimeError(
            f"{op}(): 0D or 1D target tensor expected, multi-target not supported: target "
            f"{target._data.shape}"
        )
    if input1._data.ndim != dim + 1 or input2._data.ndim != dim + 1:
        raise RuntimeError(
            f"{op}(): {dim}D target tensor expects {dim + 1}D input tensors, but found inputs "
            f"with sizes {input1._data.shape} and {input2._data.shape}."
        )
    x1, x2 = promote(input1, input2)
    if x1._data.dtype.kind != "f":
        raise NotImplementedError(f"{op}(): the inputs must be floating, got {x1.dtype}")
    _broadcast_check(op, x1, x2)
    prod_sum = ops.sum(x1 * x2, dim)
    mag_square1 = ops.sum(x1 * x1, dim) + _COSINE_EPSILON
    mag_square2 = ops.sum(x2 * x2, dim) + _COSINE_EPSILON
    cos = prod_sum / ops.sqrt(mag_square1 * mag_square2)
    _broadcast_check(op, cos, target)
    pos = ops.where(target._data == 1, 1 - cos, 0.0)
    neg = ops.where(target._data == -1, ops.clamp(cos - margin, min=0), 0.0)
    return apply_reduction(pos + neg, reduction)


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``: ``target = 1`` ranks input1 higher.

    Args:
        input1: any shape.
        input2: same number of dims, broadcastable with ``input1``.
        target: 1 or -1 per element, same number of dims.
        margin: the required gap.
        size_average: deprecated (use ``reduction``).
        reduce: deprecated (use ``reduction``).
        reduction: 'none', 'mean' or 'sum'.

    Returns:
        The loss: a scalar, or the broadcast shape for 'none'.

    Raises:
        RuntimeError: if the three differ in number of dims, or do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> x1, x2 = mt.tensor([1.0, 0.0]), mt.tensor([0.5, 0.5])
        >>> F.margin_ranking_loss(x1, x2, mt.tensor([1.0, 1.0]), margin=0.1, reduction="none")
        tensor([0.0000, 0.6000])
    """
    op = "margin_ranking_loss"
    reduction = get_reduction(op, reduction, size_average, reduce)
    _tensors(op, input1=input1, input2=input2, target=target)
    if not input1._data.ndim == input2._data.ndim == target._data.ndim:
        raise RuntimeError(
            f"{op}(): All input tensors should have same dimension but got sizes: input1: "
            f"{input1.shape}, input2: {input2.shape}, target: {target.shape}"
        )
    x1, x2 = pair(op, input1, input2, warn=False)
    diff = x1 - x2
    _broadcast_check(op, diff, target)
    return apply_reduction(ops.clamp(-target * diff + margin, min=0), reduction)


def soft_margin_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Two-class logistic loss ``log(1 + exp(-target * input))``, targets 1 or -1.

    Differs from PyTorch: computed as ``-log(sigmoid(target * input))``, finite for large
    margins where PyTorch's ``log1p(exp(...))`` overflows to inf (and its gradient to nan).

    Args:
        input: any shape.
        target: 1 or -1, broadcastable to the input's shape (not differentiable).
        size_average: deprecated (use ``reduction``).
        reduce: deprecated (use ``reduction``).
        reduction: 'none', 'mean' or 'sum'.

    Returns:
        The loss: a scalar, or shaped like ``input`` for 'none'.

    Raises:
        RuntimeError: if ``target`` does not broadcast to the input's shape, or requires grad.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.soft_margin_loss(mt.tensor([0.0, 1000.0]), mt.tensor([1.0, -1.0]), reduction="none")
        tensor([6.9315e-01, 1.0000e+03])
    """
    op = "soft_margin_loss"
    reduction = get_reduction(op, reduction, size_average, reduce)
    input, target = pair(op, input, target, warn=False)  # noqa: A001
    if _broadcast_check(op, input, target) != input._data.shape:
        raise RuntimeError(
            f"{op}(): output with shape {input._data.shape} doesn't match the broadcast shape "
            f"{np.broadcast_shapes(input._data.shape, target._data.shape)}: the target must "
            "broadcast to the input's shape"
        )
    if target._requires_grad and is_grad_enabled():
        raise RuntimeError(
            f"{op}(): The function 'soft_margin_loss' is not differentiable with respect to "
            "argument 'target'. This input cannot have requires_grad True: pass target.detach()"
        )
    return apply_reduction(-log_sigmoid(target * input), reduction)


def poisson_nll_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average: bool | None = None,
    eps: float = 1e-8,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Poisson negative log likelihood of counts ``target`` for the rate given by ``input``.

    ``exp(input) - target * input`` (``log_input``), else ``input - target * log(input + eps)``.

    Args:
        input: the log rate (``log_input``) or the rate.
        target: counts, broadcastable with ``input``.
        log_input: whether ``input`` is the log of the rate.
        full: add Stirling's approximation of ``log(target!)`` where ``target > 1``.
        size_average: deprecated (use ``reduction``).
        eps: keeps ``log`` finite at a zero rate (``log_input=False``).
        reduce: deprecated (use ``reduction``).
        reduction: 'none', 'mean' or 'sum'.

    Returns:
        The loss: a scalar, or the broadcast shape for 'none'.

    Raises:
        ValueError: for an unknown reduction.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.poisson_nll_loss(mt.tensor([0.0, 1.0]), mt.tensor([1.0, 3.0]), reduction="none")
        tensor([ 1.0000, -0.2817])
    """
    op = "poisson_nll_loss"
    reduction = get_reduction(op, reduction, size_average, reduce)
    input, target = pair(op, input, target, warn=False)  # noqa: A001
    if log_input:
        loss = ops.exp(input) - target * input
    else:
        loss = input - target * ops.log(input + eps)
    if full:
        above = target._data > 1
        # log is taken of 1 where the term is masked, so the gradient stays finite there
        safe = ops.where(above, target, 1.0)
        stirling = target * ops.log(safe) - target + 0.5 * ops.log(2 * math.pi * safe)
        loss = loss + ops.where(above, stirling, 0.0)
    return apply_reduction(loss, reduction)


class ClampMinNoGrad(Op):
    """z = max(a, eps);  dz/da = 1 (PyTorch clamps the variance in place under no_grad)."""

    @staticmethod
    def forward(ctx: Any, a: Any, eps: float) -> Any:
        return np.maximum(a, a.dtype.type(eps))

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return grad_out, None


def _variance(input: Tensor, var: Any) -> Tensor:  # noqa: A002
    """``var`` as a tensor that broadcasts against the input, checked as PyTorch does."""
    op = "gaussian_nll_loss"
    if isinstance(var, int | float) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"{op}(): var has negative entry/entries (got {var})")
        return Tensor._make(np.full(input._data.shape, float(var), input._data.dtype))
    _tensors(op, var=var)
    if np.any(var._data < 0):
        raise ValueError(f"{op}(): var has negative entry/entries")
    shape, var_shape = input._data.shape, var._data.shape
    if var_shape != shape:
        if shape[:-1] == var_shape:  # one variance per sample: broadcast over the last dim
            return ops.unsqueeze(var, -1)
        mismatched = [v for s, v in zip(shape, var_shape, strict=False) if s != v]
        if len(shape) != len(var_shape) or sum(mismatched) != 1:
            raise ValueError(
                f"{op}(): var is of incorrect size: var {var_shape} for input {shape} (use the "
                "input's shape, the input's shape without its last dim, or size 1 in one dim)"
            )
    return var


def gaussian_nll_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    var: Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Gaussian negative log likelihood: ``0.5 * (log(var) + (input - target) ** 2 / var)``.

    ``var`` is clamped to at least ``eps`` for stability; the gradient passes the clamp
    unchanged, as in PyTorch.

    Args:
        input: the predicted means.
        target: samples, broadcastable with ``input``.
        var: the predicted variances (non-negative): shaped like ``input``, like ``input``
            without its last dim, with size 1 in one dim, or a float.
        full: add the constant ``0.5 * log(2 * pi)``.
        eps: the smallest variance used.
        reduction: 'none', 'mean' or 'sum'.

    Returns:
        The loss: a scalar, or the broadcast shape for 'none'.

    Raises:
        ValueError: for a negative or wrongly sized ``var``, or an unknown reduction.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.gaussian_nll_loss(mt.tensor([0.0, 1.0]), mt.tensor([1.0, 1.0]), mt.tensor([1.0, 4.0]),
        ...                     reduction="none")
        tensor([0.5000, 0.6931])
    """
    op = "gaussian_nll_loss"
    input, target = pair(op, input, target, warn=False)  # noqa: A001
    variance = _variance(input, var)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{op}(): {reduction} is not valid: use 'none', 'mean' or 'sum'")
    variance = ClampMinNoGrad.apply(variance, eps)
    loss = 0.5 * (ops.log(variance) + (input - target) ** 2 / variance)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return apply_reduction(loss, reduction)
