"""``CTCLoss``: the Connectionist Temporal Classification loss module."""

from __future__ import annotations

from typing import Any

from microtensor.nn._functional.loss_ctc import ctc_loss
from microtensor.nn.loss import _Loss
from microtensor.tensor import Tensor

__all__ = ["CTCLoss"]


class CTCLoss(_Loss):
    """``-log p(target | input)`` summed over all alignments; see ``F.ctc_loss``.

    Args:
        blank: the blank label.
        reduction: 'none', 'mean' (each loss over its target length, then averaged) or 'sum'.
        zero_infinity: replace infinite losses and their gradients by 0.

    Shape:
        - Log_probs: ``(T, N, C)`` or ``(T, C)``; Targets: ``(N, S)`` or 1-D concatenated.
        - Input_lengths and Target_lengths: ``(N,)``.
        - Output: scalar, or ``(N,)`` for 'none'.

    Example:
        >>> import microtensor as mt
        >>> lp = mt.log(mt.full((2, 1, 2), 0.5))
        >>> mt.nn.CTCLoss(reduction="sum")(lp, mt.tensor([[1]]), [2], [1])
        tensor(0.2877)
    """

    def __init__(
        self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False
    ) -> None:
        super().__init__(None, None, reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(
        self, log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any
    ) -> Tensor:
        """Return ``ctc_loss(log_probs, targets, input_lengths, target_lengths, ...)``."""
        return ctc_loss(
            log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
            self.zero_infinity,
        )  # fmt: skip
