"""Likelihood losses: Poisson and Gaussian negative log likelihood, composed of ops as PyTorch."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.nn._functional._loss_common import (
    apply_reduction,
    get_reduction,
    pair,
    require_tensors,
)
from microtensor.tensor import Tensor

__all__ = ["gaussian_nll_loss", "poisson_nll_loss"]


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
    require_tensors(op, var=var)
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
