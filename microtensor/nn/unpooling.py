"""Unpooling layers: ``MaxUnpool1d``, ``MaxUnpool2d``, ``MaxUnpool3d``."""

from __future__ import annotations

from typing import Any

from microtensor.nn._functional.unpooling import max_unpool1d, max_unpool2d, max_unpool3d
from microtensor.nn.module import Module
from microtensor.tensor import Tensor

__all__ = ["MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]


def _ntuple(value: Any, nd: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, tuple | list) else (value,) * nd


class _MaxUnpoolNd(Module):
    _nd = 2
    _fn: Any = staticmethod(max_unpool2d)

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, self._nd)
        self.stride = _ntuple(stride if stride is not None else kernel_size, self._nd)
        self.padding = _ntuple(padding, self._nd)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002
        """Return ``max_unpool(input, indices, kernel_size, stride, padding, output_size)``."""
        return self._fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)  # type: ignore[no-any-return]

    def extra_repr(self) -> str:
        """PyTorch's ``kernel_size=..., stride=..., padding=...``."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Undo ``MaxPool1d``; see ``F.max_unpool1d``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.MaxUnpool1d(2)
        MaxUnpool1d(kernel_size=(2,), stride=(2,), padding=(0,))
    """

    _nd = 1
    _fn = staticmethod(max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    """Undo ``MaxPool2d``: zeros except each value at the index the pooling recorded.

    Args:
        kernel_size: the pooling's kernel size.
        stride: the pooling's stride (default: ``kernel_size``).
        padding: the pooling's padding.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``, and indices of the same shape.
        - Output: ``(N, C, H_out, W_out)``, ``H_out = (H - 1) * s - 2 * p + k`` or
          ``output_size``.

    Example:
        >>> import microtensor as mt
        >>> pool, unpool = mt.nn.MaxPool2d(2, return_indices=True), mt.nn.MaxUnpool2d(2)
        >>> unpool(*pool(mt.tensor([[[[1.0, 2.0], [4.0, 3.0]]]])))
        tensor([[[[0., 0.],
                  [4., 0.]]]])
    """

    _nd = 2
    _fn = staticmethod(max_unpool2d)


class MaxUnpool3d(_MaxUnpoolNd):
    """Undo ``MaxPool3d``; see ``F.max_unpool3d``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.MaxUnpool3d(2, stride=1)
        MaxUnpool3d(kernel_size=(2, 2, 2), stride=(1, 1, 1), padding=(0, 0, 0))
    """

    _nd = 3
    _fn = staticmethod(max_unpool3d)
