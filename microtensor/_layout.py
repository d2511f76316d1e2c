"""Tensor layouts: ``microtensor.strided`` (dense arrays) and ``microtensor.sparse_coo``."""

from __future__ import annotations

__all__ = ["layout", "sparse_coo", "strided"]


class layout:  # noqa: N801 - PyTorch's name
    """A memory layout: ``strided`` (dense Tensors) or ``sparse_coo`` (``microtensor.sparse``).

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
sparse_coo = layout("sparse_coo")
