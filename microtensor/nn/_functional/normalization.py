"""Batch and instance normalisation: each channel standardised over the batch or each sample.

Both are the fused ``Normalize`` op of ``_normalize_ops`` (batch norm in training with torch's
``NativeBatchNormBackward0`` node, or its evaluation form with fixed statistics). The other
normalisations live in ``layer_norm`` (with ``rms_norm``), ``group_norm`` and
``local_response_norm``; this module re-exports them, the import path of ``nn.normalization``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.nn._functional._normalize_ops import BatchNorm, BatchNormEval
from microtensor.nn._functional.group_norm import group_norm
from microtensor.nn._functional.layer_norm import layer_norm, rms_norm
from microtensor.nn._functional.local_response_norm import local_response_norm
from microtensor.tensor import Tensor

__all__ = ["batch_norm", "instance_norm"]
# group_norm, layer_norm, local_response_norm and rms_norm: re-exported for nn.normalization
_REEXPORTED = (group_norm, layer_norm, local_response_norm, rms_norm)


# --- batch_norm ------------------------------------------------------------------------------


def batch_norm(
    input: Tensor,  # noqa: A002
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dim 1) over the batch and spatial dims, then scale and shift.

    In training, the batch statistics are used (biased variance) and the running statistics,
    when given, are updated in place: ``running = (1 - momentum) * running + momentum * stat``
    with the unbiased variance, as PyTorch. In evaluation, the running statistics are used.

    Args:
        input: shape ``(N, C, *)``.
        running_mean: shape ``(C,)``, or None (required when not training).
        running_var: shape ``(C,)``, or None (required when not training).
        weight: shape ``(C,)``, optional.
        bias: shape ``(C,)``, optional.
        training: use (and update) batch statistics.
        momentum: weight of the new batch statistics in the running update.
        eps: added to the variance for stability.

    Returns:
        Shape ``(N, C, *)``.

    Raises:
        ValueError: if training with a single value per channel.
        RuntimeError: if the input has fewer than 2 dims, a statistic or parameter does not
            have ``C`` elements, or running statistics are missing in evaluation.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.batch_norm(mt.tensor([[1.0], [3.0]]), None, None, training=True)
        tensor([[-1.0000],
                [ 1.0000]])
    """
    if isinstance(input, Tensor) and input.ndim < 2 and input.numel() == 0:
        return input * 1  # PyTorch accepts an empty input of any rank and returns it
    _check_batch_norm(input, running_mean, running_var, weight, bias, training)
    ndim = input._data.ndim
    view = (input.shape[1],) + (1,) * (ndim - 2)
    if input.numel() == 0:  # PyTorch returns the empty input, affine-mapped; no stats update
        w = None if weight is None else ops.reshape(weight, view)
        b = None if bias is None else ops.reshape(bias, view)
        out = input if w is None else input * w
        return out if b is None else out + b
    # the fused ops take torch's (C,) weight and bias (they are the node's next_functions)
    if not training:
        assert running_mean is not None and running_var is not None
        rstd = (1.0 / np.sqrt(running_var._data + eps)).reshape(view)
        mean = running_mean._data.reshape(view)
        return BatchNormEval.apply(input, weight, bias, mean, rstd)  # type: ignore[no-any-return]
    dims = (0, *range(2, ndim))
    _update_running_stats(input._data, running_mean, running_var, dims, momentum)
    return BatchNorm.apply(input, weight, bias, dims, eps)  # type: ignore[no-any-return]


def _update_running_stats(
    x: np.ndarray, running_mean: Any, running_var: Any, dims: tuple[int, ...], momentum: float
) -> None:
    """``running = (1 - momentum) * running + momentum * batch_stat`` in place (unbiased var)."""
    for running, stat in (
        (running_mean, lambda: x.mean(axis=dims)),
        (running_var, lambda: x.var(axis=dims, ddof=1)),
    ):
        if running is None:
            continue
        data = running._data
        data[...] = momentum * stat() + (1 - momentum) * data
        running._version_counter[0] += 1


def _check_batch_norm(
    input: Any,  # noqa: A002
    running_mean: Any,
    running_var: Any,
    weight: Any,
    bias: Any,
    training: bool,
) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm(): input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise RuntimeError(
            f"batch_norm(): expected input with at least 2 dims (N, C, *), got shape "
            f"{tuple(input.shape)}"
        )
    channels = input.shape[1]
    for name, value in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        if value is not None and value.numel() != channels:
            raise RuntimeError(
                f"batch_norm(): {name} should contain {channels} elements not {value.numel()}: "
                f"input shape {tuple(input.shape)} has {channels} channels (dim 1); check "
                "num_features of the layer"
            )
    if training and input.numel() and input.numel() // channels == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {input.shape}"
        )
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError(
            "batch_norm(): running_mean and running_var must be defined in evaluation mode "
            "(training=False); pass them or set training=True"
        )


# --- instance_norm ---------------------------------------------------------------------------


def instance_norm(
    input: Tensor,  # noqa: A002
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample over its spatial dims, then scale and shift.

    With ``use_input_stats`` the statistics are each instance's own, and the running
    statistics, when given, move towards their batch means (the unbiased variance), as
    PyTorch; otherwise the running statistics are used.

    Args:
        input: shape ``(N, C, *)`` with at least one spatial dim.
        running_mean: shape ``(C,)``, optional.
        running_var: shape ``(C,)``, optional.
        weight: shape ``(C,)``, optional.
        bias: shape ``(C,)``, optional.
        use_input_stats: normalise with each instance's statistics.
        momentum: weight of the new statistics in the running update.
        eps: added to the variance for stability.

    Returns:
        Same shape as ``input``.

    Raises:
        ValueError: with ``use_input_stats`` and a single spatial element.
        RuntimeError: for fewer than 3 dims or parameters without ``C`` elements.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.instance_norm(mt.tensor([[[1.0, 3.0], [2.0, 2.0]]]))
        tensor([[[-1.0000,  1.0000],
                 [ 0.0000,  0.0000]]])
    """
    if not isinstance(input, Tensor) or input.ndim < 3:
        raise RuntimeError(
            "instance_norm(): expected an input of shape (N, C, *) with at least one spatial "
            f"dim, got {tuple(input.shape) if isinstance(input, Tensor) else type(input)}"
        )
    if use_input_stats and math.prod(input.shape[2:]) == 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size {input.shape}"
        )
    _check_batch_norm(input, running_mean, running_var, weight, bias, use_input_stats)
    if input.numel() == 0:
        return batch_norm(input, None, None, weight, bias, True, momentum, eps)
    # torch's graph: batch norm of the view (1, N * C, *) with the parameters repeated N times
    n, c = input.shape[:2]
    x = ops.reshape(input, (1, n * c, *input.shape[2:]))
    w = None if weight is None else weight.repeat(n)
    b = None if bias is None else bias.repeat(n)
    if not use_input_stats:
        assert running_mean is not None and running_var is not None
        stats = [Tensor._make(np.tile(r._data, n)) for r in (running_mean, running_var)]
        out = batch_norm(x, stats[0], stats[1], w, b, False, momentum, eps)
        return ops.reshape(out, input.shape)
    data, dims = input._data, tuple(range(2, input.ndim))
    for running, stat in (
        (running_mean, lambda: data.mean(axis=dims).mean(axis=0)),
        (running_var, lambda: data.var(axis=dims, ddof=1).mean(axis=0)),
    ):
        if running is not None:
            running._data[...] = momentum * stat() + (1 - momentum) * running._data
            running._version_counter[0] += 1
    out = BatchNorm.apply(x, w, b, (0, *range(2, input.ndim)), eps)
    return ops.reshape(out, input.shape)
