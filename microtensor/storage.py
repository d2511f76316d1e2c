"""``torch.storage``: the memory behind a tensor and its views (Untyped- and TypedStorage).

``x.untyped_storage()`` is the block of bytes ``x`` views; every view of it (a transpose, a
slice, a reshape that needs no copy) has the same storage, so programs and tests check
sharing with ``a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()``.
``x.storage()`` is the same memory as elements of ``x``'s dtype (torch's deprecated
``TypedStorage``). Both read the NumPy array that owns the memory; they are views, not copies.

Example:
    >>> import microtensor as mt
    >>> x = mt.arange(6.0).reshape(2, 3)
    >>> x.t().untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
    True
    >>> x.untyped_storage().nbytes(), x[1].storage_offset()
    (24, 3)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._device import device
from microtensor._dim_order import _root

__all__ = ["TypedStorage", "UntypedStorage"]


def _memory(array: np.ndarray) -> np.ndarray:
    """The whole memory ``array`` views, as a flat array of the owner's dtype."""
    root = _root(array)
    if root.flags.c_contiguous or root.flags.f_contiguous:
        return root.reshape(-1, order="A")
    return np.ascontiguousarray(array).reshape(-1)  # a foreign strided buffer: its own bytes


class _Storage:
    """What both storages answer, from ``_values``: the memory as a flat array of elements."""

    _values: np.ndarray

    def data_ptr(self) -> int:
        """The address of the first element."""
        return int(self._values.ctypes.data)

    def size(self) -> int:
        """The number of elements (bytes, for an untyped storage)."""
        return int(self._values.size)

    def __len__(self) -> int:
        return int(self._values.size)

    def nbytes(self) -> int:
        """The number of bytes."""
        return int(self._values.nbytes)

    def element_size(self) -> int:
        """Bytes per element (1 for an untyped storage)."""
        return int(self._values.itemsize)

    @property
    def device(self) -> device:
        """The CPU: microtensor's memory is NumPy's."""
        return device("cpu")

    def tolist(self) -> list[Any]:
        """The elements as Python numbers (bfloat16's as float32's)."""
        values = self._values
        return (values.astype(np.float32) if values.dtype.kind == "V" else values).tolist()

    def __getitem__(self, index: int) -> Any:
        value = self._values[index]
        return float(value) if self._values.dtype.kind == "V" else value.item()

    def is_shared(self) -> bool:
        """False: microtensor does not place storages in shared memory."""
        return False

    def is_pinned(self, device: Any = "cuda") -> bool:
        """False: there is no GPU to pin memory for."""
        return False

    def _header(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        lines = [f" {v}" for v in self.tolist()]
        return "\n".join([*lines, f"[microtensor.storage.{self._header()} of size {self.size()}]"])


class UntypedStorage(_Storage):
    """Bytes of memory on the CPU, as ``torch.UntypedStorage``: ``x.untyped_storage()``."""

    def __init__(self, memory: np.ndarray) -> None:
        self._values = memory.view(np.uint8)

    def _header(self) -> str:
        return "UntypedStorage(device=cpu)"


class TypedStorage(_Storage):
    """Deprecated in PyTorch: the memory as elements of one dtype, ``x.storage()``."""

    def __init__(self, memory: np.ndarray, dtype: dtypes.dtype) -> None:
        np_dtype = np.dtype(dtype.numpy)
        raw = memory.view(np.uint8)
        usable = raw[: raw.size - raw.size % np_dtype.itemsize]
        self._values, self.dtype = usable.view(np_dtype), dtype

    def untyped(self) -> UntypedStorage:
        """The same memory as bytes."""
        return UntypedStorage(self._values)

    @property
    def _untyped_storage(self) -> UntypedStorage:
        return self.untyped()

    def _header(self) -> str:
        return f"TypedStorage(dtype={self.dtype}, device=cpu)"


def untyped_storage_of(array: np.ndarray) -> UntypedStorage:
    """``Tensor.untyped_storage()`` of a tensor whose data is ``array``."""
    return UntypedStorage(_memory(array))


def typed_storage_of(array: np.ndarray) -> TypedStorage:
    """``Tensor.storage()``: warns torch's deprecation, then the typed view of the memory."""
    warnings.warn(
        "TypedStorage is deprecated (as in PyTorch). It will be removed in the future and "
        "UntypedStorage will be the only storage class. To access UntypedStorage directly, use "
        "tensor.untyped_storage() instead of tensor.storage()",
        UserWarning,
        stacklevel=3,
    )
    return TypedStorage(_memory(array), dtypes.from_numpy_dtype(array.dtype))
