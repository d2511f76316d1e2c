"""Regression and divergence losses (``mse_loss``, ``l1_loss``, ``kl_div`` ...), composed of ops.

Each is a short composition of differentiable ops, so gradients (also with respect to the
target, and second derivatives) come from the ops. The binary and multi-class losses live in
``loss_binary.py`` and ``loss_classification.py`` and are re-exported here; the margin and
likelihood losses in ``loss_margin.py`` and ``loss_likelihood.py``.
"""

from __future__ import annotations

import warnings

import numpy as np

from microtensor import ops
from microtensor.nn._functional._loss_common import apply_reduction, get_reduction, pair
from microtensor.nn._functional._regression_loss_ops import HuberLoss, MseLoss, SmoothL1Loss
from microtensor.nn._functional.loss_binary import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
)
from microtensor.nn._functional.loss_classification import (
    cross_entropy,
    linear_cross_entropy,
    nll_loss,
)
from microtensor.nn._functional.loss_embedding import cosine_embedding_loss, margin_ranking_loss
from microtensor.nn._functional.loss_likelihood import gaussian_nll_loss, poisson_nll_loss
from microtensor.nn._functional.loss_margin import soft_margin_loss
from microtensor.tensor import Tensor

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cosine_embedding_loss",
    "cross_entropy",
    "gaussian_nll_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "linear_cross_entropy",
    "margin_ranking_loss",
    "mse_loss",
    "nll_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
]


def _broadcast(input: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:  # noqa: A002
    """Both at their broadcast shape (torch's ``broadcast_tensors`` first: expand nodes)."""
    if input._data.shape == target._data.shape:
        return input, target
    return ops.broadcast_tensors(input, target)  # type: ignore[return-value]


def _weighted(
    op: str,
    loss: Tensor,
    input: Tensor,  # noqa: A002
    weight: Tensor | None,
    reduction: str,
    mean_by_weight: bool = True,
) -> Tensor:
    """Reduce ``loss``, scaled elementwise by ``weight`` (PyTorch's weighted regression losses).

    With a weight, 'mean' divides by ``sum(weight)`` (mse, l1) or by the element count (huber).
    """
    if weight is None:
        return apply_reduction(loss, reduction)
    if not isinstance(weight, Tensor) or weight._data.shape != input._data.shape:
        shape = weight._data.shape if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(
            f"{op}(): Weights and input must have the same size: weight {shape}, input "
            f"{input._data.shape}"
        )
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        with np.errstate(invalid="ignore", divide="ignore"):  # no elements: nan, as PyTorch
            return ops.sum(loss) / ops.sum(weight)
    return apply_reduction(loss, reduction)


def mse_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean squared error: ``(input - target) ** 2``, reduced.

    Args:
        input: any shape.
        target: broadcastable with ``input`` (a different size warns, as in PyTorch).
        size_average: deprecated (use ``reduction``).
        reduce: deprecated (use ``reduction``).
        reduction: 'none', 'mean' or 'sum'.
        weight: per-element weights shaped like ``input``; 'mean' then divides by their sum.

    Returns:
        The loss: a scalar, or the broadcast shape for 'none'.

    Raises:
        RuntimeError: if the shapes do not broadcast.
        ValueError: for a weight not shaped like the input, or an unknown reduction.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.mse_loss(mt.tensor([1.0, 2.0, 4.0]), mt.tensor([1.0, 0.0, 1.0]))
        tensor(4.3333)
    """
    input, target = pair("mse_loss", input, target)  # noqa: A001
    reduction = get_reduction("mse_loss", reduction, size_average, reduce)
    if weight is None:
        return MseLoss.apply(*_broadcast(input, target), reduction)  # type: ignore[no-any-return]
    return _weighted("mse_loss", (input - target) ** 2, input, weight, reduction)


def l1_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean absolute error: ``|input - target|``, reduced (gradient 0 where they are equal).

    Complex tensors give a real loss (the modulus of the difference), as in PyTorch.

    Args:
        input: any shape.
        target: broadcastable with ``input`` (a different size warns).
        size_average: deprecated (use ``reduction``).
        reduce: deprecated (use ``reduction``).
        reduction: 'none', 'mean' or 'sum'.
        weight: per-element weights shaped like ``input``; 'mean' then divides by their sum.

    Returns:
        The loss: a scalar, or the broadcast shape for 'none'.

    Raises:
        RuntimeError: if the shapes do not broadcast.
        ValueError: for a weight not shaped like the input, or an unknown reduction.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.l1_loss(mt.tensor([1.0, 2.0, 4.0]), mt.tensor([1.0, 0.0, 1.0]), reduction="sum")
        tensor(5.)
    """
    input, target = pair("l1_loss", input, target, complex_ok=True)  # noqa: A001
    reduction = get_reduction("l1_loss", reduction, size_average, reduce)
    loss = ops.abs(input - target)
    return _weighted("l1_loss", loss, input, weight, reduction)


def smooth_l1_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """Smooth L1 loss: quadratic below ``beta``, linear above.

    ``0.5 * z ** 2 / beta`` where ``z = |input - target| < beta``, else ``z - 0.5 * beta``;
    ``beta = 0`` is the L1 loss.

    Args:
        input: any shape.
        target: broadcastable with ``input`` (a different size warns).
        size_average: deprecated (use ``reduction``).
        reduce: deprecated (use ``reduction``).
        reduction: 'none', 'mean' or 'sum'.
        beta: where the loss turns from quadratic to linear (>= 0).

    Returns:
        The loss: a scalar, or the broadcast shape for 'none'.

    Raises:
        RuntimeError: for a negative ``beta`` or shapes that do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.smooth_l1_loss(mt.tensor([0.5, 3.0]), mt.tensor([0.0, 0.0]), reduction="none")
        tensor([0.1250, 2.5000])
    """
    input, target = pair("smooth_l1_loss", input, target)  # noqa: A001
    reduction = get_reduction("smooth_l1_loss", reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError(
            f"smooth_l1_loss(): smooth_l1_loss does not support negative values for beta (got "
            f"{beta}); beta=0 gives the L1 loss"
        )
    if beta == 0.0:  # torch's l1_loss
        return apply_reduction(ops.abs(input - target), reduction)
    return SmoothL1Loss.apply(*_broadcast(input, target), reduction, float(beta))  # type: ignore[no-any-return]


def huber_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """Huber loss: quadratic below ``delta``, linear above.

    ``0.5 * z ** 2`` where ``z = |input - target| < delta``, else ``delta * (z - 0.5 * delta)``
    (``delta`` times the smooth L1 loss with ``beta=delta``).

    Args:
        input: any shape.
        target: broadcastable with ``input`` (a different size warns).
        reduction: 'none', 'mean' or 'sum'.
        delta: where the loss turns from quadratic to linear (> 0).
        weight: per-element weights shaped like ``input`` ('mean' still divides by the count).

    Returns:
        The loss: a scalar, or the broadcast shape for 'none'.

    Raises:
        RuntimeError: for ``delta <= 0`` or shapes that do not broadcast.
        ValueError: for a weight not shaped like the input, or an unknown reduction.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> x, y = mt.tensor([0.5, 3.0]), mt.tensor([0.0, 0.0])
        >>> F.huber_loss(x, y, reduction="none", delta=2.0)
        tensor([0.1250, 4.0000])
    """
    input, target = pair("huber_loss", input, target)  # noqa: A001
    reduction = get_reduction("huber_loss", reduction)
    if delta <= 0:
        raise RuntimeError(
            f"huber_loss(): huber_loss does not support non-positive values for delta (got {delta})"
        )
    if weight is None:
        return HuberLoss.apply(*_broadcast(input, target), reduction, float(delta))  # type: ignore[no-any-return]
    loss = HuberLoss.apply(*_broadcast(input, target), "none", float(delta))
    return _weighted("huber_loss", loss, input, weight, reduction, mean_by_weight=False)


def kl_div(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Kullback-Leibler divergence ``target * (log(target) - input)``, ``input`` being log-probs.

    A zero target contributes 0 (``0 * log 0 = 0``). 'batchmean' divides the sum by the batch
    size (the mathematical KL divergence per sample); 'mean' divides by the element count and
    warns, as in PyTorch.

    Differs from PyTorch: the gradient with respect to a zero target is ``-input`` (PyTorch's
    is nan).

    Args:
        input: log-probabilities.
        target: probabilities (log-probabilities if ``log_target``), broadcastable with input.
        size_average: deprecated (use ``reduction``).
        reduce: deprecated (use ``reduction``).
        reduction: 'none', 'batchmean', 'sum' or 'mean'.
        log_target: whether ``target`` holds log-probabilities.

    Returns:
        The divergence: a scalar, or the broadcast shape for 'none'.

    Raises:
        ValueError: for an unknown reduction.
        RuntimeError: if the shapes do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> log_q = mt.log(mt.tensor([[0.5, 0.5]]))
        >>> F.kl_div(log_q, mt.tensor([[0.9, 0.1]]), reduction="batchmean")
        tensor(0.3681)
    """
    input, target = pair("kl_div", input, target, warn=False)  # noqa: A001
    if size_average is None and reduce is None and reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            UserWarning,
            stacklevel=2,
        )
    reduction = get_reduction("kl_div", reduction, size_average, reduce, extra=("batchmean",))
    if log_target:
        loss = ops.exp(target) * (target - input)
    else:
        # xlogy(target, target): 0 * log(0) = 0; log is taken of 1 where the target is 0
        safe = ops.where(target._data == 0, 1.0, target)
        with np.errstate(invalid="ignore"):  # a negative target gives nan, as in PyTorch
            loss = target * ops.log(safe) - target * input
    if reduction == "batchmean":
        total = ops.sum(loss)
        if not input._data.ndim:
            return total
        with np.errstate(invalid="ignore"):  # an empty batch gives nan, as in PyTorch
            return total / input._data.shape[0]
    return apply_reduction(loss, reduction)
