"""Loss modules (``torch.nn``'s names): each ``forward`` is one ``nn.functional`` call.

The options are stored as attributes under PyTorch's names (``reduction``, ``ignore_index``,
``label_smoothing`` ...); class weights are buffers, so they move with ``to()`` and appear in
``state_dict()``. As in PyTorch, the repr shows no options: ``CrossEntropyLoss()``.
"""

from __future__ import annotations

from microtensor.nn import functional as F
from microtensor.nn._functional._loss_common import legacy_get_string
from microtensor.nn.module import Module
from microtensor.tensor import Tensor

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CosineEmbeddingLoss",
    "CrossEntropyLoss",
    "GaussianNLLLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "MSELoss",
    "MarginRankingLoss",
    "NLLLoss",
    "PoissonNLLLoss",
    "SmoothL1Loss",
    "SoftMarginLoss",
]


class _Loss(Module):
    """Base of the losses: holds ``reduction`` (the deprecated flags map to it, with a warning)."""

    reduction: str

    def __init__(
        self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
    ) -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            self.reduction = legacy_get_string(size_average, reduce, stacklevel=3)
        else:
            self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with a class-weight buffer ``weight`` (None when not given)."""

    weight: Tensor | None

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    """Mean absolute error ``|input - target|`` (see ``F.l1_loss``).

    Shape:
        input ``(*)``; target broadcastable (same shape expected); output scalar, or the
        input's shape for ``reduction='none'``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import nn
        >>> nn.L1Loss()(mt.tensor([1.0, 2.0]), mt.tensor([0.0, 0.0]))
        tensor(1.5000)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002, D102
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``(input - target) ** 2`` (see ``F.mse_loss``).

    Shape:
        input ``(*)``; target the same shape; output scalar, or ``(*)`` for 'none'.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import nn
        >>> nn.MSELoss(reduction="sum")(mt.tensor([1.0, 2.0]), mt.tensor([0.0, 0.0]))
        tensor(5.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002, D102
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Smooth L1 loss, quadratic below ``beta`` (see ``F.smooth_l1_loss``).

    Shape:
        input ``(*)``; target the same shape; output scalar, or ``(*)`` for 'none'.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import nn
        >>> nn.SmoothL1Loss(beta=0.5)(mt.tensor([0.2, 2.0]), mt.tensor([0.0, 0.0]))
        tensor(0.8950)
    """

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002, D102
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber loss, quadratic below ``delta`` (see ``F.huber_loss``).

    Shape:
        input ``(*)``; target the same shape; output scalar, or ``(*)`` for 'none'.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import nn
        >>> nn.HuberLoss(delta=0.5)(mt.tensor([0.2, 2.0]), mt.tensor([0.0, 0.0]))
        tensor(0.4475)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002, D102
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    """Binary cross entropy on probabilities, logs clamped at -100 (``F.binary_cross_entropy``).

    Shape:
        input ``(*)`` in [0, 1]; target the same shape; output scalar, or ``(*)`` for 'none'.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import nn
        >>> nn.BCELoss()(mt.tensor([0.8, 0.1]), mt.tensor([1.0, 0.0]))
        tensor(0.1643)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002, D102
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid and binary cross entropy in one stable op (``F.binary_cross_entropy_with_logits``).

    ``weight`` and ``pos_weight`` are buffers.

    Shape:
        input ``(*)`` logits; target the same shape; output scalar, or ``(*)`` for 'none'.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import nn
        >>> loss = nn.BCEWithLogitsLoss(pos_weight=mt.tensor([2.0, 1.0]))
        >>> loss(mt.tensor([[0.0, 1000.0]]), mt.tensor([[1.0, 0.0]]))
        tensor(500.6931)
    """

    weight: Tensor | None
    pos_weight: Tensor | None

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        pos_weight: Tensor | None = None,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002, D102
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, pos_weight=self.pos_weight, reduction=self.reduction
        )


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy from logits: fused log_softmax + nll (see ``F.cross_entropy``).

    Shape:
        input ``(C)``, ``(N, C)`` or ``(N, C, d1, ..., dK)`` logits; target class indices
        ``()``, ``(N)`` or ``(N, d1, ..., dK)``, or class probabilities shaped like the input;
        output scalar, or the target's shape (without the class dim) for 'none'.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import nn
        >>> loss = nn.CrossEntropyLoss(label_smoothing=0.1)
        >>> loss, loss(mt.tensor([[2.0, 0.0, -1.0]]), mt.tensor([0]))
        (CrossEntropyLoss(), tensor(0.3365))
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002, D102
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(_WeightedLoss):
    """Negative log likelihood from log-probabilities (see ``F.nll_loss``).

    Shape:
        input ``(C)``, ``(N, C)`` or ``(N, C, d1, ..., dK)``; target ``()``, ``(N)`` or
        ``(N, d1, ..., dK)`` class indices; output scalar, or the target's shape for 'none'.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import nn
        >>> nn.NLLLoss()(mt.tensor([[-0.5, -1.0], [-2.0, -0.1]]), mt.tensor([0, 1]))
        tensor(0.3000)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002, D102
        return F.nll_loss(
            input, target, weight=self.weight, ignore_index=self.ignore_index,
            reduction=self.reduction,
        )  # fmt: skip


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence from log-probabilities (see ``F.kl_div``).

    Shape:
        input ``(*)``; target the same shape; output scalar, or ``(*)`` for 'none'.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import nn
        >>> loss = nn.KLDivLoss(reduction="batchmean")
        >>> loss(mt.log(mt.tensor([[0.5, 0.5]])), mt.tensor([[0.9, 0.1]]))
        tensor(0.3681)
    """

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        log_target: bool = False,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002, D102
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class CosineEmbeddingLoss(_Loss):
    """Cosine similarity loss for pairs labelled 1 or -1 (see ``F.cosine_embedding_loss``).

    Shape:
        input1, input2 ``(N, D)`` or ``(D)``; target ``(N)`` or ``()``; output scalar, or
        ``(N)`` for 'none'.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import nn
        >>> nn.CosineEmbeddingLoss()(mt.tensor([[1.0, 0.0]]), mt.tensor([[1.0, 1.0]]),
        ...                          mt.tensor([1]))
        tensor(0.2929)
    """

    def __init__(
        self,
        margin: float = 0.0,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:  # noqa: D102
        return F.cosine_embedding_loss(
            input1, input2, target, margin=self.margin, reduction=self.reduction
        )


class MarginRankingLoss(_Loss):
    """``max(0, -target * (input1 - input2) + margin)`` (see ``F.margin_ranking_loss``).

    Shape:
        input1, input2, target ``(N)`` or ``()``; output scalar, or ``(N)`` for 'none'.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import nn
        >>> nn.MarginRankingLoss(margin=1.0)(mt.tensor([2.0]), mt.tensor([1.5]), mt.tensor([1.0]))
        tensor(0.5000)
    """

    def __init__(
        self,
        margin: float = 0.0,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:  # noqa: D102
        return F.margin_ranking_loss(
            input1, input2, target, margin=self.margin, reduction=self.reduction
        )


class SoftMarginLoss(_Loss):
    """Two-class logistic loss ``log(1 + exp(-target * input))`` (see ``F.soft_margin_loss``).

    Shape:
        input ``(*)``; target the same shape (1 or -1); output scalar, or ``(*)`` for 'none'.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import nn
        >>> nn.SoftMarginLoss()(mt.tensor([0.0, 2.0]), mt.tensor([1.0, 1.0]))
        tensor(0.4100)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002, D102
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log likelihood (see ``F.poisson_nll_loss``).

    Shape:
        input ``(*)``; target the same shape; output scalar, or ``(*)`` for 'none'.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import nn
        >>> nn.PoissonNLLLoss()(mt.tensor([0.0, 1.0]), mt.tensor([1.0, 3.0]))
        tensor(0.3591)
    """

    def __init__(
        self,
        log_input: bool = True,
        full: bool = False,
        size_average: bool | None = None,
        eps: float = 1e-8,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:  # noqa: D102
        return F.poisson_nll_loss(
            log_input, target, log_input=self.log_input, full=self.full, eps=self.eps,
            reduction=self.reduction,
        )  # fmt: skip


class GaussianNLLLoss(_Loss):
    """Gaussian negative log likelihood with predicted variances (see ``F.gaussian_nll_loss``).

    Shape:
        input ``(N, *)``; target like input (or broadcastable); var like input, like input
        without its last dim, or with one dim of size 1; output scalar, or ``(N, *)``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import nn
        >>> mean, var = mt.tensor([0.0, 1.0]), mt.tensor([1.0, 4.0])
        >>> nn.GaussianNLLLoss()(mean, mt.tensor([1.0, 1.0]), var)
        tensor(0.5966)
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:  # noqa: A002, D102
        return F.gaussian_nll_loss(
            input, target, var, full=self.full, eps=self.eps, reduction=self.reduction
        )
