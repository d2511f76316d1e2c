"""Embedding and ranking losses: hinge embedding, cosine embedding and margin ranking.

Each scores pairs (or single values) against a +1 / -1 target with a margin; all are
compositions of ``clamp`` and ``where`` with constant masks, written as PyTorch's reference
formulas, so their derivatives of every order come from those ops.
"""

from __future__ import annotations

from microtensor import ops
from microtensor.nn._functional._loss_common import (
    apply_reduction,
    broadcast_check,
    get_reduction,
    pair,
    require_tensors,
)
from microtensor.ops._common import promote
from microtensor.ops._pointwise import tensor_input
from microtensor.tensor import Tensor

__all__ = ["cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss"]


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
    hinge = ops.where(Tensor._make(t != 1), ops.clamp_min(margin - input, 0), 0.0)
    loss = hinge + ops.where(Tensor._make(t != -1), input, 0.0)
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
    neg = ops.where(target._data == -1, ops.clamp_min(cos - margin, 0), 0.0)
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
    return apply_reduction(ops.clamp_min(-target * diff + margin, 0), reduction)
