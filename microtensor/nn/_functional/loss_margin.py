"""Margin losses over classes and labels: multi-class, multi-label (hard and soft), soft margin.

Compositions of ``clamp``, ``gather``, ``where`` with constant masks and reductions, written as
PyTorch's reference formulas, so their derivatives of every order come from those ops. The
embedding losses (``loss_embedding``) and triplet losses (``loss_triplet``) are re-exported
here, the import path of ``nn.loss_margin``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.autograd.grad_mode import is_grad_enabled
from microtensor.nn._functional._activation_ops import LogSigmoid, raw_log_sigmoid
from microtensor.nn._functional._loss_common import (
    apply_reduction,
    broadcast_check,
    get_reduction,
    pair,
    reduce_array,
)
from microtensor.nn._functional.loss_embedding import hinge_embedding_loss
from microtensor.nn._functional.loss_triplet import (
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from microtensor.ops import dual
from microtensor.ops._pointwise import tensor_input
from microtensor.tensor import Tensor

__all__ = [
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "soft_margin_loss",
]
# re-exported for nn.loss_margin
_REEXPORTED = (hinge_embedding_loss, triplet_margin_loss, triplet_margin_with_distance_loss)


def multilabel_soft_margin_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Per-class logistic loss averaged over the classes (the last dim).

    ``loss = -mean_c(w_c * (y_c * log(sigmoid(x_c)) + (1 - y_c) * log(sigmoid(-x_c))))``.

    Args:
        input: shape ``(N, C)`` or ``(C,)``.
        target: 0 or 1 per class, shaped like ``input``.
        weight: one weight per class, optional.
        size_average: deprecated (use ``reduction``).
        reduce: deprecated (use ``reduction``).
        reduction: 'none' (one value per sample), 'mean' or 'sum'.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.multilabel_soft_margin_loss(mt.tensor([[0.0, 0.0]]), mt.tensor([[1.0, 0.0]]))
        tensor(0.6931)
    """
    op = "multilabel_soft_margin_loss"
    reduction = get_reduction(op, reduction, size_average, reduce)
    tensor_input(op, input)
    if input.ndim == 0:
        raise IndexError(
            f"{op}(): Dimension specified as -1 but input has no dimensions: expected (C,) or "
            "(N, C) scores"
        )
    if isinstance(target, Tensor):
        broadcast_check(op, input, target)
    loss = -(target * LogSigmoid.apply(input) + (1 - target) * LogSigmoid.apply(-input))
    if weight is not None:
        loss = loss * weight
    classes = max(input.ndim - 1, 0)
    loss = ops.sum(loss, classes) / input.shape[classes]
    return apply_reduction(loss, reduction)


def _class_targets(op: str, input: Tensor, target: Tensor) -> tuple[Tensor, np.ndarray, bool]:
    """Batched input ``(N, C)``, int64 targets and whether the input was 1-D."""
    tensor_input(op, input)
    tensor_input(op, target)
    if input.ndim not in (0, 1, 2) or input._data.dtype.kind != "f":
        raise RuntimeError(
            f"{op}(): Expected non-empty vector or matrix with optional 0-dim batch size, but "
            f"got: {list(input.shape)} of dtype {input.dtype}"
        )
    if target._data.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): expected an integer target, got {target.dtype}: use .long()")
    vector = input.ndim < 2
    batched = ops.reshape(input, (1, -1)) if vector else input  # a 0-d input is one class
    return batched, target._data.astype(np.int64), vector


def _per_sample(ctx: Any, grad_out: Any, rows: int) -> Any:
    """The upstream gradient of each sample's loss, ``(N, 1)``, with the reduction's scale."""
    if ctx.reduction == "none":
        return grad_out.reshape(rows, 1)
    scale = 1.0 / rows if ctx.reduction == "mean" and rows else 1.0
    return grad_out * scale


class MultiMarginLoss(Op, node_name="MultiMarginLossBackward0"):
    """loss_n = sum over j != y_n of w[y_n] * max(0, margin - x[n, y_n] + x[n, j])**p / C.

    With h the hinge where positive (j != y_n): dloss_n/dx[n, j] = w[y_n] p h**(p-1) / C, and
    dloss_n/dx[n, y_n] = -(their sum). The targets and the weight are constants (torch's
    node lists the input only).
    """

    _listed = (0,)

    @staticmethod
    def forward(
        ctx: Any,
        x: Any,
        y: np.ndarray,
        p: int,
        margin: float,
        weight: np.ndarray | None,
        reduction: str,
        shape: tuple[int, ...] | None,
    ) -> Any:
        ctx.save_for_backward(x)
        ctx.in_shape = x.shape
        x = x.reshape(1, -1) if x.ndim < 2 else x
        n, classes = x.shape
        ctx.onehot = (np.arange(classes)[None, :] == y[:, None]).astype(x.dtype)
        hinge = margin - np.take_along_axis(x, y[:, None], 1) + x
        ctx.active = (hinge > 0) & (ctx.onehot == 0)
        scale = np.full((n, 1), 1.0 / classes, x.dtype)
        if weight is not None:
            scale = scale * weight[y][:, None]
        ctx.scale, ctx.p, ctx.margin, ctx.y, ctx.reduction = scale, p, margin, y, reduction
        terms = np.where(ctx.active, hinge if p == 1 else hinge * hinge, 0) * scale
        loss = terms.sum(1).astype(x.dtype)
        return loss.reshape(shape) if shape is not None else reduce_array(loss, reduction)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (x,) = ctx.saved_tensors
        x = x.reshape(1, -1) if len(ctx.in_shape) < 2 else x
        g = _per_sample(ctx, grad_out, x.shape[0]) * ctx.scale
        if ctx.p == 1:
            slopes = dual.where(ctx.active, g, 0.0)
        else:  # d/dx of h**2 is 2 h, h recomputed from x (so that second derivatives flow)
            picked = (
                ops.gather(x, 1, Tensor._make(ctx.y[:, None]))
                if not dual.is_array(x)
                else (np.take_along_axis(x, ctx.y[:, None], 1))
            )
            slopes = dual.where(ctx.active, g * 2.0 * (ctx.margin - picked + x), 0.0)
        grad_x = slopes - ctx.onehot * dual.sum(slopes, 1, True)
        return grad_x.reshape(ctx.in_shape), None, None, None, None, None, None


def multi_margin_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge: ``sum_{i != y} w_y * max(0, margin - x_y + x_i)**p / C`` per sample.

    Args:
        input: scores ``(N, C)`` or ``(C,)``.
        target: class indices ``(N,)`` (or a 0-d/1-element tensor for a 1-D input).
        p: 1 or 2.
        margin: the required score gap.
        weight: one weight per class, optional.
        size_average: deprecated (use ``reduction``).
        reduce: deprecated (use ``reduction``).
        reduction: 'none', 'mean' or 'sum'.

    Raises:
        ValueError: for ``p`` other than 1 or 2, or a weight that is not 1-D.
        RuntimeError: for a bad shape, a target out of range, or a weight not one per class
            or that requires grad (torch's kernel does not differentiate it).

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.multi_margin_loss(mt.tensor([[0.1, 0.2, 0.4, 0.8]]), mt.tensor([3]))
        tensor(0.3250)
    """
    op = "multi_margin_loss"
    reduction = get_reduction(op, reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:  # PyTorch checks it before the target
        raise ValueError(
            f"{op}(): weight must be one-dimensional (one weight per class), got shape "
            f"{tuple(weight.shape)}"
        )
    x, y, vector = _class_targets(op, input, target)
    n, classes = x.shape
    y = y.reshape(-1)
    if y.size != n or (y.size and (y.min() < 0 or y.max() >= classes)):
        raise RuntimeError(
            f"{op}(): inconsistent target {list(target.shape)} for input {list(input.shape)}: "
            f"expected {n} class indices in [0, {classes})"
        )
    if weight is not None:
        if weight.ndim != 1 or weight.shape[0] != classes:
            raise RuntimeError(
                f"{op}(): inconsistent weight size, expected {classes} but got "
                f"{list(weight.shape)}: give one weight per class"
            )
        if weight._requires_grad and is_grad_enabled():
            raise RuntimeError(
                f"{op}(): The function 'multi_margin_loss' is not differentiable with respect "
                "to argument 'weight'. This input cannot have requires_grad True: pass "
                "weight.detach()"
            )
    w = None if weight is None else weight._data
    shape = tuple(target.shape) if vector and reduction == "none" else None  # torch keeps it
    # the op gets the input itself (a 1-D input is one sample): torch's node lists it
    return MultiMarginLoss.apply(input, y, p, float(margin), w, reduction, shape)  # type: ignore[no-any-return]


def multilabel_margin_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-label hinge: ``sum_{j, i} max(0, 1 - (x[y_j] - x[i])) / C`` per sample.

    ``j`` runs over the target classes (the leading entries of ``target`` before the first
    -1) and ``i`` over the other classes.

    Args:
        input: scores ``(N, C)`` or ``(C,)``.
        target: int64 class indices shaped like ``input``, padded with -1.
        size_average: deprecated (use ``reduction``).
        reduce: deprecated (use ``reduction``).
        reduction: 'none', 'mean' or 'sum'.

    Raises:
        RuntimeError: for a bad shape or a target out of range.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> x = mt.tensor([[0.1, 0.2, 0.4, 0.8]])
        >>> F.multilabel_margin_loss(x, mt.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """
    op = "multilabel_margin_loss"
    reduction = get_reduction(op, reduction, size_average, reduce)
    x, y, vector = _class_targets(op, input, target)
    y = y.reshape(tuple(x.shape)) if y.size == x.numel() else y
    if y.shape != tuple(x.shape) or (y.size and (y.min() < -1 or y.max() >= x.shape[1])):
        raise RuntimeError(
            f"{op}(): inconsistent target size {list(target.shape)} for input of size "
            f"{list(input.shape)}: expected class indices in [-1, {x.shape[1]})"
        )
    valid = np.cumprod(y >= 0, axis=1).astype(bool)  # entries before the first -1
    rows = np.repeat(np.arange(y.shape[0]), y.shape[1]).reshape(y.shape)
    is_target = np.zeros(x.shape, dtype=bool)
    is_target[rows[valid], y[valid]] = True
    pairs = valid[:, :, None] & ~is_target[:, None, :]
    shape = () if vector and reduction == "none" else None
    pick = np.where(valid, y, 0)
    return MultilabelMarginLoss.apply(input, pick, pairs, reduction, shape)  # type: ignore[no-any-return]


class MultilabelMarginLoss(Op, node_name="MultilabelMarginLossBackward0"):
    """loss_n = sum over target classes k and non-target j of max(0, 1 - x[n, k] + x[n, j]) / C.

    ``pick`` (N, K) holds the target classes, ``pairs`` (N, K, C) the (k, j) pairs that count.
    With a = [hinge > 0] on the pairs: dloss_n/dx[n, j] = sum_k a[k, j] / C, and each target
    class k gets -sum_j a[k, j] / C. Linear in the upstream gradient (torch's node lists the
    input only).
    """

    _listed = (0,)

    @staticmethod
    def forward(
        ctx: Any,
        x: Any,
        pick: np.ndarray,
        pairs: np.ndarray,
        reduction: str,
        shape: tuple[int, ...] | None,
    ) -> Any:
        ctx.in_shape, ctx.reduction = x.shape, reduction
        x = x.reshape(1, -1) if x.ndim < 2 else x
        n, classes = x.shape
        hinge = 1 - np.take_along_axis(x, pick, 1)[:, :, None] + x[:, None, :]
        ctx.active = active = pairs & (hinge > 0)
        ctx.targets = (pick[:, :, None] == np.arange(classes)) & pairs.any(2, keepdims=True)
        loss = (np.where(active, hinge, 0).sum((1, 2)) / classes).astype(x.dtype)
        return loss.reshape(shape) if shape is not None else reduce_array(loss, reduction)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        shape = ctx.in_shape
        n, classes = (1, shape[0] if shape else 1) if len(shape) < 2 else shape
        g = _per_sample(ctx, grad_out, n) * (1.0 / classes)
        g = g.reshape(n, 1, 1) if ctx.reduction == "none" else g
        slopes = dual.where(ctx.active, g, 0.0)  # (N, K, C)
        per_target = dual.sum(slopes, 2, True)  # (N, K, 1): what each target class loses
        grad_x = dual.sum(slopes, 1) - dual.sum(dual.where(ctx.targets, per_target, 0.0), 1)
        return grad_x.reshape(shape), None, None, None, None


class SoftMarginLoss(Op, node_name="SoftMarginLossBackward0"):
    """loss = -log(sigmoid(y x)) = log(1 + exp(-y x)), reduced;  dloss/dx = -y sigmoid(-y x).

    ``y`` (the target) is a constant array, broadcast to x's shape; torch's node lists only x.
    """

    _listed = (0,)

    @staticmethod
    def forward(ctx: Any, x: Any, target: np.ndarray, reduction: str) -> Any:
        ctx.save_for_backward(x)
        ctx.neg_target = -np.broadcast_to(target, x.shape).astype(x.dtype)
        loss = -raw_log_sigmoid(x * -ctx.neg_target)
        ctx.norm = 1.0 / loss.size if reduction == "mean" and loss.size else 1.0
        return reduce_array(loss, reduction)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        (x,) = ctx.saved_tensors
        neg_target = ctx.neg_target
        return grad_out * ctx.norm * neg_target * dual.sigmoid(x * neg_target), None, None


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
    if broadcast_check(op, input, target) != input._data.shape:
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
    return SoftMarginLoss.apply(input, target._data, reduction)  # type: ignore[no-any-return]
