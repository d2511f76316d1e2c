"""Array allocation with PyTorch's out-of-memory error instead of NumPy's bare one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class OutOfMemoryError(RuntimeError, MemoryError):
    """Raised when a tensor's memory cannot be allocated.

    A ``RuntimeError`` as in PyTorch (whose CPU allocator raises one), and a ``MemoryError``
    so that code catching Python's own error catches it too.
    """


def _human(nbytes: int) -> str:
    size = float(nbytes)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.2f} {unit}"
        size /= 1024
    return f"{nbytes} bytes"  # pragma: no cover - the loop always returns


def allocate(
    make: Callable[..., np.ndarray], shape: tuple[int, ...], dtype: Any, op: str, *args: Any
) -> np.ndarray:
    """``make(shape, *args, dtype)``, or an :class:`OutOfMemoryError` naming shape and bytes.

    Negative sizes and sizes past what memory can address raise a RuntimeError, as in torch.

    Example:
        >>> import numpy as np
        >>> allocate(np.zeros, (2,), np.float32, "zeros")
        array([0., 0.], dtype=float32)
    """
    if any(size < 0 for size in shape):
        raise RuntimeError(
            f"{op}(): Trying to create tensor with negative dimension "
            f"{min(shape)}: {list(shape)}. Every size must be >= 0."
        )
    try:
        return make(shape, *args, dtype)
    except ValueError as err:
        if "too big" not in str(err):
            raise
        raise RuntimeError(
            f"{op}(): Storage size calculation overflowed with sizes={list(shape)}: the tensor "
            "would have more elements than memory can address"
        ) from None
    except MemoryError:
        nbytes = int(np.prod(shape, dtype=object)) * np.dtype(dtype).itemsize
        raise OutOfMemoryError(
            f"{op}(): not enough memory: you tried to allocate {nbytes} bytes "
            f"({_human(nbytes)}) for a tensor of shape {list(shape)} and dtype "
            f"{np.dtype(dtype).name}. Use a smaller size or a smaller dtype."
        ) from None
