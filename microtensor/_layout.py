"""Tensor layouts: ``microtensor.strided``, the one layout microtensor has (dense arrays)."""

from __future__ import annotations

__all__ = ["layout", "strided"]


class layout:  # noqa: N801 - PyTorch's name
    """A memory layout; only ``strided`` (dense) exists, as NumPy arrays are dense.

    Example:
        >>> import microtensor as mt
        >>> mt.ones(2).layout
        microtensor.strided
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"microtensor.{self.name}"

    def __reduce__(self) -> str:
        return self.name


strided = layout("strided")
