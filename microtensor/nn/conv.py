"""Convolution layers: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d``."""

from __future__ import annotations

import math
from typing import Any

from microtensor import ops
from microtensor.nn._functional.conv import (
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from microtensor.nn.linear import _empty, _uniform_
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.tensor import Tensor

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value: Any, nd: int) -> tuple[int, ...]:
    values = (value,) * nd if isinstance(value, int) else tuple(value)
    return values * nd if len(values) == 1 else values


class _ConvNd(Module):
    """Shared parameters, initialisation and repr of the convolution layers."""

    _nd = 2
    transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        output_padding: Any = 0,
    ) -> None:
        super().__init__()
        nd = self._nd
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {list(_PADDING_MODES)}, but got "
                f"padding_mode='{padding_mode}'"
            )
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _ntuple(kernel_size, nd)
        self.stride = _ntuple(stride, nd)
        self.dilation = _ntuple(dilation, nd)
        self.output_padding = _ntuple(output_padding, nd)
        self.padding_mode = padding_mode
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"Invalid padding string {padding!r}, should be one of ['valid', 'same']"
                )
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding: Any = padding
        else:
            self.padding = _ntuple(padding, nd)
        shape = (
            (in_channels, out_channels // groups, *self.kernel_size)
            if self.transposed
            else (out_channels, in_channels // groups, *self.kernel_size)
        )
        self.weight = Parameter(_empty(shape, device, dtype, type(self).__name__))
        if bias:
            self.bias = Parameter(_empty((out_channels,), device, dtype, type(self).__name__))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw weight and bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as PyTorch."""
        fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        if self.weight.numel() > 0:
            _uniform_(self.weight, bound)
        if self.bias is not None:
            _uniform_(self.bias, bound)

    def extra_repr(self) -> str:
        """PyTorch's ``in, out, kernel_size=..., stride=...`` and the non-default options."""
        nd = self._nd
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _padded(self, input: Tensor) -> tuple[Tensor, Any]:  # noqa: A002
        """Apply a non-zero ``padding_mode`` with ``pad``; return the input and conv padding."""
        if self.padding_mode == "zeros":
            return input, self.padding
        if self.padding == "valid":
            return input, 0
        if self.padding == "same":
            totals = [d * (k - 1) for k, d in zip(self.kernel_size, self.dilation, strict=True)]
            pairs = [(t // 2, t - t // 2) for t in totals]
        else:
            pairs = [(p, p) for p in self.padding]
        widths = [w for pair in reversed(pairs) for w in pair]
        return ops.pad(input, widths, mode=self.padding_mode), 0


class Conv1d(_ConvNd):
    """Apply a 1-D convolution (cross-correlation) over ``(N, C_in, L)`` inputs.

    Arguments and initialisation as ``Conv2d``, with one spatial dim.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.Conv1d(16, 33, 3, stride=2)
        >>> m
        Conv1d(16, 33, kernel_size=(3,), stride=(2,))
        >>> m(mt.randn(20, 16, 50)).shape
        microtensor.Size([20, 33, 24])
    """

    _nd = 1

    def __init__(  # noqa: D107
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            padding_mode, device, dtype,
        )  # fmt: skip

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``conv1d(input, weight, bias, ...)``."""
        x, padding = self._padded(input)
        return conv1d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv2d(_ConvNd):
    """Apply a 2-D convolution (cross-correlation) over ``(N, C_in, H, W)`` inputs.

    Weight and bias start as U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
    ``fan_in = in_channels / groups * kH * kW`` (PyTorch's ``kaiming_uniform_(a=sqrt(5))``),
    drawn from the default generator (``manual_seed``).

    Args:
        in_channels: channels of the input.
        out_channels: channels produced.
        kernel_size: int or ``(kH, kW)``.
        stride: int or pair.
        padding: int, pair, ``"valid"`` or ``"same"``.
        dilation: int or pair.
        groups: independent channel groups (both channel counts divisible by it).
        bias: if False, no learnable bias.
        padding_mode: ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.
        device: only ``"cpu"`` (or None).
        dtype: the parameters' dtype (default: the default float dtype).

    Shape:
        - Input: ``(N, C_in, H, W)`` or ``(C_in, H, W)``.
        - Output: ``(N, C_out, H_out, W_out)``,
          ``H_out = (H + 2 * pH - dH * (kH - 1) - 1) // sH + 1``.

    Attributes:
        weight: shape ``(out_channels, in_channels / groups, kH, kW)``.
        bias: shape ``(out_channels,)``, or None.

    Differs from PyTorch: the same seed gives other initial values (NumPy's generator).

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.Conv2d(1, 16, 3)
        >>> m
        Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1))
        >>> m(mt.randn(64, 1, 8, 8)).shape
        microtensor.Size([64, 16, 6, 6])
    """

    _nd = 2

    def __init__(  # noqa: D107
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            padding_mode, device, dtype,
        )  # fmt: skip

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``conv2d(input, weight, bias, ...)``."""
        x, padding = self._padded(input)
        return conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv3d(_ConvNd):
    """Apply a 3-D convolution over ``(N, C_in, D, H, W)`` inputs; arguments as ``Conv2d``.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.Conv3d(4, 6, 3, padding=1)
        >>> m
        Conv3d(4, 6, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1))
        >>> m(mt.randn(2, 4, 5, 5, 5)).shape
        microtensor.Size([2, 6, 5, 5, 5])
    """

    _nd = 3

    def __init__(  # noqa: D107
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            padding_mode, device, dtype,
        )  # fmt: skip

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``conv3d(input, weight, bias, ...)``."""
        x, padding = self._padded(input)
        return conv3d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class _ConvTransposeNd(_ConvNd):
    transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            padding_mode, device, dtype, output_padding,
        )  # fmt: skip

    def _output_padding(self, input: Tensor, output_size: Any) -> tuple[int, ...]:  # noqa: A002
        """``output_padding``, or the one that makes the output ``output_size`` (PyTorch's rule)."""
        if output_size is None:
            return tuple(self.output_padding)
        nd = self._nd
        lead = 2 if input.ndim == nd + 2 else 1
        sizes = tuple(int(s) for s in output_size)
        if len(sizes) == lead + nd:
            sizes = sizes[lead:]
        if len(sizes) != nd:
            raise ValueError(
                f"ConvTranspose{nd}D: for {input.ndim}D input, output_size must have {nd} or "
                f"{lead + nd} elements (got {len(sizes)})"
            )
        dims = zip(input.shape[lead:], self.stride, self.padding, self.dilation, self.kernel_size,
                   strict=True)  # fmt: skip
        smallest = [(n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in dims]
        largest = [m + s - 1 for m, s in zip(smallest, self.stride, strict=True)]
        if any(not lo <= n <= hi for n, lo, hi in zip(sizes, smallest, largest, strict=True)):
            raise ValueError(
                f"requested an output size of {list(sizes)}, but valid sizes range from "
                f"{smallest} to {largest} (for an input of {list(input.shape[lead:])})"
            )
        return tuple(n - m for n, m in zip(sizes, smallest, strict=True))


class ConvTranspose1d(_ConvTransposeNd):
    """Apply a 1-D transposed convolution; arguments as ``ConvTranspose2d``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.ConvTranspose1d(16, 33, 3, stride=2)(mt.randn(20, 16, 50)).shape
        microtensor.Size([20, 33, 101])
    """

    _nd = 1

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002
        """Return ``conv_transpose1d(input, weight, bias, ...)``, of ``output_size`` if given."""
        return conv_transpose1d(
            input, self.weight, self.bias, self.stride, self.padding,
            self._output_padding(input, output_size), self.groups, self.dilation,
        )  # fmt: skip


class ConvTranspose2d(_ConvTransposeNd):
    """Apply a 2-D transposed convolution (the gradient of ``Conv2d`` in its input).

    Args:
        in_channels: as ``Conv2d``.
        out_channels: as ``Conv2d``.
        kernel_size: as ``Conv2d``.
        stride: as ``Conv2d``.
        padding: ``dilation * (k - 1) - padding`` zeros are added to each side of the input.
        output_padding: extra size added after the output (smaller than stride or dilation).
        groups: as ``Conv2d``.
        bias: as ``Conv2d``.
        dilation: as ``Conv2d``.
        padding_mode: only ``"zeros"``.
        device: only ``"cpu"`` (or None).
        dtype: the parameters' dtype.

    Shape:
        - Input: ``(N, C_in, H, W)``.
        - Output: ``(N, C_out, H_out, W_out)``,
          ``H_out = (H - 1) * sH - 2 * pH + dH * (kH - 1) + output_padding + 1``.

    Attributes:
        weight: shape ``(in_channels, out_channels / groups, kH, kW)``.
        bias: shape ``(out_channels,)``, or None.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.ConvTranspose2d(16, 8, 3, stride=2, output_padding=1)
        >>> m
        ConvTranspose2d(16, 8, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))
        >>> m(mt.randn(2, 16, 5, 5)).shape
        microtensor.Size([2, 8, 12, 12])
    """

    _nd = 2

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002
        """Return ``conv_transpose2d(input, weight, bias, ...)``, of ``output_size`` if given."""
        return conv_transpose2d(
            input, self.weight, self.bias, self.stride, self.padding,
            self._output_padding(input, output_size), self.groups, self.dilation,
        )  # fmt: skip


class ConvTranspose3d(_ConvTransposeNd):
    """Apply a 3-D transposed convolution; arguments as ``ConvTranspose2d``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.ConvTranspose3d(4, 2, 3, stride=2)(mt.randn(1, 4, 2, 3, 2)).shape
        microtensor.Size([1, 2, 5, 7, 5])
    """

    _nd = 3

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002
        """Return ``conv_transpose3d(input, weight, bias, ...)``, of ``output_size`` if given."""
        return conv_transpose3d(
            input, self.weight, self.bias, self.stride, self.padding,
            self._output_padding(input, output_size), self.groups, self.dilation,
        )  # fmt: skip
