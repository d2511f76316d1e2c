"""Memory formats: ``contiguous_format``, ``channels_last``, ``preserve_format`` ...

PyTorch code passes them as ``memory_format=`` to ``clone``, ``contiguous``, ``to``,
the ``*_like`` factories and the dtype conversions. microtensor accepts them all.

A tensor's layout is its NumPy array's: ``x.contiguous(memory_format=mt.channels_last)``
returns a copy whose memory runs NHWC (``stride()`` is torch's ``(HWC, 1, WC, C)``, and
``is_contiguous(memory_format=mt.channels_last)`` is True), ``model.to(memory_format=...)``
lays out the 4-D (5-D for ``channels_last_3d``) parameters so, and ``clone`` keeps the layout
(``preserve_format``). Values and shapes never depend on the layout.

Differs from PyTorch: ops other than these copies return what NumPy returns (elementwise
ops keep their input's layout, reductions and matrix products are C-contiguous), where
torch propagates channels_last through convolutions and normalizations too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

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


# memory formats that put the channels last, with the rank they need
_RANKS = {"channels_last": 4, "channels_last_3d": 5}


def _order(fmt: memory_format, ndim: int, caller: str) -> tuple[int, ...]:
    """The dims from outermost to innermost in memory for ``fmt`` (N, H, W, C for 4-D)."""
    rank = _RANKS.get(fmt.name)
    if rank is None:
        return tuple(range(ndim))
    if ndim != rank:
        raise RuntimeError(
            f"{caller}(): required rank {rank} tensor to use {fmt.name} format, got a "
            f"{ndim}-D tensor: use memory_format=microtensor.contiguous_format"
        )
    return (0, *range(2, ndim), 1)


def arranged(array: np.ndarray, fmt: Any, caller: str) -> np.ndarray:
    """A copy of ``array`` laid out in memory as ``fmt`` says (None: C order).

    ``preserve_format`` keeps the array's own order (NumPy's ``order='K'``), except that an
    expanded array (a stride of 0) becomes C-contiguous, as in torch.
    """
    if fmt is preserve_format:  # the same strides, unless the array overlaps itself
        expanded = any(st == 0 and n > 1 for st, n in zip(array.strides, array.shape, strict=True))
        return np.array(array, order="C" if expanded else "K", copy=True)
    order = _order(fmt or contiguous_format, array.ndim, caller)
    inverse = np.argsort(order)
    return np.ascontiguousarray(array.transpose(order)).transpose(inverse)


def is_laid_out(array: np.ndarray, fmt: Any, caller: str = "is_contiguous") -> bool:
    """True if ``array``'s strides are those of ``fmt`` (dims of size 1 do not count)."""
    order = _order(fmt or contiguous_format, array.ndim, caller)
    expected = array.itemsize
    for dim in reversed(order):
        size = array.shape[dim]
        if size != 1 and array.strides[dim] != expected:
            return False
        expected *= size
    return True


def suggested_format(array: np.ndarray) -> memory_format:
    """The memory format an array's strides follow (torch's ``suggest_memory_format``)."""
    if array.flags.c_contiguous:
        return contiguous_format
    for fmt in (channels_last, channels_last_3d):
        if array.ndim == _RANKS[fmt.name] and is_laid_out(array, fmt):
            return fmt
    return contiguous_format
