"""Triplet losses: ``max(d(a, p) - d(a, n) + margin, 0)`` for an anchor, a positive and a negative.

``triplet_margin_loss`` uses ``pairwise_distance``; ``triplet_margin_with_distance_loss`` any
distance function. Compositions, as PyTorch's.
"""

from __future__ import annotations

from collections.abc import Callable

from microtensor import ops
from microtensor.nn._functional._loss_common import apply_reduction, broadcast_check, get_reduction
from microtensor.nn._functional.distance import pairwise_distance
from microtensor.tensor import Tensor

__all__ = ["triplet_margin_loss", "triplet_margin_with_distance_loss"]


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
    return ops.clamp_min(margin + dist_pos - dist_neg, 0)


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
