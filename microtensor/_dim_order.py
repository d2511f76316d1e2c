"""``Tensor.dim_order()`` and ``Tensor.storage_offset()``: where a tensor's elements lie.

``dim_order`` is the order of the dims from outermost to innermost in memory, as torch
computes it (``compute_elementwise_output_logical_to_physical_perm`` for one tensor: the
contiguous and channels-last short cuts, then an insertion sort on the strides that treats
zero strides and equal strides as ties). ``storage_offset`` is the element offset of a view
from the start of the memory it views, read from the NumPy arrays' addresses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["dim_order", "storage_offset"]


def _strides(array: np.ndarray) -> tuple[int, ...]:
    return tuple(s // array.itemsize for s in array.strides)


def _dense_in_order(shape: tuple[int, ...], strides: tuple[int, ...], inner_first: Any) -> bool:
    """True when the dims laid out ``inner_first`` (innermost first) are packed densely."""
    expected = 1
    for d in inner_first:
        if shape[d] != 1 and strides[d] != expected:
            return False
        expected *= shape[d]
    return True


def _ge(a: int, b: int) -> bool:
    """Torch's ``ge`` of sizes and strides: a >= b, or b divides a."""
    if b == 0:
        return True
    if a == 0:
        return False
    return a >= b or a % b == 0


def _should_swap(shape: tuple[int, ...], strides: tuple[int, ...], a: int, b: int) -> int:
    stride_a, stride_b = strides[a], strides[b]
    if stride_a == 0 or stride_b == 0:
        return 0
    if stride_a == stride_b:
        return 0 if _ge(shape[b], shape[a]) else 1
    if _ge(stride_b, stride_a):
        return -1
    return 1 if _ge(stride_a, stride_b) else 0


def _physical_order(shape: tuple[int, ...], strides: tuple[int, ...]) -> list[int]:
    """Torch's insertion sort, back to front; returns the order innermost first."""
    ndim = len(shape)
    perm = list(reversed(range(ndim)))
    for i in range(1, ndim):
        dim1 = i
        for dim0 in reversed(range(i)):
            comparison = _should_swap(shape, strides, perm[dim0], perm[dim1])
            if comparison > 0:
                perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
                dim1 = dim0
            elif comparison < 0:
                break
    return perm


def dim_order(array: np.ndarray, ambiguity_check: bool = False) -> tuple[int, ...]:
    """The dims of ``array`` from outermost to innermost in memory (torch's dim order).

    Raises:
        RuntimeError: with ``ambiguity_check``, when the order is not unique (equal strides
            next to each other, or a dim of size 1), as torch.
    """
    shape, strides = array.shape, _strides(array)
    ndim = len(shape)
    if ambiguity_check:
        duplicate = any(a == b for a, b in zip(strides, strides[1:], strict=False))
        if duplicate or 1 in shape:
            raise RuntimeError(
                "The tensor does not have unique dim order, or cannot map to exact one of the "
                "given memory formats."
            )
    if ndim <= 1:
        return tuple(range(ndim))
    if array.size == 0:
        return tuple(range(ndim))
    contiguous = _dense_in_order(shape, strides, reversed(range(ndim)))
    channels_last = ndim == 4 and _dense_in_order(shape, strides, (1, 3, 2, 0))
    if contiguous and not channels_last:
        return tuple(range(ndim))
    if channels_last and not contiguous:
        return (0, *range(2, ndim), 1)
    perm = _physical_order(shape, strides)
    if ambiguity_check and any(
        _should_swap(shape, strides, perm[i], perm[i + 1]) != -1 for i in range(ndim - 1)
    ):
        raise RuntimeError("The tensor does not have unique dim order.")
    return tuple(reversed(perm))


def _root(array: np.ndarray) -> np.ndarray:
    """The array that owns the memory ``array`` views (following ``base``)."""
    root = array
    while True:
        base = root.base
        if isinstance(base, np.ndarray):
            root = base
            continue
        inner = getattr(base, "base", None)  # as_strided's DummyArray holds the array
        if isinstance(inner, np.ndarray):
            root = inner
            continue
        return root


def storage_offset(array: np.ndarray) -> int:
    """Elements from the start of the memory ``array`` views to its first element.

    0 for an array that owns its memory (or views a foreign buffer from its start).

    Differs from PyTorch: where a microtensor op returns a copy and torch a view
    (``as_strided``, ``unfold``), the result's offset is 0.
    """
    root = _root(array)
    start = root.ctypes.data
    if root.size and any(s < 0 for s in root.strides):  # the root's lowest address
        start += sum((n - 1) * s for n, s in zip(root.shape, root.strides, strict=True) if s < 0)
    return (array.ctypes.data - start) // array.itemsize
