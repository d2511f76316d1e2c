"""The fused class-index ops behind ``cross_entropy`` and ``nll_loss``.

``CrossEntropy`` is log_softmax + nll over the class dim in one pass; its backward is
``softmax - target distribution`` (times the class weights and the reduction's scale) without
a log_softmax graph. ``NLLLoss`` picks ``-input`` at the targets. Both honour class weights,
``ignore_index`` and the reductions, with torch's node names.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.ops._short_rows import reduce_kept


def _class_shape(shape: tuple[int, ...], axis: int) -> tuple[int, ...]:
    """The shape that broadcasts a per-class vector along ``axis`` of an input of ``shape``."""
    return tuple(n if d == axis else 1 for d, n in enumerate(shape))


def _at_class_dim(a: np.ndarray, axis: int) -> np.ndarray:
    """``a`` (one value per position) with a size-1 class dim inserted at ``axis``."""
    return a.reshape(a.shape[:axis] + (1,) + a.shape[axis:])


def _setup(ctx: Any, x: np.ndarray, target: np.ndarray, weight: Any, ignore_index: int) -> None:
    """Store on ``ctx`` the constants both ops need.

    The class dim, the index of each position's target entry, which positions count, their
    class weights ``w_t`` (0 where ignored) and its sum.
    """
    axis = ctx.axis = 1 if x.ndim > 1 else 0
    ctx.valid = target != ignore_index
    ctx.all_valid = bool(ctx.valid.all())
    safe = target if ctx.all_valid else np.where(ctx.valid, target, 0)
    # (arange(N), t, arange(d1), ...), broadcast against each other: x[index] picks x[n, t, ...]
    others = [n for d, n in enumerate(x.shape) if d != axis]
    grids = [
        np.arange(n).reshape((n,) + (1,) * (len(others) - 1 - i)) for i, n in enumerate(others)
    ]
    grids.insert(axis, safe)
    ctx.index = tuple(grids)
    w_t = np.ones(target.shape, x.dtype) if weight is None else weight[safe]
    ctx.w_t = w_t if ctx.all_valid else w_t * ctx.valid
    ctx.total = ctx.w_t.sum()  # what 'mean' divides by
    ctx.weight = weight


def _masked(ctx: Any, loss: Any) -> Any:
    """``loss`` with ignored positions set to 0 (even where their logits are inf or nan)."""
    return loss if ctx.all_valid else np.where(ctx.valid, loss, loss.dtype.type(0))


def _reduce(ctx: Any, loss: np.ndarray) -> np.ndarray:
    """'none', 'sum', or 'mean' = sum / sum of the kept positions' class weights."""
    if ctx.reduction == "none":
        return loss
    if ctx.reduction == "sum":
        return np.asarray(loss.sum())
    with np.errstate(invalid="ignore", divide="ignore"):  # all ignored: 0 / 0 = nan, as PyTorch
        return np.asarray(loss.sum() / ctx.total)


def _grad_scale(ctx: Any, grad_out: Any) -> Any:
    """``grad_out`` as a factor per position, broadcastable along the class dim."""
    if ctx.reduction == "none":
        return dual.unsqueeze_dims(grad_out, (ctx.axis,))
    if ctx.reduction == "sum":
        return grad_out
    if ctx.total:
        return grad_out / ctx.total
    # every position ignored: 0 there (not 0 * inf = nan), as PyTorch; zero weights give nan
    with np.errstate(divide="ignore"):
        inv_total = np.where(ctx.valid, 1.0 / ctx.total, 0.0).astype(ctx.w_t.dtype)
    return grad_out * _at_class_dim(inv_total, ctx.axis)


def _one_hot(ctx: Any, shape: tuple[int, ...], values: np.ndarray) -> np.ndarray:
    """Zeros of ``shape`` with ``values`` at each position's target class."""
    out = np.zeros(shape, values.dtype)
    out[ctx.index] = values
    return out


class CrossEntropy(Op, node_name="NllLossBackward0"):
    """Fused log_softmax + nll over the class dim, for class-index targets.

    Its node has torch's name for the last step of its cross_entropy: nll_loss (nll_loss2d for
    4-D logits), or an add of the two terms with label smoothing.

    With p = softmax(x), w_t the target's class weight (0 where ignored), w all class weights,
    e the label smoothing and C the number of classes, each position's target distribution is
    q = (1 - e) * w_t * onehot(t) + (e / C) * w  (q = 0 where ignored), and
        loss = -sum_c q_c * log(p_c),    dloss/dx = p * sum_c(q_c) - q.
    'mean' divides the sum over positions by sum(w_t).
    """

    _listed = (0,)  # the target and the class weights get no gradient

    @staticmethod
    def forward(
        ctx: Any,
        x: Any,
        target: Any,
        weight: Any,
        ignore_index: int,
        label_smoothing: float,
        reduction: str,
    ) -> Any:
        _setup(ctx, x, target, weight, ignore_index)
        ctx.reduction, ctx.smoothing = reduction, label_smoothing
        axis = ctx.axis
        # the max is subtracted first: exp never overflows, logits of +-1000 stay finite
        ctx.top = reduce_kept(np.maximum, x, axis, initial=-np.inf)
        with np.errstate(invalid="ignore", divide="ignore"):
            shifted = x - ctx.top
            ctx.exps = np.exp(shifted)
            ctx.sums = reduce_kept(np.add, ctx.exps, axis)
            log_p = shifted - np.log(ctx.sums)
        out = _reduce(ctx, _masked(ctx, -ctx.w_t * log_p[ctx.index]))
        if label_smoothing > 0.0:
            if weight is not None:
                log_p = log_p * weight.reshape(_class_shape(x.shape, axis))
            smooth = _reduce(ctx, _masked(ctx, -log_p.sum(axis=axis)))
            out = (1.0 - label_smoothing) * out + smooth * (label_smoothing / x.shape[axis])
        ctx.save_for_backward(x)
        return np.asarray(out, dtype=x.dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (x,) = ctx.saved_tensors
        axis, smoothing = ctx.axis, ctx.smoothing
        if dual.is_array(x):
            p = ctx.exps / ctx.sums
        else:  # recomputed from x so that the second derivative flows through softmax
            exps = dual.exp(x - ctx.top)
            p = exps / dual.sum(exps, axis, True)
        q = _one_hot(ctx, ctx.exps.shape, ctx.w_t * (1.0 - max(smoothing, 0.0)))
        if smoothing > 0.0:
            w = 1.0 if ctx.weight is None else ctx.weight.reshape(_class_shape(q.shape, axis))
            keep = _at_class_dim(ctx.valid, axis)
            q = q + np.where(keep, w * (smoothing / q.shape[axis]), 0.0).astype(q.dtype)
            q_sum = q.sum(axis=axis, keepdims=True)
        else:
            q_sum = _at_class_dim(ctx.w_t, axis)
        return (p * q_sum - q) * _grad_scale(ctx, grad_out)


class CrossEntropy2D(CrossEntropy, node_name="NllLoss2DBackward0"):
    """``cross_entropy`` of 4-D logits (N, C, H, W)."""


class CrossEntropySmoothed(CrossEntropy, node_name="AddBackward0"):
    """``cross_entropy`` with label smoothing."""


class NLLLoss(Op, node_name="NllLossBackward0"):
    """loss = -w_t * x[t] at each position (0 where t is ignored); 'mean' divides by sum(w_t).

    dloss/dx = -w_t * onehot(t), a constant: the second derivative is zero.
    """

    _listed = (0,)  # the target and the class weights get no gradient

    @staticmethod
    def forward(
        ctx: Any, x: Any, target: Any, weight: Any, ignore_index: int, reduction: str
    ) -> Any:
        _setup(ctx, x, target, weight, ignore_index)
        ctx.reduction, ctx.shape = reduction, x.shape
        loss = _masked(ctx, -ctx.w_t * x[ctx.index])
        return np.asarray(_reduce(ctx, loss), dtype=x.dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        grad = _grad_scale(ctx, grad_out) * _one_hot(ctx, ctx.shape, -ctx.w_t)
        if ctx.reduction == "mean" and not ctx.total:
            # 0 * inf off the target classes would be nan; PyTorch leaves them 0
            return dual.where(_one_hot(ctx, ctx.shape, ctx.valid), grad, 0.0)
        return grad


class NLLLoss2D(NLLLoss, node_name="NllLoss2DBackward0"):
    """``nll_loss`` of a 4-D input (N, C, H, W)."""
