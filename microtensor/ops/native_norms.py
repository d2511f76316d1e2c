"""torch's native normalisation ops: the output with the saved mean and reciprocal std.

``native_batch_norm``, ``native_layer_norm`` and ``native_group_norm`` are the functions that
``F.batch_norm``, ``F.layer_norm`` and ``F.group_norm`` call inside PyTorch; they also return
the statistics the backward pass keeps (``mean`` and ``rstd = 1 / sqrt(var + eps)``, with the
population variance). They are compositions of microtensor ops, so every gradient (and
second derivative) comes from the ops' own formulas.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microtensor import ops
from microtensor.autograd import no_grad
from microtensor.tensor import Tensor

__all__ = ["native_batch_norm", "native_group_norm", "native_layer_norm"]


def _mean_rstd(x: Tensor, dims: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor]:
    """The mean and 1 / sqrt(population variance + eps) of ``x`` over ``dims`` (kept)."""
    mean = ops.mean(x, dim=dims, keepdim=True)
    var = ops.var(x, dim=dims, keepdim=True, correction=0)
    return mean, ops.rsqrt(var + eps)


def _scale_shift(y: Tensor, weight: Tensor | None, bias: Tensor | None, shape: Any) -> Tensor:
    if weight is not None:
        y = y * ops.reshape(weight, shape)
    if bias is not None:
        y = y + ops.reshape(bias, shape)
    return y


def native_batch_norm(
    input: Tensor,  # noqa: A002
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
) -> tuple[Tensor, Tensor, Tensor]:
    """Batch normalisation over dim 1, returning ``(output, save_mean, save_invstd)``.

    In training the batch statistics normalise the input; ``save_mean`` and ``save_invstd``
    (shape ``(C,)``) are the batch mean and ``1 / sqrt(biased var + eps)``, and the running
    statistics, when given, are updated in place:
    ``running = (1 - momentum) * running + momentum * batch`` (the unbiased variance for
    ``running_var``). In evaluation the running statistics normalise the input and the two
    saved outputs are empty, as in PyTorch.

    Args:
        input: shape ``(N, C, *)``.
        weight: shape ``(C,)`` or None.
        bias: shape ``(C,)`` or None.
        running_mean: shape ``(C,)`` or None (required when ``training`` is False).
        running_var: shape ``(C,)`` or None (required when ``training`` is False).
        training: use (and save) the batch statistics.
        momentum: the running statistics' update factor.
        eps: added to the variance.

    Returns:
        The normalised input, the saved mean and the saved reciprocal std (the last two
        do not require grad).

    Raises:
        RuntimeError: if the input has fewer than 2 dims, or if ``training`` is False and a
            running statistic is missing.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0], [3.0, 6.0]])
        >>> out, mean, invstd = mt.native_batch_norm(x, None, None, None, None, True, 0.1, 0.0)
        >>> out, mean, invstd
        (tensor([[-1., -1.],
                [ 1.,  1.]]), tensor([2., 4.]), tensor([1.0000, 0.5000]))
    """
    if input.ndim < 2:
        raise RuntimeError(
            f"native_batch_norm(): expected an input of shape (N, C, *) with 2 or more dims, "
            f"got shape {tuple(input.shape)}: add a batch dim with input.unsqueeze(0)"
        )
    channels = input.shape[1]
    shape = (1, channels) + (1,) * (input.ndim - 2)
    dims = (0, *range(2, input.ndim))
    if training:
        mean, rstd = _mean_rstd(input, dims, eps)
        if running_mean is not None or running_var is not None:
            _update_running(input, mean, dims, running_mean, running_var, momentum)
        y = (input - mean) * rstd
        saved = (ops.reshape(mean, (channels,)).detach(), ops.reshape(rstd, (channels,)).detach())
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError(
                "native_batch_norm(): running_mean and running_var must be given when "
                "training is False: pass the running statistics, or training=True"
            )
        mean = ops.reshape(running_mean, shape)
        y = (input - mean) * ops.rsqrt(ops.reshape(running_var, shape) + eps)
        empty = ops.reshape(input.detach(), (-1,))[:0]
        saved = (empty, ops.clone(empty))
    return _scale_shift(y, weight, bias, shape), saved[0], saved[1]


def _update_running(
    input: Tensor,
    mean: Tensor,
    dims: tuple[int, ...],
    running_mean: Tensor | None,
    running_var: Tensor | None,
    momentum: float,
) -> None:
    with no_grad():
        if running_mean is not None:
            batch_mean = ops.reshape(mean, running_mean.shape).to(running_mean.dtype)
            running_mean.mul_(1 - momentum).add_(batch_mean * momentum)
        if running_var is not None:
            var = ops.var(input, dim=dims, correction=1).to(running_var.dtype)
            running_var.mul_(1 - momentum).add_(var * momentum)


def native_layer_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: Sequence[int],
    weight: Tensor | None,
    bias: Tensor | None,
    eps: float,
) -> tuple[Tensor, Tensor, Tensor]:
    """Layer normalisation over the trailing ``normalized_shape``: ``(output, mean, rstd)``.

    ``mean`` and ``rstd = 1 / sqrt(biased var + eps)`` have the input's shape with the
    normalised dims kept as size 1; they do not require grad, as in PyTorch.

    Args:
        input: shape ``(*, *normalized_shape)``.
        normalized_shape: the trailing shape to normalise over.
        weight: shape ``normalized_shape`` or None.
        bias: shape ``normalized_shape`` or None.
        eps: added to the variance.

    Returns:
        The normalised input, the mean and the reciprocal std.

    Raises:
        RuntimeError: if the input's trailing shape is not ``normalized_shape``.

    Example:
        >>> import microtensor as mt
        >>> out, mean, rstd = mt.native_layer_norm(mt.tensor([[1.0, 3.0]]), [2], None, None, 0.0)
        >>> out, mean, rstd
        (tensor([[-1.,  1.]]), tensor([[2.]]), tensor([[1.]]))
    """
    normalized = tuple(normalized_shape)
    k = len(normalized)
    if k == 0 or k > input.ndim or tuple(input.shape[input.ndim - k :]) != normalized:
        raise RuntimeError(
            f"native_layer_norm(): given normalized_shape={list(normalized)}, expected an input "
            f"of shape [*, {', '.join(map(str, normalized))}], but got input of size "
            f"{list(input.shape)}: normalized_shape must be the input's trailing dims"
        )
    dims = tuple(range(input.ndim - k, input.ndim))
    mean, rstd = _mean_rstd(input, dims, eps)
    y = _scale_shift((input - mean) * rstd, weight, bias, normalized)
    return y, mean.detach(), rstd.detach()


def native_group_norm(
    input: Tensor,  # noqa: A002
    weight: Tensor | None,
    bias: Tensor | None,
    N: int,  # noqa: N803 - PyTorch's argument names
    C: int,  # noqa: N803
    HxW: int,  # noqa: N803
    group: int,
    eps: float,
) -> tuple[Tensor, Tensor, Tensor]:
    """Group normalisation of an ``(N, C, *)`` input in ``group`` channel groups.

    Returns ``(output, mean, rstd)``; ``mean`` and ``rstd = 1 / sqrt(biased var + eps)`` have
    shape ``(N, group)`` and, as in PyTorch, are differentiable outputs.

    Args:
        input: shape ``(N, C, *)`` with ``HxW`` elements per channel.
        weight: shape ``(C,)`` or None.
        bias: shape ``(C,)`` or None.
        N: the batch size.
        C: the number of channels, divisible by ``group``.
        HxW: the number of elements of one channel of one sample.
        group: the number of groups.
        eps: added to the variance.

    Returns:
        The normalised input, the mean and the reciprocal std.

    Raises:
        RuntimeError: if the input does not have ``N * C * HxW`` elements, or ``C`` is not
            divisible by ``group``.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[[1.0], [3.0]]])
        >>> out, mean, rstd = mt.native_group_norm(x, None, None, 1, 2, 1, 1, 0.0)
        >>> out.flatten(), mean, rstd
        (tensor([-1.,  1.]), tensor([[2.]]), tensor([[1.]]))
    """
    if group <= 0 or C % group != 0:
        raise RuntimeError(
            f"native_group_norm(): expected the number of channels C={C} to be divisible by "
            f"group={group}: choose a group count that divides C"
        )
    if input.numel() != N * C * HxW:
        raise RuntimeError(
            f"native_group_norm(): expected an input of N * C * HxW = {N} * {C} * {HxW} "
            f"elements, got shape {tuple(input.shape)}: pass the input's own N, C and HxW"
        )
    grouped = ops.reshape(input, (N, group, C // group * HxW))
    mean, rstd = _mean_rstd(grouped, (2,), eps)
    y = ops.reshape((grouped - mean) * rstd, input.shape)
    shape = (1, C) + (1,) * (input.ndim - 2)
    y = _scale_shift(y, weight, bias, shape)
    return y, ops.reshape(mean, (N, group)), ops.reshape(rstd, (N, group))
