"""Rearranging layers: ``PixelShuffle``, ``PixelUnshuffle`` and ``ChannelShuffle``."""

from __future__ import annotations

from microtensor.nn._functional.vision import channel_shuffle, pixel_shuffle, pixel_unshuffle
from microtensor.nn.module import Module
from microtensor.tensor import Tensor

__all__ = ["ChannelShuffle", "PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """``(*, C * r * r, H, W) -> (*, C, H * r, W * r)``; see ``F.pixel_shuffle``.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.PixelShuffle(3)
        >>> m
        PixelShuffle(upscale_factor=3)
        >>> m(mt.randn(1, 9, 4, 4)).shape
        microtensor.Size([1, 1, 12, 12])
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``pixel_shuffle(input, upscale_factor)``."""
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        """PyTorch's ``upscale_factor=...``."""
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``(*, C, H * r, W * r) -> (*, C * r * r, H, W)``; see ``F.pixel_unshuffle``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.PixelUnshuffle(3)(mt.randn(1, 1, 12, 12)).shape
        microtensor.Size([1, 9, 4, 4])
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``pixel_unshuffle(input, downscale_factor)``."""
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        """PyTorch's ``downscale_factor=...``."""
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleave ``groups`` channel groups of ``(N, C, *)``; see ``F.channel_shuffle``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.ChannelShuffle(2)(mt.arange(4.0).reshape(1, 4, 1)).flatten()
        tensor([0., 2., 1., 3.])
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``channel_shuffle(input, groups)``."""
        return channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        """PyTorch's ``groups=...``."""
        return f"groups={self.groups}"
