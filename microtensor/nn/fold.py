"""Sliding-block layers: ``Unfold`` (im2col) and ``Fold`` (col2im)."""

from __future__ import annotations

from typing import Any

from microtensor.nn._functional.fold import fold, unfold
from microtensor.nn.module import Module
from microtensor.tensor import Tensor

__all__ = ["Fold", "Unfold"]


class Unfold(Module):
    """Extract sliding blocks as columns; see ``F.unfold``.

    Args:
        kernel_size: int or ``(kH, kW)``.
        dilation: spacing between block elements.
        padding: implicit zeros on both sides.
        stride: step between blocks.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: ``(N, C * kH * kW, L)``.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.Unfold(kernel_size=(2, 3))
        >>> m
        Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=1)
        >>> m(mt.randn(2, 5, 3, 4)).shape
        microtensor.Size([2, 30, 4])
    """

    def __init__(
        self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``unfold(input, kernel_size, dilation, padding, stride)``."""
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        """PyTorch's ``kernel_size=..., dilation=..., padding=..., stride=...``."""
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
            f"stride={self.stride}"
        )


class Fold(Module):
    """Sum columns of blocks back into an image; see ``F.fold``.

    Args:
        output_size: ``(H, W)`` of the image.
        kernel_size: int or ``(kH, kW)``.
        dilation: spacing between block elements.
        padding: implicit zeros on both sides.
        stride: step between blocks.

    Shape:
        - Input: ``(N, C * kH * kW, L)`` or ``(C * kH * kW, L)``.
        - Output: ``(N, C, H, W)``.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.Fold(output_size=(4, 5), kernel_size=(2, 2))
        >>> m(mt.randn(1, 12, 12)).shape
        microtensor.Size([1, 3, 4, 5])
    """

    def __init__(
        self,
        output_size: Any,
        kernel_size: Any,
        dilation: Any = 1,
        padding: Any = 0,
        stride: Any = 1,
    ) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``fold(input, output_size, kernel_size, dilation, padding, stride)``."""
        return fold(
            input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride
        )

    def extra_repr(self) -> str:
        """PyTorch's ``output_size=..., kernel_size=..., dilation=..., padding=..., stride=...``."""
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
            f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}"
        )
