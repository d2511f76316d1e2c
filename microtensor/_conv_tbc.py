"""``torch.conv_tbc``: a 1-D convolution over (time, batch, channels) sequences."""

from __future__ import annotations

from microtensor.nn._functional.conv import conv1d
from microtensor.tensor import Tensor

__all__ = ["conv_tbc"]


def conv_tbc(input: Tensor, weight: Tensor, bias: Tensor, pad: int = 0) -> Tensor:  # noqa: A002
    """A 1-D cross-correlation of a time-major sequence (fairseq's layout).

    ``out[t, b, o] = bias[o] + sum_{k, c} input[t + k - pad, b, c] * weight[k, c, o]``, with
    zeros outside the sequence: ``conv1d`` on ``(batch, channels, time)`` with the weight
    ``(out_channels, in_channels, kernel_width)``, so gradients are conv1d's.

    Args:
        input: ``(time, batch, in_channels)``.
        weight: ``(kernel_width, in_channels, out_channels)``.
        bias: ``(out_channels,)``.
        pad: zeros added at both ends of the time dim.

    Returns:
        ``(time + 2 * pad - kernel_width + 1, batch, out_channels)``.

    Raises:
        RuntimeError: for inputs of the wrong number of dims or mismatched channels.

    Example:
        >>> import microtensor as mt
        >>> x = mt.arange(4.0).reshape(4, 1, 1)
        >>> mt.conv_tbc(x, mt.ones(2, 1, 1), mt.zeros(1)).flatten()
        tensor([1., 3., 5.])
    """
    if input.ndim != 3:
        raise RuntimeError(
            f"conv_tbc(): Input must have 3 dims: time, batch, in_channel; got shape "
            f"{tuple(input.shape)}"
        )
    if weight.ndim != 3:
        raise RuntimeError(
            "conv_tbc(): Weight tensor must have 3 dims: kernel_width, in_channels, "
            f"out_channels; got shape {tuple(weight.shape)}"
        )
    if bias.ndim != 1 or bias.shape[0] != weight.shape[2]:
        raise RuntimeError(
            "conv_tbc(): Bias size must equal dim 2 in the weight tensor (output channels): "
            f"bias {tuple(bias.shape)}, weight {tuple(weight.shape)}"
        )
    if input.shape[2] != weight.shape[1]:
        raise RuntimeError(
            "conv_tbc(): Input dim 2 (input channels) is not == dim 1 in the weight tensor: "
            f"input {tuple(input.shape)}, weight {tuple(weight.shape)}"
        )
    out = conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=pad)
    return out.permute(2, 0, 1)
