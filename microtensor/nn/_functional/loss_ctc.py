"""``ctc_loss``: the Connectionist Temporal Classification loss (Graves et al., 2006).

One op, ``CTCLoss``: the forward (alpha) and backward (beta) recursions over the target with
blanks interleaved, in log space, per sample; the reduction is composed outside it. The
gradient is PyTorch's formula ``exp(lp) - exp(log(alpha * beta) + nll - lp)`` (the gradient
with respect to the logits of a ``log_softmax``, which ``log_softmax``'s backward leaves
unchanged); like PyTorch, it has no second derivative.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.nn._functional._loss_common import get_reduction
from microtensor.ops import dual
from microtensor.ops._pointwise import tensor_input
from microtensor.tensor import Tensor

__all__ = ["ctc_loss"]


def _logsumexp(*terms: np.ndarray) -> np.ndarray:
    """Elementwise log(sum(exp(terms))), -inf when every term is -inf (max shift)."""
    stacked = np.stack(terms)
    top = np.max(stacked, axis=0)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(stacked - safe), axis=0)) + safe


def _extended(target: np.ndarray, blank: int) -> np.ndarray:
    """``l'``: the target with a blank before, between and after its labels."""
    ext = np.full(2 * target.size + 1, blank, dtype=np.int64)
    ext[1::2] = target
    return ext


def _skip_allowed(ext: np.ndarray, blank: int) -> np.ndarray:
    """Where the path may jump two states (a label differing from the label two back)."""
    allowed = np.zeros(ext.size, dtype=bool)
    allowed[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    return allowed


def _shift(x: np.ndarray, k: int) -> np.ndarray:
    """``x`` moved ``k`` places right (left for negative ``k``), filled with -inf."""
    out = np.full_like(x, -np.inf)
    if k > 0:
        out[k:] = x[: max(x.size - k, 0)]
    else:
        out[: max(x.size + k, 0)] = x[-k:]
    return out


def _alpha_beta(lp: np.ndarray, target: np.ndarray, blank: int) -> tuple[Any, Any, float]:
    """Log alpha and log beta ``(T, 2L + 1)`` (both including the emission at t), and nll."""
    steps, ext = lp.shape[0], _extended(target, blank)
    states = ext.size
    skip = _skip_allowed(ext, blank)
    emit = lp[:, ext]  # (T, S')
    alpha = np.full((steps, states), -np.inf, dtype=lp.dtype)
    beta = np.full((steps, states), -np.inf, dtype=lp.dtype)
    if steps == 0:
        return alpha, beta, 0.0 if target.size == 0 else np.inf
    alpha[0, : min(2, states)] = emit[0, : min(2, states)]
    for t in range(1, steps):
        prev = alpha[t - 1]
        one, two = _shift(prev, 1), np.where(skip, _shift(prev, 2), -np.inf)
        alpha[t] = emit[t] + _logsumexp(prev, one, two)
    beta[-1, max(states - 2, 0) :] = emit[-1, max(states - 2, 0) :]
    skip_next = np.zeros_like(skip)  # from s to s + 2
    skip_next[: max(states - 2, 0)] = skip[2:]
    for t in range(steps - 2, -1, -1):
        nxt = beta[t + 1]
        one, two = _shift(nxt, -1), np.where(skip_next, _shift(nxt, -2), -np.inf)
        beta[t] = emit[t] + _logsumexp(nxt, one, two)
    nll = -float(_logsumexp(*alpha[-1, max(states - 2, 0) :]))
    return alpha, beta, nll


class CTCLoss(Op, node_name="CtcLossBackward0"):
    """nll_n = -log sum over alignments of prod_t y[t, path_t];  see the module docstring."""

    @staticmethod
    def forward(
        ctx: Any, lp: Any, targets: list[np.ndarray], lengths: np.ndarray, blank: int,
        zero_infinity: bool,
    ) -> Any:  # fmt: skip
        grad = np.zeros_like(lp)  # (T, N, C)
        losses = np.zeros(lp.shape[1], dtype=lp.dtype)
        with np.errstate(invalid="ignore", over="ignore"):
            for n, (target, steps) in enumerate(zip(targets, lengths, strict=True)):
                alpha, beta, nll = _alpha_beta(lp[:steps, n], target, blank)
                if zero_infinity and np.isinf(nll):
                    continue
                losses[n] = nll
                ext = _extended(target, blank)
                summed = np.full((steps, lp.shape[2]), -np.inf, dtype=lp.dtype)
                for s, label in enumerate(ext):  # log sum of alpha * beta per label
                    summed[:, label] = np.logaddexp(summed[:, label], alpha[:, s] + beta[:, s])
                sample = lp[:steps, n]
                grad[:steps, n] = np.exp(sample) - np.exp(summed + nll - sample)
        ctx.grad = grad
        ctx.save_for_backward(lp)
        return losses

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        if dual.is_array(grad_out):
            return grad_out[None, :, None] * ctx.grad, None, None, None, None
        (lp,) = ctx.saved_tensors  # create_graph: a gradient whose own backward raises
        return CTCLossBackward.apply(grad_out, lp, ctx.grad), None, None, None, None


class CTCLossBackward(Op):
    """The gradient of ``CTCLoss``; not differentiable itself (as PyTorch's)."""

    @staticmethod
    def forward(ctx: Any, grad_out: Any, lp: Any, grad: np.ndarray) -> Any:
        return grad_out[None, :, None] * grad

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        raise RuntimeError(
            "ctc_loss(): the derivative of its backward is not implemented (as in PyTorch's "
            "_ctc_loss_backward): ctc_loss has no second derivative"
        )


def _lengths(name: str, value: Any, batch: int) -> np.ndarray:
    values = value._data if isinstance(value, Tensor) else np.asarray(value)
    values = values.astype(np.int64).reshape(-1)
    if values.size != batch:
        raise RuntimeError(
            f"ctc_loss(): expected {name} to have {batch} entries, got {values.size}"
        )
    return values


def _split_targets(targets: Tensor, lengths: np.ndarray) -> list[np.ndarray]:
    data = targets._data.astype(np.int64)
    if data.ndim == 2:
        if lengths.size and lengths.max() > data.shape[1]:
            raise RuntimeError(
                f"Expected tensor to have size at least {lengths.max()} at dimension 1, but got "
                f"size {data.shape[1]} for argument #2 'targets' (while checking arguments for "
                "ctc_loss_cpu)"
            )
        return [row[:length] for row, length in zip(data, lengths, strict=True)]
    ends = np.cumsum(lengths)
    if ends.size and ends[-1] > data.size:
        raise RuntimeError(
            f"ctc_loss(): targets has {data.size} labels but target_lengths add up to {ends[-1]}"
        )
    return [data[end - length : end] for end, length in zip(ends, lengths, strict=True)]


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: Any,
    target_lengths: Any,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """The CTC loss: ``-log`` of the probability of ``targets`` summed over all alignments.

    Args:
        log_probs: ``(T, N, C)`` (or ``(T, C)`` unbatched) log-probabilities, e.g. the output
            of ``log_softmax`` over ``C``.
        targets: ``(N, S)`` padded label sequences, or 1-D: all of them concatenated.
        input_lengths: ``(N,)`` lengths of the inputs (at most ``T``).
        target_lengths: ``(N,)`` lengths of the targets.
        blank: the blank label.
        reduction: 'none' (per sample), 'mean' (each loss divided by its target length, then
            averaged) or 'sum'.
        zero_infinity: replace infinite losses (impossible alignments) and their gradients by 0.

    Returns:
        A scalar, or ``(N,)`` for 'none'.

    Raises:
        RuntimeError: for a wrong rank, integer log_probs, lengths that do not fit, a blank
            outside the classes, or a target label outside ``[0, C)``.

    Differs from PyTorch: a target label outside ``[0, C)`` raises (PyTorch reads past the
    classes and returns an undefined loss).

    As in PyTorch, there is no second derivative: a ``create_graph=True`` gradient can be
    computed, but differentiating it raises.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> lp = mt.log(mt.full((2, 1, 2), 0.5))
        >>> F.ctc_loss(lp, mt.tensor([[1]]), [2], [1], reduction="sum")
        tensor(0.2877)
    """
    op = "ctc_loss"
    reduction = get_reduction(op, reduction)
    tensor_input(op, log_probs)
    tensor_input(op, targets)
    if log_probs.ndim not in (2, 3) or log_probs._data.dtype.kind != "f":
        raise RuntimeError(
            f"ctc_loss(): expected log_probs of shape (T, N, C) or (T, C) and a floating dtype, "
            f"got {list(log_probs.shape)} of dtype {log_probs.dtype}"
        )
    unbatched = log_probs.ndim == 2
    lp = ops.unsqueeze(log_probs, 1) if unbatched else log_probs
    batch = lp.shape[1]
    in_lengths = _lengths("input_lengths", input_lengths, batch)
    out_lengths = _lengths("target_lengths", target_lengths, batch)
    if in_lengths.size and (in_lengths.max() > lp.shape[0] or in_lengths.min() < 0):
        raise RuntimeError(
            f"Expected input_lengths to have value at most {lp.shape[0]}, but got value "
            f"{in_lengths.max()} (while checking arguments for ctc_loss_cpu)"
        )
    classes = lp.shape[2]
    if not 0 <= blank < classes:
        raise RuntimeError(
            f"ctc_loss(): blank must be in label range: got blank={blank} for log_probs with "
            f"{classes} classes (valid: 0 to {classes - 1})"
        )
    target = ops.unsqueeze(targets, 0) if unbatched and targets.ndim == 1 else targets
    labels = _split_targets(target, out_lengths)
    for label in labels:
        bad = label[(label < 0) | (label >= classes)]
        if bad.size:
            raise RuntimeError(
                f"ctc_loss(): target label {int(bad[0])} is out of range for log_probs with "
                f"{classes} classes: labels must be in [0, {classes}) (PyTorch does not check "
                "this and returns an undefined loss)"
            )
    losses = CTCLoss.apply(lp, labels, in_lengths, blank, zero_infinity)
    if reduction == "sum":
        return ops.sum(losses)
    if reduction == "mean":
        divisors = np.maximum(out_lengths, 1).astype(lp._data.dtype)
        return ops.mean(losses / Tensor._make(divisors))
    return ops.squeeze(losses, 0) if unbatched else losses
