"""Margin losses: embedding, ranking, soft, triplet, multi-class and multi-label margins.

Hinge and cosine embedding, margin ranking, soft margin, triplet (with or without a custom
distance), multi-class, multi-label and multi-label soft margin. All are compositions of
``clamp``, ``gather``, ``where`` with constant masks and reductions, written as PyTorch's
reference formulas, so their derivatives of every order come from those ops.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from microtensor import ops
from microtensor.autograd.grad_mode import is_grad_enabled
from microtensor.nn._functional._activation_ops import LogSigmoid
from microtensor.nn._functional._loss_common import (
    apply_reduction,
    broadcast_check,
    get_reduction,
    pair,
    require_tensors,
)
from microtensor.nn._functional.distance import pairwise_distance
from microtensor.nn._functional.loss_binary import log_sigmoid
from microtensor.ops._common import promote
from microtensor.ops._pointwise import tensor_input
from microtensor.tensor import Tensor

__all__ = [
    "cosine_embedding_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]


def hinge_embedding_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``x`` where ``target == 1``, ``max(0, margin - x)`` where ``target == -1``.

    Args:
        input: distances, any shape.
        target: 1 or -1, shaped like ``input``.
        margin: the hinge's margin.
        size_average: deprecated (use ``reduction``).
        reduce: deprecated (use ``reduction``).
        reduction: 'none', 'mean' or 'sum'.

    Returns:
        A scalar, or shaped like ``input`` for 'none'.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.hinge_embedding_loss(mt.tensor([0.3, 2.0]), mt.tensor([-1.0, 1.0]), reduction="sum")
        tensor(2.7000)
    """
    op = "hinge_embedding_loss"
    reduction = get_reduction(op, reduction, size_average, reduce)
    tensor_input(op, input)
    tensor_input(op, target)
    broadcast_check(op, input, target)
    t = target._data
    hinge = ops.where(Tensor._make(t != 1), ops.clamp(margin - input, min=0), 0.0)
    loss = hinge + ops.where(Tensor._make(t != -1), input, 0.0)
    return apply_reduction(loss, reduction)


def _same_rank(op: str, anchor: Tensor, positive: Tensor, negative: Tensor) -> None:
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            f"{op}(): The anchor, positive, and negative tensors are expected to have the same "
            f"number of dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, "
            f"and negative {negative.ndim}D inputs"
        )


def _triplet(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    distance: Callable[[Tensor, Tensor], Tensor],
    margin: float,
    swap: bool,
) -> Tensor:
    dist_pos, dist_neg = distance(anchor, positive), distance(anchor, negative)
    if swap:
        dist_neg = ops.minimum(dist_neg, distance(positive, negative))
    return ops.clamp(margin + dist_pos - dist_neg, min=0)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the ``pairwise_distance`` (``p``, ``eps``).

    Args:
        anchor: shape ``(N, D)`` or ``(D,)``.
        positive: same shape.
        negative: same shape.
        margin: the required gap between the distances.
        p: the norm's exponent.
        eps: added to the differences (as ``pairwise_distance``).
        swap: use ``min(d(a, n), d(p, n))`` as the negative distance.
        size_average: deprecated (use ``reduction``).
        reduce: deprecated (use ``reduction``).
        reduction: 'none', 'mean' or 'sum'.

    Returns:
        A scalar, or ``(N,)`` for 'none'.

    Raises:
        ValueError: for a margin that is not greater than 0.
        RuntimeError: if the three inputs differ in rank or do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> a, pos, neg = mt.zeros(1, 2), mt.ones(1, 2), mt.tensor([[3.0, 4.0]])
        >>> F.triplet_margin_loss(a, pos, neg, margin=5.0, eps=0.0)
        tensor(1.4142)
    """
    op = "triplet_margin_loss"
    reduction = get_reduction(op, reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"{op}(): margin must be greater than 0, got {margin}")
    _same_rank(op, anchor, positive, negative)
    broadcast_check(op, anchor, positive)
    broadcast_check(op, anchor, negative)

    def distance(x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, p, eps)

    return apply_reduction(_triplet(anchor, positive, negative, distance, margin, swap), reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` for any ``d`` (default: ``pairwise_distance``).

    Raises:
        ValueError: for a non-positive margin or an unknown reduction.
        RuntimeError: if the three inputs differ in rank.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> l1 = lambda x, y: (x - y).abs().sum(-1)
        >>> a, pos, neg = mt.zeros(1, 2), mt.ones(1, 2), mt.tensor([[3.0, 4.0]])
        >>> F.triplet_margin_with_distance_loss(a, pos, neg, distance_function=l1, margin=6.0)
        tensor(1.)
    """
    op = "triplet_margin_with_distance_loss"
    if margin <= 0:
        raise ValueError(f"{op}: expected margin to be greater than 0, got {margin} instead")
    _same_rank(op, anchor, positive, negative)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    distance = distance_function if distance_function is not None else pairwise_distance
    return apply_reduction(_triplet(anchor, positive, negative, distance, margin, swap), reduction)


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
        RuntimeError: for a bad shape, a target out of range, or a weight not one per class.

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
    picked = ops.gather(x, 1, Tensor._make(y[:, None]))
    hinge = ops.clamp(margin - picked + x, min=0)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        if weight.ndim != 1 or weight.shape[0] != classes:
            raise RuntimeError(
                f"{op}(): inconsistent weight size, expected {classes} but got "
                f"{list(weight.shape)}: give one weight per class"
            )
        hinge = hinge * ops.unsqueeze(ops.index_select(weight, 0, Tensor._make(y)), 1)
    others = np.arange(classes)[None, :] != y[:, None]
    loss = ops.sum(ops.where(Tensor._make(others), hinge, 0.0), 1) / classes
    if vector and reduction == "none":
        loss = ops.reshape(loss, tuple(target.shape))  # PyTorch keeps the target's shape
    return apply_reduction(loss, reduction)


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
    picked = ops.gather(x, 1, Tensor._make(np.where(valid, y, 0)))  # (N, C_j)
    hinge = ops.clamp(1 - ops.unsqueeze(picked, 2) + ops.unsqueeze(x, 1), min=0)
    pairs = valid[:, :, None] & ~is_target[:, None, :]
    loss = ops.sum(ops.where(Tensor._make(pairs), hinge, 0.0), (1, 2)) / x.shape[1]
    if vector and reduction == "none":
        loss = ops.squeeze(loss, 0)
    return apply_reduction(loss, reduction)


_COSINE_EPSILON = 1e-12  # PyTorch's guard added to each squared norm


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
    require_tensors(op, input1=input1, input2=input2, target=target)
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
    broadcast_check(op, x1, x2)
    prod_sum = ops.sum(x1 * x2, dim)
    mag_square1 = ops.sum(x1 * x1, dim) + _COSINE_EPSILON
    mag_square2 = ops.sum(x2 * x2, dim) + _COSINE_EPSILON
    cos = prod_sum / ops.sqrt(mag_square1 * mag_square2)
    broadcast_check(op, cos, target)
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
    require_tensors(op, input1=input1, input2=input2, target=target)
    if not input1._data.ndim == input2._data.ndim == target._data.ndim:
        raise RuntimeError(
            f"{op}(): All input tensors should have same dimension but got sizes: input1: "
            f"{input1.shape}, input2: {input2.shape}, target: {target.shape}"
        )
    x1, x2 = pair(op, input1, input2, warn=False)
    diff = x1 - x2
    broadcast_check(op, diff, target)
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
    return apply_reduction(-log_sigmoid(target * input), reduction)
