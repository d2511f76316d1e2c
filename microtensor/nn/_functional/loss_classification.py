"""Multi-class losses: ``cross_entropy`` and ``nll_loss``, with class weights and ignore_index.

``cross_entropy`` with class-index targets is one fused op (log_softmax + nll over the class
dim): one pass forward, and a backward of ``softmax - target distribution`` without building the
log_softmax graph (``_cross_entropy_ops``). Class-probability targets are composed from
``log_softmax``, as in PyTorch.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.grad_mode import is_grad_enabled
from microtensor.nn._functional._cross_entropy_ops import (
    CrossEntropy,
    CrossEntropy2D,
    CrossEntropySmoothed,
    NLLLoss,
    NLLLoss2D,
    _class_shape,
)
from microtensor.nn._functional._loss_common import get_reduction, mean
from microtensor.nn._functional._scalar_ops import AddScalar, DivScalar
from microtensor.nn._functional.linear import linear
from microtensor.tensor import Tensor

__all__ = ["cross_entropy", "linear_cross_entropy", "nll_loss"]

_INDEX_DTYPES = (np.dtype(np.int64), np.dtype(np.uint8))


# --- argument checks ---------------------------------------------------------------------------


def _check_input(op: str, input: Any) -> None:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"{op}(): input must be a floating tensor (logits or log-probabilities), got "
            f"{input.dtype}: call input.float()"
        )
    if input._data.ndim == 0:
        raise ValueError(
            f"{op}(): Expected 1 or more dimensions (got 0): input must be (C,), (N, C) or "
            "(N, C, d1, ..., dK)"
        )


def _class_targets(op: str, input: Tensor, target: Any, ignore_index: int) -> np.ndarray:  # noqa: A002
    """Check class-index targets against ``input``; return them as int64, shaped like the loss."""
    if not isinstance(target, Tensor):
        raise TypeError(f"{op}(): argument 'target' must be Tensor, not {type(target).__name__}")
    t, shape = target._data, input._data.shape
    if t.dtype not in _INDEX_DTYPES:
        raise RuntimeError(
            f"{op}(): expected target dtype to be Long or Byte (int64 or uint8 class indices), "
            f"but got {target.dtype}: call target.long(), or pass class probabilities shaped "
            f"like the input {shape}"
        )
    if len(shape) == 1:
        if t.ndim == 1 and t.shape[0] != 1:
            raise ValueError(
                f"{op}(): For 1D input, 1D target must have size 1, but got target size: "
                f"{t.shape[0]}"
            )
        if t.ndim > 1:
            raise RuntimeError(
                f"{op}(): 0D or 1D target tensor expected, multi-target not supported: input "
                f"{shape}, target {t.shape}"
            )
        t = t.reshape(())
    else:
        if t.ndim >= 1 and t.shape[0] != shape[0]:
            raise ValueError(
                f"{op}(): Expected input batch_size ({shape[0]}) to match target batch_size "
                f"({t.shape[0]}): input {shape}, target {t.shape}"
            )
        expected = shape[:1] + shape[2:]
        if t.shape != expected:
            raise RuntimeError(
                f"{op}(): Expected target size {expected}, got {t.shape}: for input {shape} the "
                "target holds one class index per position (the input's shape without dim 1)"
            )
    t = t.astype(np.int64, copy=False)
    n_classes = shape[0 if len(shape) == 1 else 1]
    if t.size and (t.min() < 0 or t.max() >= n_classes):  # the common case checks no further
        bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
        if bad.any():
            raise IndexError(
                f"{op}(): Target {t[bad].flat[0]} is out of bounds: class indices must be in "
                f"[0, {n_classes}) for {n_classes} classes, or equal ignore_index ({ignore_index})"
            )
    return t


def _check_weight(op: str, input: Tensor, weight: Any) -> None:  # noqa: A002
    """A per-class weight: a tensor of shape (C,)."""
    n_classes = input._data.shape[0 if input._data.ndim == 1 else 1]
    if not isinstance(weight, Tensor):
        raise TypeError(f"{op}(): argument 'weight' must be Tensor, not {type(weight).__name__}")
    if weight._data.shape != (n_classes,):
        raise RuntimeError(
            f"{op}(): weight tensor should be defined either for all {n_classes} classes or no "
            f"classes but got weight tensor of shape: {weight._data.shape} (input "
            f"{input._data.shape}, class dim {0 if input._data.ndim == 1 else 1})"
        )


def _index_weight(op: str, input: Tensor, weight: Any) -> np.ndarray | None:  # noqa: A002
    """The class weights for class-index targets: constant, and of the input's dtype."""
    if weight is None:
        return None
    _check_weight(op, input, weight)
    if weight._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"{op}(): expected scalar type {input.dtype} but found {weight.dtype} for weight: "
            f"call weight.to({input.dtype})"
        )
    if weight._requires_grad and is_grad_enabled():
        raise RuntimeError(
            f"{op}(): the loss is not differentiable with respect to argument 'weight'. This "
            "input cannot have requires_grad True: pass weight.detach()"
        )
    return weight._data


# --- public functions --------------------------------------------------------------------------


def nll_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log likelihood: ``-input[n, target[n]]``, from log-probabilities.

    Args:
        input: log-probabilities (``log_softmax`` output), shape (C,), (N, C) or
            (N, C, d1, ..., dK).
        target: class indices (int64 or uint8), shape (), (N) or (N, d1, ..., dK).
        weight: a weight per class, shape (C,), same dtype as ``input`` (not differentiable).
        size_average: deprecated (use ``reduction``).
        ignore_index: a target value that contributes neither loss nor gradient.
        reduce: deprecated (use ``reduction``).
        reduction: 'none' (one loss per position), 'sum', or 'mean': the sum divided by the
            total weight of the non-ignored targets (nan if every target is ignored).

    Returns:
        The loss: a scalar, or shaped like ``target`` for 'none'.

    Raises:
        RuntimeError: for a target of the wrong dtype or shape, or a bad weight.
        ValueError: for a batch size mismatch or an unknown reduction.
        IndexError: for a class index outside [0, C).

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> log_p = mt.tensor([[-0.5, -1.0], [-2.0, -0.1]])
        >>> F.nll_loss(log_p, mt.tensor([0, 1]))
        tensor(0.3000)
    """
    reduction = get_reduction("nll_loss", reduction, size_average, reduce)
    _check_input("nll_loss", input)
    t = _class_targets("nll_loss", input, target, ignore_index)
    w = _index_weight("nll_loss", input, weight)
    op = NLLLoss2D if input._data.ndim == 4 else NLLLoss
    return op.apply(input, t, w, ignore_index, reduction)  # type: ignore[no-any-return]


def cross_entropy(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy between the logits ``input`` and class indices or class probabilities.

    With class indices the loss is ``-log_softmax(input)[n, target[n]]``, computed by one fused,
    stable op (logits of +-1000 give finite losses and gradients). With label smoothing ``e``
    the target becomes ``(1 - e) * onehot + e / C``, as in PyTorch (with weights: each class's
    share is weighted). A target shaped like ``input`` holds class probabilities (floating).

    Args:
        input: logits, shape (C,), (N, C) or (N, C, d1, ..., dK); the class dim is 1 (0 if 1-D).
        target: class indices (int64 or uint8) shaped like ``input`` without the class dim, or
            class probabilities (floating) shaped like ``input``.
        weight: a weight per class, shape (C,).
        size_average: deprecated (use ``reduction``).
        ignore_index: a class index that contributes neither loss nor gradient (class-index
            targets only).
        reduce: deprecated (use ``reduction``).
        reduction: 'none', 'sum', or 'mean': for class indices the sum divided by the total
            weight of the non-ignored targets; for probabilities divided by the number of
            positions (N * d1 * ... * dK).
        label_smoothing: in [0, 1]; the share of the target spread uniformly over the classes.

    Returns:
        The loss: a scalar, or one value per position for 'none'.

    Raises:
        RuntimeError: for a target of the wrong dtype or shape, a bad weight, ``ignore_index``
            with probability targets, or ``label_smoothing`` above 1.
        ValueError: for a batch size mismatch or an unknown reduction.
        IndexError: for a class index outside [0, C).
        NotImplementedError: for integer logits.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> logits = mt.tensor([[2.0, 0.0, -1.0], [1000.0, -1000.0, 0.0]])
        >>> F.cross_entropy(logits, mt.tensor([0, 1]), reduction="none")
        tensor([1.6985e-01, 2.0000e+03])
    """
    reduction = get_reduction("cross_entropy", reduction, size_average, reduce)
    _check_input("cross_entropy", input)
    if label_smoothing > 1.0:
        raise RuntimeError(
            f"cross_entropy(): label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}"
        )
    if isinstance(target, Tensor) and target._data.shape == input._data.shape:
        return _cross_entropy_probs(input, target, weight, ignore_index, reduction, label_smoothing)
    t = _class_targets("cross_entropy", input, target, ignore_index)
    w = _index_weight("cross_entropy", input, weight)
    op = CrossEntropy2D if input._data.ndim == 4 else CrossEntropy
    if label_smoothing > 0.0:
        op = CrossEntropySmoothed
    out = op.apply(input, t, w, ignore_index, float(label_smoothing), reduction)
    return out  # type: ignore[no-any-return]


def _cross_entropy_probs(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None,
    ignore_index: int,
    reduction: str,
    label_smoothing: float,
) -> Tensor:
    """Cross entropy with class-probability targets: ``-sum(target * log_softmax(input))``."""
    if target._data.dtype.kind != "f":
        raise RuntimeError(
            "cross_entropy(): Expected floating point type for target with class probabilities, "
            f"got {target.dtype}: class indices have one dim less than the input "
            f"{input._data.shape}"
        )
    if ignore_index != -100:
        raise RuntimeError(
            "cross_entropy(): ignore_index is not supported for floating point target (class "
            "probabilities): give ignored positions a zero target instead"
        )
    dim = 1 if input._data.ndim > 1 else 0
    n_classes = input._data.shape[dim]
    log_p = ops.log_softmax(input, dim)
    if label_smoothing > 0.0:
        target = AddScalar.apply(target * (1.0 - label_smoothing), label_smoothing / n_classes)
    terms = log_p * target
    if weight is not None:
        _check_weight("cross_entropy", input, weight)
        terms = terms * weight.reshape(_class_shape(input._data.shape, dim))
    if reduction == "none":
        return -ops.sum(terms, dim)
    if reduction == "sum":
        return -ops.sum(terms)
    if input._data.size == 0:
        return mean(terms)
    return DivScalar.apply(-ops.sum(terms), input._data.size / n_classes)  # type: ignore[no-any-return]


def linear_cross_entropy(
    input: Tensor,  # noqa: A002
    linear_weight: Tensor,
    target: Tensor,
    *,
    linear_bias: Tensor | None = None,
    weight: Tensor | None = None,
    reduction: str = "mean",
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    options: Any = None,
) -> Tensor:
    """``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)``.

    Args:
        input: ``(N, in_features)`` (or ``(in_features,)``).
        linear_weight: ``(C, in_features)``, or ``(C, d1, ..., dK, in_features)`` for a
            K-dimensional loss over logits ``(N, C, d1, ..., dK)``.
        target: class indices ``(N,)`` or class probabilities ``(N, C)``.
        linear_bias: ``(C, d1, ..., dK)``, optional.
        weight: a weight per class, optional.
        reduction: 'none', 'mean' or 'sum'.
        ignore_index: a class index that contributes nothing (None: -100, as PyTorch).
        label_smoothing: mix the targets with the uniform distribution by this amount.
        options: PyTorch's chunking options; accepted and ignored (the loss is computed in
            one piece, which gives the same values).

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.linear_cross_entropy(mt.ones(1, 2), mt.zeros(3, 2), mt.tensor([0]))
        tensor(1.0986)
    """
    if not 1 <= input.ndim <= 2 or linear_weight.ndim < 2:
        raise RuntimeError(
            f"linear_cross_entropy(): expected input with dimensionality 1 or 2 and "
            f"linear_weight with at least 2, got {input.ndim} and {linear_weight.ndim}"
        )
    if input.shape[-1] != linear_weight.shape[-1]:
        raise RuntimeError(
            "expected equal input and linear_weight last dimensions (in_features), got "
            f"{input.shape[-1]} and {linear_weight.shape[-1]}, respectively"
        )
    classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if out_features and input.ndim == 1:
        raise RuntimeError(
            f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} "
            f"requires batched input, (N, {input.shape[-1]}), got unbatched input with shape "
            f"{tuple(input.shape)}"
        )
    logits_shape = (*input.shape[:-1], classes, *out_features)
    rows = classes * math.prod(out_features)  # (C, d1, ..., in) as one (C * d, in) matrix
    flat_weight = ops.reshape(linear_weight, (rows, input.shape[-1]))
    flat_bias = None if linear_bias is None else ops.reshape(linear_bias, (rows,))
    logits = ops.reshape(linear(input, flat_weight, flat_bias), logits_shape)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    return cross_entropy(
        logits, target, weight, ignore_index=-100 if ignore_index is None else ignore_index,
        reduction=reduction, label_smoothing=label_smoothing,
    )  # fmt: skip
