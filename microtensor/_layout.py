"""Tensor layouts: ``strided`` (dense arrays), ``sparse_coo`` and the compressed sparse ones.

``sparse_csr``, ``sparse_csc``, ``sparse_bsr`` and ``sparse_bsc`` are the compressed layouts
(``microtensor.sparse.compressed``).
"""

from __future__ import annotations

__all__ = [
    "layout",
    "sparse_bsc",
    "sparse_bsr",
    "sparse_coo",
    "sparse_csc",
    "sparse_csr",
    "strided",
]


class layout:  # noqa: N801 - PyTorch's name
    """A memory layout: ``strided`` (dense Tensors), ``sparse_coo`` or a compressed sparse one.

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
sparse_csr = layout("sparse_csr")
sparse_csc = layout("sparse_csc")
sparse_bsr = layout("sparse_bsr")
sparse_bsc = layout("sparse_bsc")
