"""Max over irregular windows: ``AdaptiveMaxPool1d/2d/3d``, ``FractionalMaxPool2d/3d``."""

from __future__ import annotations

from typing import Any

from microtensor.nn._functional.adaptive_pooling import (
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,
    fractional_max_pool2d,
    fractional_max_pool3d,
)
from microtensor.nn.module import Module
from microtensor.tensor import Tensor

__all__ = [
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "FractionalMaxPool2d",
    "FractionalMaxPool3d",
]


class _AdaptiveMaxPoolNd(Module):
    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        """PyTorch's ``output_size=...``."""
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max of ``(N, C, L)`` over ``output_size`` near-equal windows.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.AdaptiveMaxPool1d(5)(mt.randn(1, 64, 8)).shape
        microtensor.Size([1, 64, 5])
    """

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        """Return ``adaptive_max_pool1d(input, output_size, return_indices)``."""
        return adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max of ``(N, C, H, W)`` over windows chosen so the output has ``output_size``.

    Args:
        output_size: int or ``(H_out, W_out)``; None keeps that dim's input size.
        return_indices: also return the flat index of each maximum.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: ``(N, C, H_out, W_out)``.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.AdaptiveMaxPool2d((5, None))
        >>> m
        AdaptiveMaxPool2d(output_size=(5, None))
        >>> m(mt.randn(1, 64, 8, 9)).shape
        microtensor.Size([1, 64, 5, 9])
    """

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        """Return ``adaptive_max_pool2d(input, output_size, return_indices)``."""
        return adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max of ``(N, C, D, H, W)`` over near-equal windows; as ``AdaptiveMaxPool2d``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.AdaptiveMaxPool3d(2)(mt.randn(1, 3, 4, 4, 5)).shape
        microtensor.Size([1, 3, 2, 2, 2])
    """

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        """Return ``adaptive_max_pool3d(input, output_size, return_indices)``."""
        return adaptive_max_pool3d(input, self.output_size, self.return_indices)


def _ntuple(value: Any, nd: int) -> Any:
    if value is None:
        return None
    return tuple(value) if isinstance(value, tuple | list) else (value,) * nd


class _FractionalMaxPoolNd(Module):
    _nd = 2

    def __init__(
        self,
        kernel_size: Any,
        output_size: Any = None,
        output_ratio: Any = None,
        return_indices: bool = False,
        _random_samples: Tensor | None = None,
    ) -> None:
        super().__init__()
        name, nd = type(self).__name__, self._nd
        self.kernel_size = _ntuple(kernel_size, nd)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = _ntuple(output_size, nd)
        self.output_ratio = _ntuple(output_ratio, nd)
        if output_size is None and output_ratio is None:
            raise ValueError(
                f"{name} requires specifying either an output size, or a pooling ratio"
            )
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """Max over windows at pseudo-random positions; see ``F.fractional_max_pool2d``.

    Args:
        kernel_size: int or ``(kH, kW)``.
        output_size: int or ``(H_out, W_out)``.
        output_ratio: instead of ``output_size``, a fraction (in (0, 1)) of the input size.
        return_indices: also return the flat index of each maximum.
        _random_samples: ``(N, C, 2)`` numbers in [0, 1) that fix the windows.

    Raises:
        ValueError: for neither or both of output_size and output_ratio, or a ratio outside
            (0, 1).

    Example:
        >>> import microtensor as mt
        >>> mt.nn.FractionalMaxPool2d(3, output_ratio=0.5)(mt.randn(1, 2, 8, 8)).shape
        microtensor.Size([1, 2, 4, 4])
    """

    _nd = 2

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        """Return ``fractional_max_pool2d(input, ...)`` with the layer's settings."""
        return fractional_max_pool2d(
            input, self.kernel_size, self.output_size, self.output_ratio, self.return_indices,
            _random_samples=self._random_samples,
        )  # fmt: skip


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """Fractional max pooling of ``(N, C, D, H, W)``; as ``FractionalMaxPool2d``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.FractionalMaxPool3d(2, output_size=2)(mt.randn(1, 2, 4, 4, 4)).shape
        microtensor.Size([1, 2, 2, 2, 2])
    """

    _nd = 3

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        """Return ``fractional_max_pool3d(input, ...)`` with the layer's settings."""
        return fractional_max_pool3d(
            input, self.kernel_size, self.output_size, self.output_ratio, self.return_indices,
            _random_samples=self._random_samples,
        )  # fmt: skip
