"""Binary cross entropy, on probabilities and (fused, stable) on logits.

Both are single ops with PyTorch's formulas: ``binary_cross_entropy`` clamps each log at -100
so that probabilities of exactly 0 or 1 give finite losses; ``binary_cross_entropy_with_logits``
works from ``log(sigmoid(x))`` computed without overflow, so logits of +-1000 are fine.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.autograd.grad_mode import is_grad_enabled
from microtensor.nn._functional._activation_ops import LogSigmoid, raw_log_sigmoid
from microtensor.nn._functional._loss_common import get_reduction, reduce_array
from microtensor.ops import dual
from microtensor.ops._common import broadcast_error, promote
from microtensor.tensor import Tensor

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits"]

# PyTorch's guard on x * (1 - x) in the derivative (a float constant, hence the float32 value)
_EPSILON = float(np.float32(1e-12))


def log_sigmoid(x: Any) -> Any:
    """log(sigmoid(x)) on an array or (differentiably) on a Tensor."""
    return raw_log_sigmoid(x) if dual.is_array(x) else LogSigmoid.apply(x)


def _scale(ctx: Any, grad_out: Any) -> Any:
    """The upstream gradient per element: divided by the element count for 'mean'."""
    if ctx.reduction == "mean":
        return grad_out / ctx.size
    return grad_out


class BinaryCrossEntropy(Op):
    """loss = -w * (y * max(log(x), -100) + (1 - y) * max(log(1 - x), -100)).

    dloss/dx = w * (x - y) / max(x * (1 - x), 1e-12);  dloss/dy = -w * logit(x)  (PyTorch's).
    """

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any, weight: Any, reduction: str) -> Any:
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        loss = (y - 1) * log_1mx - y * log_x
        if weight is not None:
            loss = loss * weight
        ctx.weight, ctx.reduction, ctx.size = weight, reduction, x.size
        ctx.save_for_backward(x, y)
        return np.asarray(reduce_array(loss, reduction), dtype=x.dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        x, y = ctx.saved_tensors
        grad = _scale(ctx, grad_out)
        if ctx.weight is not None:
            grad = grad * ctx.weight
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            x_raw = x._data if isinstance(x, Tensor) else x
            guarded = (1 - x_raw) * x_raw > _EPSILON
            grad_x = grad * (x - y) / dual.where(guarded, (1 - x) * x, _EPSILON)
        if ctx.needs_input_grad[1]:
            grad_y = -grad * dual.log(x / (1 - x))
        return grad_x, grad_y, None, None


class BinaryCrossEntropyWithLogits(Op):
    """loss = w * ((1 - y) * x - l * log(sigmoid(x))),  l = (p - 1) * y + 1 (p: pos_weight).

    dloss/dx = w * (l * sigmoid(x) - p * y);  dloss/dy = -w * (x + (p - 1) * log(sigmoid(x))).
    Without pos_weight l = p = 1.
    """

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any, weight: Any, pos_weight: Any, reduction: str) -> Any:
        log_sig = raw_log_sigmoid(x)
        if pos_weight is not None:
            log_sig = log_sig * ((pos_weight - 1) * y + 1)
        loss = (1 - y) * x - log_sig
        if weight is not None:
            loss = loss * weight
        ctx.weight, ctx.pos_weight = weight, pos_weight
        ctx.reduction, ctx.size = reduction, x.size
        ctx.save_for_backward(x, y)
        return np.asarray(reduce_array(loss, reduction), dtype=x.dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        x, y = ctx.saved_tensors
        grad = _scale(ctx, grad_out)
        if ctx.weight is not None:
            grad = grad * ctx.weight
        p = ctx.pos_weight
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            if p is None:
                grad_x = grad * (dual.sigmoid(x) - y)
            else:
                grad_x = grad * ((p * y + 1 - y) * dual.sigmoid(x) - p * y)
        if ctx.needs_input_grad[1]:
            if p is None:
                grad_y = -grad * x
            else:
                grad_y = -grad * (x + (p - 1) * log_sigmoid(x))
        return grad_x, grad_y, None, None, None


def _check_weight(op: str, name: str, weight: Any, input: Tensor) -> np.ndarray | None:  # noqa: A002
    """A constant weight broadcast to the input's shape, in the input's dtype."""
    if weight is None:
        return None
    if not isinstance(weight, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(weight).__name__}")
    shape = input._data.shape
    try:
        full = np.broadcast_shapes(weight._data.shape, shape)
    except ValueError:
        raise broadcast_error(op, input, weight) from None
    if full != shape:
        raise RuntimeError(
            f"{op}(): output with shape {shape} doesn't match the broadcast shape {full}: "
            f"{name} of shape {weight._data.shape} must broadcast to the input's shape"
        )
    if weight._requires_grad and is_grad_enabled():
        raise RuntimeError(
            f"{op}(): the loss is not differentiable with respect to argument '{name}'. This "
            f"input cannot have requires_grad True: pass {name}.detach()"
        )
    return np.broadcast_to(weight._data.astype(input._data.dtype, copy=False), shape)


def _check_range(op: str, name: str, values: np.ndarray) -> None:
    with np.errstate(invalid="ignore"):
        inside = (values >= 0) & (values <= 1)
    if not inside.all():
        bad = values[~inside].flat[0]
        raise RuntimeError(
            f"{op}(): all elements of {name} should be between 0 and 1, found {bad}: pass "
            "probabilities (apply sigmoid to logits, or use binary_cross_entropy_with_logits)"
        )


def binary_cross_entropy(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross entropy between probabilities ``input`` and ``target``.

    ``loss = -weight * (target * log(input) + (1 - target) * log(1 - input))``, each log
    clamped at -100 as in PyTorch (an input of exactly 0 or 1 gives at most 100).

    Args:
        input: probabilities in [0, 1], any shape.
        target: probabilities in [0, 1], same shape and dtype as ``input``.
        weight: rescales each element; broadcasts to the input's shape (not differentiable).
        size_average: deprecated (use ``reduction``).
        reduce: deprecated (use ``reduction``).
        reduction: 'none', 'mean' or 'sum'.

    Returns:
        The loss: a scalar, or shaped like ``input`` for 'none'.

    Raises:
        ValueError: if the target's shape differs from the input's, or for a bad reduction.
        RuntimeError: for values outside [0, 1], mismatched dtypes, or a bad weight.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.binary_cross_entropy(mt.tensor([0.9, 0.2, 0.0]), mt.tensor([1.0, 0.0, 1.0]),
        ...                        reduction="none")
        tensor([  0.1054,   0.2231, 100.0000])
    """
    op = "binary_cross_entropy"
    reduction = get_reduction(op, reduction, size_average, reduce)
    _check_pair(op, input, target)
    if target._data.shape != input._data.shape:
        raise ValueError(
            f"{op}(): Using a target size ({target.shape}) that is different to the input "
            f"size ({input.shape}) is deprecated. Please ensure they have the same size."
        )
    if target._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"{op}(): Found dtype {target.dtype} but expected {input.dtype}: target must have "
            f"the input's dtype (call target.to({input.dtype}))"
        )
    _check_range(op, "input", input._data)
    _check_range(op, "target", target._data)
    w = _check_weight(op, "weight", weight, input)
    return BinaryCrossEntropy.apply(input, target, w, reduction)  # type: ignore[no-any-return]


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross entropy on logits: ``sigmoid`` and the loss in one stable op.

    ``loss = weight * ((1 - target) * input - l * log(sigmoid(input)))`` with
    ``l = (pos_weight - 1) * target + 1``, i.e. ``-weight * (pos_weight * target *
    log(sigmoid(x)) + (1 - target) * log(1 - sigmoid(x)))``, computed without overflow.

    Args:
        input: logits, any shape.
        target: probabilities, same shape as ``input`` (floating).
        weight: rescales each element; broadcasts to the input's shape (not differentiable).
        size_average: deprecated (use ``reduction``).
        reduce: deprecated (use ``reduction``).
        reduction: 'none', 'mean' or 'sum'.
        pos_weight: the weight of positive examples, broadcast along the last dims (one per
            class for multi-label targets; not differentiable).

    Returns:
        The loss: a scalar, or shaped like ``input`` for 'none'.

    Raises:
        ValueError: if the target's shape differs from the input's, or for a bad reduction.
        RuntimeError: for an integer target or a weight that does not broadcast.
        NotImplementedError: for integer logits.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.binary_cross_entropy_with_logits(mt.tensor([1000.0, -1000.0, 0.0]),
        ...                                    mt.tensor([0.0, 0.0, 1.0]), reduction="none")
        tensor([1.0000e+03, 0.0000e+00, 6.9315e-01])
    """
    op = "binary_cross_entropy_with_logits"
    reduction = get_reduction(op, reduction, size_average, reduce)
    _check_pair(op, input, target)
    if target._data.shape != input._data.shape:
        raise ValueError(
            f"{op}(): Target size ({target.shape}) must be the same as input size ({input.shape})"
        )
    if target._data.dtype.kind != "f":
        raise RuntimeError(
            f"{op}(): target must be floating (probabilities), got {target.dtype}: call "
            "target.float()"
        )
    input, target = promote(input, target)  # noqa: A001
    w = _check_weight(op, "weight", weight, input)
    pw = _check_weight(op, "pos_weight", pos_weight, input)
    out = BinaryCrossEntropyWithLogits.apply(input, target, w, pw, reduction)
    return out  # type: ignore[no-any-return]


def _check_pair(op: str, input: Any, target: Any) -> None:  # noqa: A002
    for name, value in (("input", input), ("target", target)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"{op}(): input must be a floating tensor, got {input.dtype}: call input.float()"
        )
