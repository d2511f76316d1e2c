"""torch's aten-style losses at the top level, with the integer ``reduction`` enum.

``torch.kl_div(input, target, reduction=1, log_target=False)`` and its kin take aten's
``at::Reduction`` integer: 0 is 'none', 1 is 'mean', 2 is 'sum'; the ``nn.functional`` forms
take the string. Each function maps the integer and calls the ``nn.functional`` loss.

Differs from PyTorch: an integer other than 0, 1 or 2 raises ValueError (torch treats it as
'none').
"""

from __future__ import annotations

import builtins
from typing import Any

from microtensor.nn import functional as F
from microtensor.tensor import Tensor

__all__ = [
    "binary_cross_entropy_with_logits",
    "cosine_embedding_loss",
    "ctc_loss",
    "hinge_embedding_loss",
    "kl_div",
    "margin_ranking_loss",
    "poisson_nll_loss",
    "triplet_margin_loss",
]

_REDUCTIONS = ("none", "mean", "sum")  # at::Reduction::None, Mean, Sum


def _reduction(op: str, reduction: Any) -> str:
    """The ``nn.functional`` name of aten's integer reduction."""
    if not isinstance(reduction, builtins.int) or isinstance(reduction, builtins.bool):
        raise TypeError(
            f"{op}(): argument 'reduction' must be int, not {type(reduction).__name__}: give "
            "0 ('none'), 1 ('mean') or 2 ('sum'), or call microtensor.nn.functional."
            f"{op} for the string form"
        )
    if reduction not in (0, 1, 2):
        raise ValueError(
            f"{op}(): reduction must be 0 ('none'), 1 ('mean') or 2 ('sum'), got {reduction}"
        )
    return _REDUCTIONS[reduction]


def kl_div(
    input: Tensor,  # noqa: A002
    target: Tensor,
    reduction: int = 1,
    *,
    log_target: bool = False,
) -> Tensor:
    """torch.kl_div: ``F.kl_div`` with the integer reduction (1, 'mean', is the default).

    Example:
        >>> import microtensor as mt
        >>> p = mt.tensor([0.5, 0.5])
        >>> mt.kl_div(p.log(), p, 2)
        tensor(0.)
    """
    name = _reduction("kl_div", reduction)
    return F.kl_div(input, target, reduction=name, log_target=log_target)


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    pos_weight: Tensor | None = None,
    reduction: int = 1,
) -> Tensor:
    """torch.binary_cross_entropy_with_logits: ``pos_weight`` before the integer reduction."""
    name = _reduction("binary_cross_entropy_with_logits", reduction)
    return F.binary_cross_entropy_with_logits(
        input, target, weight, reduction=name, pos_weight=pos_weight
    )


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    reduction: int = 1,
) -> Tensor:
    """torch.cosine_embedding_loss: ``F.cosine_embedding_loss`` with the integer reduction."""
    name = _reduction("cosine_embedding_loss", reduction)
    return F.cosine_embedding_loss(input1, input2, target, margin, reduction=name)


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    reduction: int = 1,
) -> Tensor:
    """torch.margin_ranking_loss: ``F.margin_ranking_loss`` with the integer reduction."""
    name = _reduction("margin_ranking_loss", reduction)
    return F.margin_ranking_loss(input1, input2, target, margin, reduction=name)


def hinge_embedding_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    margin: float = 1.0,
    reduction: int = 1,
) -> Tensor:
    """torch.hinge_embedding_loss: ``F.hinge_embedding_loss`` with the integer reduction."""
    name = _reduction("hinge_embedding_loss", reduction)
    return F.hinge_embedding_loss(input, target, margin, reduction=name)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-06,
    swap: bool = False,
    reduction: int = 1,
) -> Tensor:
    """torch.triplet_margin_loss: ``F.triplet_margin_loss`` with the integer reduction."""
    name = _reduction("triplet_margin_loss", reduction)
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=name)


def poisson_nll_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    log_input: bool,
    full: bool,
    eps: float,
    reduction: int,
) -> Tensor:
    """torch.poisson_nll_loss: every argument required, the reduction an integer."""
    name = _reduction("poisson_nll_loss", reduction)
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=name)


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: Any,
    target_lengths: Any,
    blank: int = 0,
    reduction: int = 1,
    zero_infinity: bool = False,
) -> Tensor:
    """torch.ctc_loss: ``F.ctc_loss`` with the integer reduction."""
    name = _reduction("ctc_loss", reduction)
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, name, zero_infinity)
