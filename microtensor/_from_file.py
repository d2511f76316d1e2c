"""``torch.from_file``: a tensor whose elements are a binary file's bytes."""

from __future__ import annotations

import builtins
import os
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._device import check_cpu
from microtensor.tensor import Tensor

__all__ = ["from_file"]


def from_file(
    filename: str,
    shared: builtins.bool | None = None,
    size: builtins.int = 0,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: builtins.bool = False,
    requires_grad: builtins.bool = False,
) -> Tensor:
    """The first ``size`` elements of ``dtype`` stored in a file, as a 1-D tensor.

    With ``shared=True`` the tensor maps the file: writes to the tensor reach the file, and a
    missing or shorter file is created or extended to ``size`` elements. Otherwise the
    tensor holds a private copy of the bytes.

    Args:
        filename: the file's path.
        shared: map the file and write through (True), or copy it (False/None).
        size: the number of elements.
        dtype: the element type (default: the default dtype).
        layout: accepted; only strided tensors exist.
        device: only the CPU.
        pin_memory: accepted, as there is no GPU to pin for.
        requires_grad: whether the result requires grad.

    Returns:
        A tensor of shape ``(size,)``.

    Raises:
        RuntimeError: if the file cannot be opened, or holds fewer than ``size`` elements
            while not shared.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import microtensor as mt
        >>> path = os.path.join(tempfile.mkdtemp(), "x.bin")
        >>> np.arange(3, dtype=np.float32).tofile(path)
        >>> mt.from_file(path, size=3)
        tensor([0., 1., 2.])
    """
    check_cpu(device, "from_file")
    dtype = dtypes.to_dtype(dtype or dtypes.get_default_dtype())
    np_dtype = np.dtype(dtype.numpy)
    result = Tensor._make(file_elements(filename, shared, size, np_dtype))
    if requires_grad:
        result.requires_grad_(True)
    return result


def file_elements(filename: str, shared: Any, size: builtins.int, np_dtype: np.dtype) -> np.ndarray:
    """The first ``size`` elements of a file: a copy, or (``shared``) a writable mapping."""
    needed = size * np_dtype.itemsize
    if shared:
        return _mapped(filename, np_dtype, size, needed)
    return _copied(filename, np_dtype, size, needed)


def _copied(
    filename: str, np_dtype: np.dtype, size: builtins.int, needed: builtins.int
) -> np.ndarray:
    try:
        with open(filename, "rb") as file:
            data = file.read(needed)
    except OSError as error:
        raise RuntimeError(
            f"unable to open file <{filename}> in read-only mode: {error.strerror} ({error.errno})"
        ) from None
    if len(data) < needed:
        raise RuntimeError(
            f"file <{filename}> size <{os.path.getsize(filename)}> is smaller than the "
            f"required mapping size <{needed}>"
        )
    return np.frombuffer(data, dtype=np_dtype, count=size).copy()


def _mapped(
    filename: str, np_dtype: np.dtype, size: builtins.int, needed: builtins.int
) -> np.ndarray:
    try:
        with open(filename, "ab") as file:  # creates a missing file, keeps an existing one
            if file.tell() < needed:
                file.truncate(needed)
    except OSError as error:
        raise RuntimeError(
            f"unable to open file <{filename}> in read-write mode: {error.strerror} ({error.errno})"
        ) from None
    if size == 0:
        return np.empty(0, dtype=np_dtype)
    return np.memmap(filename, dtype=np_dtype, mode="r+", shape=(size,)).view(np.ndarray)
