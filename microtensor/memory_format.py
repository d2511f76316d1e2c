"""Memory formats: ``contiguous_format``, ``channels_last``, ``preserve_format`` ...

PyTorch code passes them as ``memory_format=`` to ``clone``, ``contiguous``, ``to``,
the ``*_like`` factories and the dtype conversions. microtensor accepts them all.

Differs from PyTorch: a microtensor tensor's layout is NumPy's; values and shapes never
depend on the memory format, so microtensor accepts the argument and keeps NumPy's layout.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "channels_last",
    "channels_last_3d",
    "contiguous_format",
    "memory_format",
    "preserve_format",
]


class memory_format:  # noqa: N801 - PyTorch's name
    """A named memory layout (``microtensor.contiguous_format`` and its siblings).

    Example:
        >>> import microtensor as mt
        >>> mt.channels_last
        microtensor.channels_last
        >>> mt.ones(2, 3).clone(memory_format=mt.contiguous_format).shape
        microtensor.Size([2, 3])
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"microtensor.{self.name}"

    def __reduce__(self) -> str:
        return self.name


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")


def check_memory_format(value: Any, caller: str) -> None:
    """Raise TypeError unless ``value`` is None or one of the memory formats."""
    if value is not None and not isinstance(value, memory_format):
        raise TypeError(
            f"{caller}(): memory_format must be a microtensor memory format such as "
            f"microtensor.contiguous_format, got {type(value).__name__} {value!r}"
        )
