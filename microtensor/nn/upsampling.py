"""Resampling layers: ``Upsample``, ``UpsamplingNearest2d``, ``UpsamplingBilinear2d``."""

from __future__ import annotations

from typing import Any

from microtensor.nn._functional.upsampling import interpolate
from microtensor.nn.module import Module
from microtensor.tensor import Tensor

__all__ = ["Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"]


class Upsample(Module):
    """Resize the spatial dims of ``(N, C, *spatial)``; see ``F.interpolate``.

    Args:
        size: the output spatial size.
        scale_factor: multiplier of each spatial size.
        mode: ``"nearest"``, ``"nearest-exact"``, ``"linear"``, ``"bilinear"``,
            ``"bicubic"``, ``"trilinear"`` or ``"area"``.
        align_corners: for the interpolating modes, align the corner pixels' centres.
        recompute_scale_factor: sample from the output size rather than the scale factor.

    Shape:
        - Input: ``(N, C, W)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        - Output: the same with the resized spatial dims.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Upsample(scale_factor=2, mode="nearest")
        Upsample(scale_factor=2.0, mode='nearest')
        >>> mt.nn.Upsample(scale_factor=2)(mt.tensor([[[1.0, 2.0]]]))
        tensor([[[1., 1., 2., 2.]]])
    """

    def __init__(
        self,
        size: Any = None,
        scale_factor: Any = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor: Any = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``interpolate(input, ...)`` with the layer's settings."""
        return interpolate(
            input, self.size, self.scale_factor, self.mode, self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )  # fmt: skip

    def extra_repr(self) -> str:
        """PyTorch's ``scale_factor=...`` (or ``size=...``) and ``mode=...``."""
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of ``(N, C, H, W)``: ``Upsample(mode="nearest")``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.UpsamplingNearest2d(scale_factor=2)(mt.ones(1, 1, 1, 1)).shape
        microtensor.Size([1, 1, 2, 2])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling with aligned corners: ``Upsample(mode="bilinear", align_corners=True)``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.UpsamplingBilinear2d(size=(1, 3))(mt.tensor([[[[0.0, 1.0]]]]))
        tensor([[[[0.0000, 0.5000, 1.0000]]]])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
