"""Margin loss modules: hinge embedding, triplet, multi-class, multi-label, multi-label soft."""

from __future__ import annotations

from collections.abc import Callable

from microtensor.nn._functional.loss_margin import (
    hinge_embedding_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from microtensor.nn.distance import PairwiseDistance
from microtensor.nn.loss import _Loss, _WeightedLoss
from microtensor.nn.module import Module
from microtensor.tensor import Tensor

__all__ = [
    "HingeEmbeddingLoss",
    "MultiLabelMarginLoss",
    "MultiLabelSoftMarginLoss",
    "MultiMarginLoss",
    "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
]


class HingeEmbeddingLoss(_Loss):
    """``x`` for ``y = 1``, ``max(0, margin - x)`` for ``y = -1`` (see ``F.hinge_embedding_loss``).

    Example:
        >>> import microtensor as mt
        >>> mt.nn.HingeEmbeddingLoss()(mt.tensor([0.5, 2.0]), mt.tensor([-1.0, 1.0]))
        tensor(1.2500)
    """

    def __init__(
        self,
        margin: float = 1.0,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002, D102
        return hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge over target and non-target classes (see ``F.multilabel_margin_loss``).

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[0.1, 0.2, 0.4, 0.8]])
        >>> mt.nn.MultiLabelMarginLoss()(x, mt.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002, D102
        return multilabel_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Per-class logistic loss averaged over classes (see ``F.multilabel_soft_margin_loss``).

    Example:
        >>> import microtensor as mt
        >>> mt.nn.MultiLabelSoftMarginLoss()(mt.zeros(1, 2), mt.tensor([[1.0, 0.0]]))
        tensor(0.6931)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002, D102
        return multilabel_soft_margin_loss(
            input, target, weight=self.weight, reduction=self.reduction
        )


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss (see ``F.multi_margin_loss``).

    Raises:
        ValueError: for ``p`` other than 1 or 2, or a weight that is not 1-D.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.MultiMarginLoss()(mt.tensor([[0.1, 0.2, 0.4, 0.8]]), mt.tensor([3]))
        tensor(0.3250)
    """

    def __init__(
        self,
        p: int = 1,
        margin: float = 1.0,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.ndim != 1:
            raise ValueError(
                f"MultiMarginLoss: expected weight to be None or 1D tensor, got {weight.ndim}D "
                "instead"
            )
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002, D102
        return multi_margin_loss(
            input, target, p=self.p, margin=self.margin, weight=self.weight,
            reduction=self.reduction,
        )  # fmt: skip


class TripletMarginLoss(_Loss):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with the p-norm distance.

    Example:
        >>> import microtensor as mt
        >>> a, pos, neg = mt.zeros(1, 2), mt.ones(1, 2), mt.tensor([[3.0, 4.0]])
        >>> mt.nn.TripletMarginLoss(margin=5.0, eps=0.0)(a, pos, neg)
        tensor(1.4142)
    """

    def __init__(
        self,
        margin: float = 1.0,
        p: float = 2.0,
        eps: float = 1e-6,
        swap: bool = False,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(
                f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead"
            )
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:  # noqa: D102
        return triplet_margin_loss(
            anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
            swap=self.swap, reduction=self.reduction,
        )  # fmt: skip


class TripletMarginWithDistanceLoss(_Loss):
    """``max(d(a, p) - d(a, n) + margin, 0)`` for any distance function ``d``.

    Example:
        >>> import microtensor as mt
        >>> loss = mt.nn.TripletMarginWithDistanceLoss(margin=6.0)
        >>> loss(mt.zeros(1, 2), mt.ones(1, 2), mt.tensor([[3.0, 4.0]])).item() > 0
        True
    """

    def __init__(
        self,
        *,
        distance_function: Callable[[Tensor, Tensor], Tensor] | Module | None = None,
        margin: float = 1.0,
        swap: bool = False,
        reduction: str = "mean",
    ) -> None:
        super().__init__(None, None, reduction)
        if margin <= 0:
            raise ValueError(
                "TripletMarginWithDistanceLoss: expected margin to be greater than 0, got "
                f"{margin} instead"
            )
        self.distance_function = (
            distance_function if distance_function is not None else PairwiseDistance()
        )
        self.margin = margin
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:  # noqa: D102
        return triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction,
        )  # fmt: skip
