"""``LinearCrossEntropyLoss``: a linear layer and the cross entropy of its logits, in one loss."""

from __future__ import annotations

import math
from typing import Any

from microtensor import ops
from microtensor.nn._functional.loss_classification import linear_cross_entropy
from microtensor.nn.linear import Linear
from microtensor.nn.loss import _WeightedLoss
from microtensor.tensor import Tensor

__all__ = ["LinearCrossEntropyLoss"]


class LinearCrossEntropyLoss(_WeightedLoss):
    """``cross_entropy(Linear(input), target)`` with the linear layer held by the loss.

    Args:
        in_features: size of each input sample.
        num_classes: ``C``.
        out_features: ``(d1, ..., dK)`` for a K-dimensional loss over ``(N, C, d1, ..., dK)``.
        bias: learn a bias of the logits.
        device: only ``"cpu"`` (or None).
        dtype: the linear layer's dtype.
        reduction: 'none', 'mean' or 'sum'.
        weight: a weight per class, optional.
        ignore_index: a class index that contributes nothing (None: -100).
        label_smoothing: mix the targets with the uniform distribution by this amount.
        options: PyTorch's chunking options; accepted and ignored.

    Attributes:
        linear: the ``Linear(in_features, C * prod(out_features), bias)`` layer.

    Example:
        >>> import microtensor as mt
        >>> loss = mt.nn.LinearCrossEntropyLoss(3, 4)
        >>> loss(mt.ones(2, 3), mt.tensor([0, 3])).shape
        microtensor.Size([])
    """

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        *,
        out_features: tuple[int, ...] = (),
        bias: bool = False,
        device: Any = None,
        dtype: Any = None,
        reduction: str = "mean",
        weight: Tensor | None = None,
        ignore_index: int | None = None,
        label_smoothing: float = 0.0,
        options: Any = None,
    ) -> None:
        super().__init__(weight, None, None, reduction)
        self.in_features = in_features
        self.num_classes = num_classes
        self.out_features = tuple(out_features)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self.options = options
        rows = num_classes * math.prod(self.out_features)
        self.linear = Linear(in_features, rows, bias, device, dtype)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """Return ``linear_cross_entropy(input, linear.weight, target, ...)``."""
        shape = (self.num_classes, *self.out_features)
        bias = self.linear.bias
        return linear_cross_entropy(
            input, ops.reshape(self.linear.weight, (*shape, self.in_features)), target,
            linear_bias=None if bias is None else ops.reshape(bias, shape), weight=self.weight,
            reduction=self.reduction, ignore_index=self.ignore_index,
            label_smoothing=self.label_smoothing,
        )  # fmt: skip

    def extra_repr(self) -> str:
        """PyTorch's ``in_features=..., num_classes=..., ..., options=...``."""
        return (
            f"in_features={self.in_features}, num_classes={self.num_classes}, "
            f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
            f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
            f"label_smoothing={self.label_smoothing}, options={self.options}"
        )
