"""Convolutions: ``conv1d/2d/3d`` and ``conv_transpose1d/2d/3d``.

The public functions check their arguments and call the ops of ``_conv_ops``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.nn._functional._conv_ops import Conv, ConvTranspose, Geometry
from microtensor.tensor import Tensor

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
]


# --- argument handling -----------------------------------------------------------------------


def _tuple(value: Any, nd: int, name: str, op: str) -> tuple[int, ...]:
    values = (value,) * nd if isinstance(value, int) else tuple(value)
    if len(values) == 1 and nd > 1:
        values = values * nd
    if len(values) != nd or not all(isinstance(v, int | np.integer) for v in values):
        raise ValueError(f"{op}(): {name} must be an int or a tuple of {nd} ints, got {value!r}")
    return tuple(int(v) for v in values)


def _check_input(op: str, input: Any, weight: Any, nd: int) -> bool:  # noqa: A002
    """Check ranks and dtypes; return True when the input is unbatched."""
    for name, value in (("input", input), ("weight", weight)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{op}(): {name} must be a Tensor, got {type(value).__name__}")
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {op}, but got "
            f"input of size: {list(input.shape)}"
        )
    if weight.ndim != nd + 2:
        raise RuntimeError(
            f"{op}(): expected a {nd + 2}-D weight, got weight of size {list(weight.shape)}"
        )
    if input.dtype != weight.dtype:
        raise RuntimeError(
            f"{op}(): input ({input.dtype}) and weight ({weight.dtype}) must have the same "
            "dtype: convert the input (x.float()) or the module (module.double())"
        )
    return bool(input.ndim == nd + 1)


def _check_bias(op: str, bias: Any, channels: int, dtype: Any) -> None:
    if bias is None:
        return
    if not isinstance(bias, Tensor) or tuple(bias.shape) != (channels,) or bias.dtype != dtype:
        raise RuntimeError(
            f"{op}(): expected bias of shape ({channels},) and dtype {dtype}, got "
            f"{tuple(bias.shape) if isinstance(bias, Tensor) else type(bias).__name__}"
        )


def _padding_pairs(
    op: str, padding: Any, kernel: tuple[int, ...], stride: Any, dilation: tuple[int, ...]
) -> tuple[tuple[int, int], ...]:
    nd = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding != "same":
            raise ValueError(
                f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}"
            )
        if any(s != 1 for s in stride):
            raise ValueError("padding='same' is not supported for strided convolutions")
        # PyTorch puts the odd extra zero of an even kernel after the input
        totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
        return tuple((t // 2, t - t // 2) for t in totals)
    pads = _tuple(padding, nd, "padding", op)
    if any(p < 0 for p in pads):
        raise RuntimeError(f"{op}(): negative padding is not supported, got {padding!r}")
    return tuple((p, p) for p in pads)


def _prepare(
    op: str,
    nd: int,
    input: Tensor,
    weight: Tensor,
    stride: Any,
    dilation: Any,  # noqa: A002
) -> tuple[bool, Tensor, tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Check the input's rank, add a batch dim if missing, and read kernel, stride, dilation."""
    unbatched = _check_input(op, input, weight, nd)
    x = ops.unsqueeze(input, 0) if unbatched else input
    strides = _tuple(stride, nd, "stride", op)
    dilations = _tuple(dilation, nd, "dilation", op)
    return unbatched, x, tuple(weight.shape[2:]), strides, dilations


def _convnd(
    op: str,
    nd: int,
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
) -> Tensor:
    unbatched, x, kernel, strides, dilations = _prepare(op, nd, input, weight, stride, dilation)
    if min(strides) < 1 or min(dilations) < 1 or groups < 1:
        raise RuntimeError(f"{op}(): stride, dilation and groups must be positive")
    pads = _padding_pairs(op, padding, kernel, strides, dilations)
    out_channels, in_per_group = weight.shape[0], weight.shape[1]
    if x.shape[1] != in_per_group * groups or out_channels % groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
            f"input{list(x.shape)} to have {in_per_group * groups} channels, but got "
            f"{x.shape[1]} channels instead"
        )
    _check_bias(op, bias, out_channels, input.dtype)
    padded = [n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads, strict=True)]
    extent = [d * (k - 1) + 1 for k, d in zip(kernel, dilations, strict=True)]
    if any(p < e for p, e in zip(padded, extent, strict=True)):
        raise RuntimeError(
            f"{op}(): calculated padded input size per channel: ({' x '.join(map(str, padded))})"
            f". Kernel size: ({' x '.join(map(str, extent))}). Kernel size can't be greater "
            f"than actual input size (input shape {list(input.shape)})"
        )
    out = Conv.apply(x, weight, bias, Geometry(strides, pads, dilations, groups))
    return ops.squeeze(out, 0) if unbatched else out  # type: ignore[no-any-return]


def _conv_transposend(
    op: str,
    nd: int,
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    output_padding: Any,
    groups: int,
    dilation: Any,
) -> Tensor:
    unbatched, x, kernel, strides, dilations = _prepare(op, nd, input, weight, stride, dilation)
    pads = _tuple(padding, nd, "padding", op)
    extra = _tuple(output_padding, nd, "output_padding", op)
    if min(strides) < 1 or min(dilations) < 1 or groups < 1 or min(pads) < 0:
        raise RuntimeError(f"{op}(): stride, dilation and groups must be positive")
    for e, s, d in zip(extra, strides, dilations, strict=True):
        if e < 0 or (e >= s and e >= d):
            raise RuntimeError(
                f"{op}(): output padding must be smaller than either stride or dilation, but "
                f"got output_padding={extra}, stride={strides}, dilation={dilations}"
            )
    if x.shape[1] != weight.shape[0] or weight.shape[0] % groups:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected "
            f"input{list(x.shape)} to have {weight.shape[0]} channels, but got {x.shape[1]} "
            "channels instead"
        )
    _check_bias(op, bias, weight.shape[1] * groups, input.dtype)
    dims = zip(x.shape[2:], strides, pads, dilations, kernel, extra, strict=True)
    size = tuple((i - 1) * s - 2 * p + d * (k - 1) + 1 + e for i, s, p, d, k, e in dims)
    if min(size) < 1:
        raise RuntimeError(
            f"{op}(): given input size {list(input.shape)}, the calculated output size "
            f"{list(size)} is too small: reduce padding"
        )
    geo = Geometry(strides, tuple((p, p) for p in pads), dilations, groups)
    out = ConvTranspose.apply(x, weight, bias, geo, size)
    return ops.squeeze(out, 0) if unbatched else out  # type: ignore[no-any-return]


# --- public functions ------------------------------------------------------------------------


def conv1d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """Apply a 1-D cross-correlation over ``input`` of shape ``(N, C_in, L)`` or ``(C_in, L)``.

    Arguments as ``conv2d`` with one spatial dim; weight ``(C_out, C_in / groups, kL)``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.conv1d(mt.tensor([[[1.0, 2.0, 3.0, 4.0]]]), mt.tensor([[[1.0, -1.0]]]))
        tensor([[[-1., -1., -1.]]])
    """
    return _convnd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """Apply a 2-D cross-correlation, as ``torch.nn.functional.conv2d``.

    Args:
        input: shape ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``.
        weight: shape ``(C_out, C_in / groups, kH, kW)``.
        bias: shape ``(C_out,)``, optional.
        stride: int or ``(sH, sW)``.
        padding: int, ``(pH, pW)`` zeros on both sides, ``"valid"`` (none) or ``"same"``
            (output as large as the input; stride 1 only).
        dilation: spacing between kernel elements, int or pair.
        groups: split the channels into this many independent groups.

    Returns:
        Shape ``(N, C_out, H_out, W_out)``,
        ``H_out = (H + 2 * pH - dH * (kH - 1) - 1) // sH + 1``.

    Raises:
        RuntimeError: for a wrong rank, channel count, dtype, or a kernel larger than the
            padded input.
        ValueError: for a bad padding string, or ``"same"`` with a stride.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> x = mt.arange(9.0).reshape(1, 1, 3, 3)
        >>> F.conv2d(x, mt.ones(1, 1, 2, 2))
        tensor([[[[ 8., 12.],
                  [20., 24.]]]])
    """
    return _convnd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """Apply a 1-D transposed convolution; arguments as ``conv_transpose2d``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.conv_transpose1d(mt.tensor([[[1.0, 2.0]]]), mt.tensor([[[1.0, 1.0]]]))
        tensor([[[1., 3., 2.]]])
    """
    return _conv_transposend(
        "conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
        dilation,
    )  # fmt: skip


def conv_transpose2d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """Apply a 2-D transposed convolution (the gradient of ``conv2d`` in its input).

    Args:
        input: shape ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``.
        weight: shape ``(C_in, C_out / groups, kH, kW)``.
        bias: shape ``(C_out,)``, optional.
        stride: int or pair.
        padding: ``dilation * (k - 1) - padding`` zeros are added to each side of the input.
        output_padding: extra size added after the output (smaller than stride or dilation).
        groups: independent channel groups.
        dilation: spacing between kernel elements, int or pair.

    Returns:
        Shape ``(N, C_out, H_out, W_out)``,
        ``H_out = (H - 1) * sH - 2 * pH + dH * (kH - 1) + output_padding + 1``.

    Raises:
        RuntimeError: for a wrong rank, channel count or dtype, or an output_padding too large.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.conv_transpose2d(mt.ones(1, 1, 2, 2), mt.ones(1, 1, 2, 2), stride=2)
        tensor([[[[1., 1., 1., 1.],
                  [1., 1., 1., 1.],
                  [1., 1., 1., 1.],
                  [1., 1., 1., 1.]]]])
    """
    return _conv_transposend(
        "conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
        dilation,
    )  # fmt: skip


def conv3d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """Apply a 3-D cross-correlation over ``(N, C_in, D, H, W)``; arguments as ``conv2d``.

    Weight ``(C_out, C_in / groups, kD, kH, kW)``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.conv3d(mt.ones(1, 1, 2, 2, 2), mt.ones(1, 1, 2, 2, 2))
        tensor([[[[[8.]]]]])
    """
    return _convnd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose3d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """Apply a 3-D transposed convolution; arguments as ``conv_transpose2d``.

    Weight ``(C_in, C_out / groups, kD, kH, kW)``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.conv_transpose3d(mt.ones(1, 1, 1, 1, 1), mt.ones(1, 2, 1, 1, 2)).shape
        microtensor.Size([1, 2, 1, 1, 2])
    """
    return _conv_transposend(
        "conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups,
        dilation,
    )  # fmt: skip
