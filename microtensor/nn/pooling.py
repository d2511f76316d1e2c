"""Pooling layers: ``MaxPool``, ``AvgPool``, ``AdaptiveAvgPool`` (1-3 d) and ``LPPool``."""

from __future__ import annotations

from typing import Any

from microtensor.nn._functional.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    lp_pool1d,
    lp_pool2d,
    lp_pool3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)
from microtensor.nn.module import Module
from microtensor.tensor import Tensor

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
]


class _MaxPoolNd(Module):
    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        """PyTorch's ``kernel_size=..., stride=..., padding=..., dilation=..., ceil_mode=...``."""
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """Max over sliding windows of ``(N, C, L)``; arguments as ``MaxPool2d``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.MaxPool1d(3, stride=2)(mt.randn(20, 16, 50)).shape
        microtensor.Size([20, 16, 24])
    """

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        """Return ``max_pool1d(input, ...)``."""
        return max_pool1d(
            input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
            self.return_indices,
        )  # fmt: skip


class MaxPool2d(_MaxPoolNd):
    """Max over sliding 2-D windows; the gradient goes to each window's first maximum.

    Args:
        kernel_size: int or ``(kH, kW)``.
        stride: int or pair (default: ``kernel_size``).
        padding: implicit ``-inf`` on both sides, at most half the effective kernel.
        dilation: spacing between window elements.
        return_indices: also return the flat index of each maximum (for unpooling).
        ceil_mode: round the output size up.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: ``(N, C, H_out, W_out)``,
          ``H_out = (H + 2 * pH - dH * (kH - 1) - 1) // sH + 1`` (rounded up with ceil_mode).

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.MaxPool2d(2)
        >>> m
        MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
        >>> m(mt.randn(64, 16, 6, 6)).shape
        microtensor.Size([64, 16, 3, 3])
    """

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        """Return ``max_pool2d(input, ...)``."""
        return max_pool2d(
            input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
            self.return_indices,
        )  # fmt: skip


class MaxPool3d(_MaxPoolNd):
    """Max over sliding 3-D windows of ``(N, C, D, H, W)``; arguments as ``MaxPool2d``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.MaxPool3d(2)(mt.randn(1, 2, 4, 4, 4)).shape
        microtensor.Size([1, 2, 2, 2, 2])
    """

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        """Return ``max_pool3d(input, ...)``."""
        return max_pool3d(
            input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
            self.return_indices,
        )  # fmt: skip


class AvgPool1d(Module):
    """Mean over sliding windows of ``(N, C, L)``; arguments as ``AvgPool2d``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.AvgPool1d(3, stride=2)
        AvgPool1d(kernel_size=(3,), stride=(2,), padding=(0,))
    """

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        single = lambda v: tuple(v) if isinstance(v, tuple | list) else (v,)  # noqa: E731
        self.kernel_size = single(kernel_size)
        self.stride = single(stride if stride is not None else kernel_size)
        self.padding = single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``avg_pool1d(input, ...)``."""
        return avg_pool1d(
            input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
            self.count_include_pad,
        )  # fmt: skip

    def extra_repr(self) -> str:
        """``kernel_size=..., stride=..., padding=...``."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """Mean over sliding 2-D windows.

    Args:
        kernel_size: int or ``(kH, kW)``.
        stride: int or pair (default: ``kernel_size``).
        padding: implicit zeros on both sides, at most half the kernel.
        ceil_mode: round the output size up.
        count_include_pad: count the padding zeros in the divisor.
        divisor_override: divide every window sum by this instead.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: ``(N, C, H_out, W_out)``, ``H_out = (H + 2 * pH - kH) // sH + 1``.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.AvgPool2d(2)
        >>> m
        AvgPool2d(kernel_size=2, stride=2, padding=0)
        >>> m(mt.ones(1, 1, 4, 4))
        tensor([[[[1., 1.],
                  [1., 1.]]]])
    """

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``avg_pool2d(input, ...)``."""
        return avg_pool2d(
            input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
            self.count_include_pad, self.divisor_override,
        )  # fmt: skip

    def extra_repr(self) -> str:
        """``kernel_size=..., stride=..., padding=...``."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool3d(AvgPool2d):
    """Mean over sliding 3-D windows of ``(N, C, D, H, W)``; arguments as ``AvgPool2d``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.AvgPool3d(2)
        AvgPool3d(kernel_size=2, stride=2, padding=0)
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``avg_pool3d(input, ...)``."""
        return avg_pool3d(
            input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
            self.count_include_pad, self.divisor_override,
        )  # fmt: skip


class AdaptiveAvgPool1d(Module):
    """Average ``(N, C, L)`` down to ``output_size`` positions; as ``AdaptiveAvgPool2d``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.AdaptiveAvgPool1d(5)(mt.randn(1, 64, 8)).shape
        microtensor.Size([1, 64, 5])
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``adaptive_avg_pool1d(input, output_size)``."""
        return adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self) -> str:
        """``output_size=...``."""
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(Module):
    """Average ``(N, C, H, W)`` over windows chosen so the output has ``output_size``.

    Args:
        output_size: int or ``(H_out, W_out)``; None keeps that dim's input size.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: ``(N, C, H_out, W_out)``.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.AdaptiveAvgPool2d((5, 7))
        >>> m
        AdaptiveAvgPool2d(output_size=(5, 7))
        >>> m(mt.randn(1, 64, 8, 9)).shape
        microtensor.Size([1, 64, 5, 7])
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``adaptive_avg_pool2d(input, output_size)``."""
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        """``output_size=...``."""
        return f"output_size={self.output_size}"


class AdaptiveAvgPool3d(AdaptiveAvgPool2d):
    """Average ``(N, C, D, H, W)`` down to ``output_size``; as ``AdaptiveAvgPool2d``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.AdaptiveAvgPool3d((1, 2, None))(mt.randn(1, 3, 4, 4, 5)).shape
        microtensor.Size([1, 3, 1, 2, 5])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``adaptive_avg_pool3d(input, output_size)``."""
        return adaptive_avg_pool3d(input, self.output_size)


class _LPPoolNd(Module):
    def __init__(
        self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
    ) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        """PyTorch's ``norm_type=..., kernel_size=..., stride=..., ceil_mode=...``."""
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPoolNd):
    """Power-average pooling of ``(N, C, L)``: ``(sum of x**p over each window) ** (1/p)``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.LPPool1d(2, 3, stride=2)
        LPPool1d(norm_type=2, kernel_size=3, stride=2, ceil_mode=False)
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``lp_pool1d(input, ...)``."""
        return lp_pool1d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPoolNd):
    """Power-average pooling of ``(N, C, H, W)``; see ``F.lp_pool2d``.

    Args:
        norm_type: ``p``.
        kernel_size: int or ``(kH, kW)``.
        stride: int or pair (default: ``kernel_size``).
        ceil_mode: round the output size up.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.LPPool2d(1, 2)(mt.ones(1, 1, 2, 2))
        tensor([[[[4.]]]])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``lp_pool2d(input, ...)``."""
        return lp_pool2d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool3d(_LPPoolNd):
    """Power-average pooling of ``(N, C, D, H, W)``; see ``F.lp_pool3d``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.LPPool3d(1, 2)(mt.ones(1, 1, 2, 2, 2))
        tensor([[[[[8.]]]]])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``lp_pool3d(input, ...)``."""
        return lp_pool3d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)
