"""Array allocation with PyTorch's out-of-memory error instead of NumPy's bare one."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])


class OutOfMemoryError(RuntimeError, MemoryError):
    """Raised when a tensor's memory cannot be allocated.

    A ``RuntimeError`` as in PyTorch (whose CPU allocator raises one), and a ``MemoryError``
    so that code catching Python's own error catches it too. ``shape`` and ``dtype`` name
    the allocation that failed (None when it is not known).
    """

    shape: tuple[int, ...] | None = None
    dtype: Any = None


def _human(nbytes: int) -> str:
    size = float(nbytes)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.2f} {unit}"
        size /= 1024
    return f"{nbytes} bytes"  # pragma: no cover - the loop always returns


def out_of_memory(op: str, err: MemoryError, inputs: Any = ()) -> OutOfMemoryError:
    """The :class:`OutOfMemoryError` for ``err`` raised inside ``op``.

    NumPy's own error carries the shape and dtype it failed to allocate; an
    :class:`OutOfMemoryError` raised by an inner call keeps its figures and takes ``op``'s
    name. ``inputs`` (arrays or Tensors) are named by their shapes.

    Example:
        >>> import numpy as np
        >>> try:
        ...     np.empty(2**60, np.float32)
        ... except MemoryError as err:
        ...     print(out_of_memory("rand", err))  # doctest: +ELLIPSIS
        rand(): not enough memory: you tried to allocate 4611686018427387904 bytes ...
    """
    shape = getattr(err, "shape", None)
    dtype = getattr(err, "dtype", None)
    if shape is None or dtype is None:
        text = f"{op}(): not enough memory for its result"
    else:
        shape = tuple(shape)
        nbytes = int(np.prod(shape, dtype=object)) * np.dtype(dtype).itemsize
        text = (
            f"{op}(): not enough memory: you tried to allocate {nbytes} bytes "
            f"({_human(nbytes)}) for a tensor of shape {list(shape)} and dtype "
            f"{np.dtype(dtype).name}"
        )
    shapes = [list(getattr(x, "shape", ())) for x in inputs if hasattr(x, "shape")]
    if shapes:
        text += f" (inputs of shapes {', '.join(map(str, shapes))})"
    error = OutOfMemoryError(text + ". Use a smaller size or a smaller dtype.")
    error.shape, error.dtype = shape, dtype
    return error


def reports_out_of_memory(fn: F) -> F:
    """Decorate a factory so that running out of memory raises an error naming it.

    Example:
        >>> import numpy as np
        >>> @reports_out_of_memory
        ... def huge():
        ...     return np.empty(2**60, np.float32)
        >>> huge()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        OutOfMemoryError: huge(): not enough memory: you tried to allocate ...
    """

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except MemoryError as err:
            raise out_of_memory(fn.__name__, err) from None

    return cast(F, guarded)


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
    except MemoryError as err:
        raise out_of_memory(op, err) from None
