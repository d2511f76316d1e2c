"""Padding layers: Zero, Constant, Reflection, Replication and Circular, in 1, 2 and 3 dims.

Each is one call of ``F.pad``; the reprs and the int-to-tuple rule of ``padding`` are PyTorch's.
"""

from __future__ import annotations

from typing import Any

from microtensor.nn._functional.padding import pad
from microtensor.nn.module import Module
from microtensor.tensor import Tensor

__all__ = [
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
]


def _widths(padding: Any, nd: int) -> tuple[int, ...]:
    """An int pads every side of the last ``nd`` dims; a sequence lists the widths."""
    return (padding,) * (2 * nd) if isinstance(padding, int) else tuple(padding)


class _PadNd(Module):
    mode = "constant"

    def __init__(self, padding: Any, nd: int) -> None:
        super().__init__()
        self.padding = _widths(padding, nd)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``F.pad(input, padding, mode)``."""
        return pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        """PyTorch's padding tuple."""
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: Any, value: float, nd: int) -> None:
        super().__init__(padding, nd)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``F.pad(input, padding, "constant", value)``."""
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        """PyTorch's ``padding=..., value=...``."""
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    def extra_repr(self) -> str:
        """PyTorch's padding tuple."""
        return f"{self.padding}"


class _CircularPadNd(_PadNd):
    mode = "circular"
    nd = 1

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``F.pad(input, padding, "circular")``."""
        if input.ndim not in (self.nd + 1, self.nd + 2):
            raise ValueError(
                f"expected {self.nd + 1}D or {self.nd + 2}D input (got {input.ndim}D input)"
            )
        return pad(input, self.padding, "circular")


class ZeroPad1d(_ZeroPadNd):
    """Pad the last 1 dim with zeros; see ``F.pad``.

    Args:
        padding: an int (every side) or 2 widths ``(left, right)``.

    Shape:
        - Input: ``(N, C, W)`` or ``(C, W)``.
        - Output: each padded dim grows by its two widths.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.ZeroPad1d(1)
        >>> m
        ZeroPad1d((1, 1))
        >>> m(mt.ones(1, 1, 2)).shape
        microtensor.Size([1, 1, 4])
    """

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0, 1)


class ZeroPad2d(_ZeroPadNd):
    """Pad the last 2 dims with zeros; see ``F.pad``.

    Args:
        padding: an int (every side) or 4 widths ``(left, right, top, bottom)``.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: each padded dim grows by its two widths.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.ZeroPad2d(1)
        >>> m
        ZeroPad2d((1, 1, 1, 1))
        >>> m(mt.ones(1, 1, 2, 2)).shape
        microtensor.Size([1, 1, 4, 4])
    """

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0, 2)


class ZeroPad3d(_ZeroPadNd):
    """Pad the last 3 dims with zeros; see ``F.pad``.

    Args:
        padding: an int (every side) or 6 widths ``(left, right, top, bottom, front, back)``.

    Shape:
        - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        - Output: each padded dim grows by its two widths.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.ZeroPad3d(1)
        >>> m
        ZeroPad3d((1, 1, 1, 1, 1, 1))
        >>> m(mt.ones(1, 1, 2, 2, 2)).shape
        microtensor.Size([1, 1, 4, 4, 4])
    """

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0, 3)


class ConstantPad1d(_ConstantPadNd):
    """Pad the last 1 dim with ``value``; see ``F.pad``.

    Args:
        padding: an int (every side) or 2 widths ``(left, right)``.
        value: the fill value.

    Shape:
        - Input: ``(N, C, W)`` or ``(C, W)``.
        - Output: each padded dim grows by its two widths.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.ConstantPad1d(1, 3.5)
        >>> m
        ConstantPad1d(padding=(1, 1), value=3.5)
        >>> m(mt.ones(1, 1, 2)).shape
        microtensor.Size([1, 1, 4])
    """

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding, value, 1)


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 dims with ``value``; see ``F.pad``.

    Args:
        padding: an int (every side) or 4 widths ``(left, right, top, bottom)``.
        value: the fill value.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: each padded dim grows by its two widths.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.ConstantPad2d(1, 3.5)
        >>> m
        ConstantPad2d(padding=(1, 1, 1, 1), value=3.5)
        >>> m(mt.ones(1, 1, 2, 2)).shape
        microtensor.Size([1, 1, 4, 4])
    """

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding, value, 2)


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 dims with ``value``; see ``F.pad``.

    Args:
        padding: an int (every side) or 6 widths ``(left, right, top, bottom, front, back)``.
        value: the fill value.

    Shape:
        - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        - Output: each padded dim grows by its two widths.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.ConstantPad3d(1, 3.5)
        >>> m
        ConstantPad3d(padding=(1, 1, 1, 1, 1, 1), value=3.5)
        >>> m(mt.ones(1, 1, 2, 2, 2)).shape
        microtensor.Size([1, 1, 4, 4, 4])
    """

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding, value, 3)


class ReflectionPad1d(_PadNd):
    """Pad the last 1 dim with their reflection (the edge not repeated); see ``F.pad``.

    Args:
        padding: an int (every side) or 2 widths ``(left, right)``.

    Shape:
        - Input: ``(N, C, W)`` or ``(C, W)``.
        - Output: each padded dim grows by its two widths.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.ReflectionPad1d(1)
        >>> m
        ReflectionPad1d((1, 1))
        >>> m(mt.ones(1, 1, 2)).shape
        microtensor.Size([1, 1, 4])
    """

    mode = "reflect"

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 1)


class ReflectionPad2d(_PadNd):
    """Pad the last 2 dims with their reflection (the edge not repeated); see ``F.pad``.

    Args:
        padding: an int (every side) or 4 widths ``(left, right, top, bottom)``.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: each padded dim grows by its two widths.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.ReflectionPad2d(1)
        >>> m
        ReflectionPad2d((1, 1, 1, 1))
        >>> m(mt.ones(1, 1, 2, 2)).shape
        microtensor.Size([1, 1, 4, 4])
    """

    mode = "reflect"

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 2)


class ReflectionPad3d(_PadNd):
    """Pad the last 3 dims with their reflection (the edge not repeated); see ``F.pad``.

    Args:
        padding: an int (every side) or 6 widths ``(left, right, top, bottom, front, back)``.

    Shape:
        - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        - Output: each padded dim grows by its two widths.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.ReflectionPad3d(1)
        >>> m
        ReflectionPad3d((1, 1, 1, 1, 1, 1))
        >>> m(mt.ones(1, 1, 2, 2, 2)).shape
        microtensor.Size([1, 1, 4, 4, 4])
    """

    mode = "reflect"

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 3)


class ReplicationPad1d(_PadNd):
    """Pad the last 1 dim by repeating the edge; see ``F.pad``.

    Args:
        padding: an int (every side) or 2 widths ``(left, right)``.

    Shape:
        - Input: ``(N, C, W)`` or ``(C, W)``.
        - Output: each padded dim grows by its two widths.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.ReplicationPad1d(1)
        >>> m
        ReplicationPad1d((1, 1))
        >>> m(mt.ones(1, 1, 2)).shape
        microtensor.Size([1, 1, 4])
    """

    mode = "replicate"

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 1)


class ReplicationPad2d(_PadNd):
    """Pad the last 2 dims by repeating the edge; see ``F.pad``.

    Args:
        padding: an int (every side) or 4 widths ``(left, right, top, bottom)``.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: each padded dim grows by its two widths.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.ReplicationPad2d(1)
        >>> m
        ReplicationPad2d((1, 1, 1, 1))
        >>> m(mt.ones(1, 1, 2, 2)).shape
        microtensor.Size([1, 1, 4, 4])
    """

    mode = "replicate"

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 2)


class ReplicationPad3d(_PadNd):
    """Pad the last 3 dims by repeating the edge; see ``F.pad``.

    Args:
        padding: an int (every side) or 6 widths ``(left, right, top, bottom, front, back)``.

    Shape:
        - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        - Output: each padded dim grows by its two widths.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.ReplicationPad3d(1)
        >>> m
        ReplicationPad3d((1, 1, 1, 1, 1, 1))
        >>> m(mt.ones(1, 1, 2, 2, 2)).shape
        microtensor.Size([1, 1, 4, 4, 4])
    """

    mode = "replicate"

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 3)


class CircularPad1d(_CircularPadNd):
    """Pad the last 1 dim by wrapping around; see ``F.pad``.

    Args:
        padding: an int (every side) or 2 widths ``(left, right)``.

    Shape:
        - Input: ``(N, C, W)`` or ``(C, W)``.
        - Output: each padded dim grows by its two widths.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.CircularPad1d(1)
        >>> m
        CircularPad1d((1, 1))
        >>> m(mt.ones(1, 1, 2)).shape
        microtensor.Size([1, 1, 4])
    """

    nd = 1

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 1)


class CircularPad2d(_CircularPadNd):
    """Pad the last 2 dims by wrapping around; see ``F.pad``.

    Args:
        padding: an int (every side) or 4 widths ``(left, right, top, bottom)``.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: each padded dim grows by its two widths.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.CircularPad2d(1)
        >>> m
        CircularPad2d((1, 1, 1, 1))
        >>> m(mt.ones(1, 1, 2, 2)).shape
        microtensor.Size([1, 1, 4, 4])
    """

    nd = 2

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 2)


class CircularPad3d(_CircularPadNd):
    """Pad the last 3 dims by wrapping around; see ``F.pad``.

    Args:
        padding: an int (every side) or 6 widths ``(left, right, top, bottom, front, back)``.

    Shape:
        - Input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        - Output: each padded dim grows by its two widths.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.CircularPad3d(1)
        >>> m
        CircularPad3d((1, 1, 1, 1, 1, 1))
        >>> m(mt.ones(1, 1, 2, 2, 2)).shape
        microtensor.Size([1, 1, 4, 4, 4])
    """

    nd = 3

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 3)
