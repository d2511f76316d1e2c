"""Normalisations: batch, instance, layer and group norm (one op), RMS and local response norm.

``batch_norm``, ``instance_norm``, ``layer_norm`` and ``group_norm`` are one fused op,
``Normalize``; ``rms_norm`` and ``local_response_norm`` are compositions. Each of the first
four standardises ``x`` over some dims and applies an optional affine map. The fused op is
1.5-2x faster than the composition of ``mean``, ``sqrt`` ... (measured forward + backward on
(64, 128) and (32, 16, 8, 8) float32), and its backward stays differentiable: under
``create_graph=True`` the statistics are recomputed from the saved input with ``ops.dual``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.nn._functional.padding import pad
from microtensor.nn._functional.pooling import avg_pool2d, avg_pool3d
from microtensor.ops import dual
from microtensor.ops._short_rows import sum_last_kept
from microtensor.tensor import Tensor

__all__ = [
    "batch_norm",
    "group_norm",
    "instance_norm",
    "layer_norm",
    "local_response_norm",
    "rms_norm",
]


def _sum_kept(a: Any, dims: tuple[int, ...]) -> Any:
    """The sum over ``dims``, kept as size-1 dims (layer norm's last dim: ``sum_last_kept``)."""
    if dual.is_array(a) and dims == (a.ndim - 1,):
        return sum_last_kept(a)
    return dual.sum(a, dims, True)


def _standardize(x: Any, dims: tuple[int, ...], eps: float) -> tuple[Any, Any]:
    """``(x_hat, rstd)`` with ``x_hat = (x - mean) * rstd``, ``rstd = 1 / sqrt(var + eps)``."""
    n = math.prod(x.shape[d] for d in dims)
    centered = x - _sum_kept(x, dims) / n
    # two-pass variance (of the centred values): no cancellation for large means
    var = _sum_kept(centered * centered, dims) / n
    rstd = 1.0 / dual.sqrt(var + eps)
    return centered * rstd, rstd


class Normalize(Op):
    """y = x_hat * w + b,  x_hat = (x - mean) / sqrt(var + eps) over dims (biased var).

    With gh = g * w and means over dims:
    dy/dx = rstd * (gh - mean(gh) - x_hat * mean(gh * x_hat)),  dy/dw = g * x_hat,  dy/db = g.
    w and b broadcast to x; their gradients are shaped like y and the engine sums them back.
    """

    @staticmethod
    def forward(ctx: Any, x: Any, weight: Any, bias: Any, dims: tuple[int, ...], eps: float) -> Any:
        x_hat, rstd = _standardize(x, dims, eps)
        ctx.dims, ctx.eps = dims, eps
        ctx.x_hat, ctx.rstd = x_hat, rstd  # constants: only the array (first-order) path uses them
        ctx.save_for_backward(x, weight)
        out = x_hat if weight is None else x_hat * weight
        return out if bias is None else out + bias

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        x, weight = ctx.saved_tensors
        dims = ctx.dims
        if dual.is_array(grad_out):
            x_hat, rstd = ctx.x_hat, ctx.rstd
        else:  # recomputed from x, so that second derivatives flow through the statistics
            x_hat, rstd = _standardize(x, dims, ctx.eps)
        needs = ctx.needs_input_grad
        grad_x = None
        if needs[0]:
            n = math.prod(x.shape[d] for d in dims)
            gh = grad_out if weight is None else grad_out * weight
            mean_gh = _sum_kept(gh, dims) / n
            mean_gh_xhat = _sum_kept(gh * x_hat, dims) / n
            grad_x = rstd * (gh - mean_gh - x_hat * mean_gh_xhat)
        grad_weight = grad_out * x_hat if needs[1] else None
        grad_bias = grad_out if needs[2] else None
        return grad_x, grad_weight, grad_bias, None, None


# torch's nodes are its native kernels', which list weight and bias, None or not.
class BatchNorm(Normalize, node_name="NativeBatchNormBackward0"):
    """``batch_norm`` in training."""

    _listed = (0, 1, 2)


class LayerNorm(Normalize, node_name="NativeLayerNormBackward0"):
    """``layer_norm``."""

    _listed = (0, 1, 2)


class BatchNormEval(Op, node_name="NativeBatchNormBackward0"):
    """y = x_hat * w + b,  x_hat = (x - mean) * rstd with fixed statistics (evaluation).

    dy/dx = g * w * rstd,  dy/dw = g * x_hat,  dy/db = g (shaped like y: the engine sums them).
    """

    _listed = (0, 1, 2)

    @staticmethod
    def forward(ctx: Any, x: Any, weight: Any, bias: Any, mean: Any, rstd: Any) -> Any:
        ctx.mean, ctx.rstd = mean, rstd
        ctx.save_for_backward(x, weight)
        out = (x - mean) * rstd
        out = out if weight is None else out * weight
        return out if bias is None else out + bias

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gh = grad_out if weight is None else grad_out * weight
        grad_x = gh * ctx.rstd if needs[0] else None
        grad_weight = grad_out * ((x - ctx.mean) * ctx.rstd) if needs[1] else None
        return grad_x, grad_weight, grad_out if needs[2] else None, None, None


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
    w = None if weight is None else ops.reshape(weight, view)
    b = None if bias is None else ops.reshape(bias, view)
    if input.numel() == 0:  # PyTorch returns the empty input, affine-mapped; no stats update
        out = input if w is None else input * w
        return out if b is None else out + b
    if not training:
        assert running_mean is not None and running_var is not None
        rstd = (1.0 / np.sqrt(running_var._data + eps)).reshape(view)
        mean = running_mean._data.reshape(view)
        return BatchNormEval.apply(input, w, b, mean, rstd)  # type: ignore[no-any-return]
    dims = (0, *range(2, ndim))
    _update_running_stats(input._data, running_mean, running_var, dims, momentum)
    return BatchNorm.apply(input, w, b, dims, eps)  # type: ignore[no-any-return]


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
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    _check_batch_norm(input, running_mean, running_var, weight, bias, True)
    view = (input.shape[1],) + (1,) * (input.ndim - 2)
    w = None if weight is None else ops.reshape(weight, view)
    b = None if bias is None else ops.reshape(bias, view)
    dims = tuple(range(2, input.ndim))
    if input.numel() == 0:
        return batch_norm(input, None, None, weight, bias, True, momentum, eps)
    x = input._data
    for running, stat in (
        (running_mean, lambda: x.mean(axis=dims).mean(axis=0)),
        (running_var, lambda: x.var(axis=dims, ddof=1).mean(axis=0)),
    ):
        if running is not None:
            running._data[...] = momentum * stat() + (1 - momentum) * running._data
            running._version_counter[0] += 1
    return Normalize.apply(input, w, b, dims, eps)  # type: ignore[no-any-return]


# --- layer_norm and group_norm ---------------------------------------------------------------


def layer_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims, then scale and shift.

    Args:
        input: shape ``(*, *normalized_shape)``.
        normalized_shape: the trailing shape to normalise over.
        weight: shape ``normalized_shape``, optional.
        bias: shape ``normalized_shape``, optional.
        eps: added to the (biased) variance for stability.

    Returns:
        Same shape as ``input``.

    Raises:
        RuntimeError: if the input's trailing shape is not ``normalized_shape``, or weight or
            bias has another shape.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.layer_norm(mt.tensor([[1.0, 3.0]]), (2,))
        tensor([[-1.0000,  1.0000]])
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k, in_shape = len(shape), tuple(input.shape)
    if k == 0 or in_shape[len(in_shape) - k :] != shape or len(in_shape) < k:
        raise RuntimeError(
            f"layer_norm(): Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size {list(in_shape)}"
        )
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(value.shape) != shape:
            raise RuntimeError(
                f"layer_norm(): expected {name} of shape {shape} (normalized_shape), got "
                f"{tuple(value.shape)}"
            )
    dims = tuple(range(len(in_shape) - k, len(in_shape)))
    return LayerNorm.apply(input, weight, bias, dims, eps)  # type: ignore[no-any-return]


def group_norm(
    input: Tensor,  # noqa: A002
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Split the channels (dim 1) into groups; normalise each group of each sample.

    Args:
        input: shape ``(N, C, *)`` with ``C`` divisible by ``num_groups``.
        num_groups: number of channel groups.
        weight: shape ``(C,)``, optional (per channel).
        bias: shape ``(C,)``, optional (per channel).
        eps: added to the (biased) variance for stability.

    Returns:
        Same shape as ``input``.

    Raises:
        RuntimeError: if ``C`` is not divisible by ``num_groups`` or weight/bias have not ``C``
            elements.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.group_norm(mt.tensor([[1.0, 3.0, 5.0, 5.0]]), 2)
        tensor([[-1.0000,  1.0000,  0.0000,  0.0000]])
    """
    in_shape = tuple(input.shape)
    if len(in_shape) < 2 or num_groups <= 0 or in_shape[1] % num_groups != 0:
        raise RuntimeError(
            "group_norm(): Expected number of channels in input to be divisible by num_groups, "
            f"but got input of shape {list(in_shape)} and num_groups={num_groups}"
        )
    channels = in_shape[1]
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and value.numel() != channels:
            raise RuntimeError(
                f"group_norm(): expected {name} with {channels} elements (one per channel), "
                f"got shape {tuple(value.shape)}"
            )
    # (N, G, C/G, S): normalise over the last two dims; per-channel affine of shape (G, C/G, 1)
    grouped = (in_shape[0], num_groups, channels // num_groups, math.prod(in_shape[2:]))
    param_view = grouped[1:3] + (1,)
    w = None if weight is None else ops.reshape(weight, param_view)
    b = None if bias is None else ops.reshape(bias, param_view)
    out = Normalize.apply(ops.reshape(input, grouped), w, b, (2, 3), eps)
    return ops.reshape(out, in_shape)


def rms_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """``x / sqrt(mean(x**2) + eps) * weight`` over the last ``len(normalized_shape)`` dims.

    Args:
        input: shape ``(*, *normalized_shape)``.
        normalized_shape: the trailing shape to normalise over.
        weight: shape ``normalized_shape``, optional.
        eps: added to the mean square (default: the machine epsilon of the input's dtype).

    Returns:
        Same shape as ``input``.

    Raises:
        RuntimeError: if the input's trailing shape is not ``normalized_shape``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.rms_norm(mt.tensor([[3.0, 4.0]]), (2,), eps=0.0)
        tensor([[0.8485, 1.1314]])
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k, in_shape = len(shape), tuple(input.shape)
    if not shape:
        raise RuntimeError(
            "rms_norm(): Expected normalized_shape to be at least 1-dimensional, i.e., "
            "containing at least one element, but got normalized_shape = []"
        )
    if len(in_shape) < k or in_shape[len(in_shape) - k :] != shape:
        raise RuntimeError(
            f"rms_norm(): Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size {list(in_shape)}"
        )
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(
            f"rms_norm(): expected weight of shape {shape} (normalized_shape), got "
            f"{tuple(weight.shape)}"
        )
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(len(in_shape) - k, len(in_shape)))
    out = input * ops.rsqrt(ops.mean(input * input, dims, True) + eps)
    return out if weight is None else out * weight


def local_response_norm(
    input: Tensor,  # noqa: A002
    size: int,
    alpha: float = 1e-4,
    beta: float = 0.75,
    k: float = 1.0,
) -> Tensor:
    """Divide each value by ``(k + alpha * mean of x**2 over size neighbouring channels)**beta``.

    The channel window is centred (``size // 2`` before, ``(size - 1) // 2`` after) and zero
    padded, as PyTorch's composition of ``pad`` and ``avg_pool``.

    Args:
        input: shape ``(N, C, *)`` with at least 3 dims.
        size: the number of channels in the window.
        alpha: the multiplier of the mean square.
        beta: the exponent.
        k: the additive constant.

    Returns:
        Same shape as ``input``.

    Raises:
        ValueError: for fewer than 3 dims.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.local_response_norm(mt.ones(1, 2, 1), 2, alpha=1.0, beta=1.0)
        tensor([[[0.6667],
                 [0.5000]]])
    """
    if input.ndim < 3:
        raise ValueError(
            f"local_response_norm(): Expected 3D or higher dimensionality input (got "
            f"{input.ndim} dimensions)"
        )
    if input.numel() == 0:
        return input
    square = input * input
    if input.ndim == 3:
        div = pad(ops.unsqueeze(square, 1), (0, 0, size // 2, (size - 1) // 2))
        div = ops.squeeze(avg_pool2d(div, (size, 1), stride=1), 1)
    else:
        sizes = tuple(input.shape)
        div = ops.reshape(square, (sizes[0], 1, sizes[1], sizes[2], -1))
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = ops.reshape(ops.squeeze(avg_pool3d(div, (size, 1, 1), stride=1), 1), sizes)
    return input / (div * alpha + k) ** beta
