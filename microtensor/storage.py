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

__all__ = ["StorageBase", "TypedStorage", "UntypedStorage"]


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

    def __setitem__(self, index: Any, value: Any) -> None:
        self._values[index] = value  # the memory itself: tensors that view it see the write

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


class StorageBase(_Storage):
    """The base of ``UntypedStorage``, as ``torch.StorageBase`` (typed storages are not ones)."""


class UntypedStorage(StorageBase):
    """Bytes of memory on the CPU, as ``torch.UntypedStorage``: ``x.untyped_storage()``.

    ``UntypedStorage()``, ``UntypedStorage(nbytes)`` (zeros) and ``UntypedStorage(bytes)``
    (a sequence of ints in [0, 255]) build a new block, as torch's constructor.

    Raises:
        RuntimeError: for a negative size or a device that is not the CPU.

    Example:
        >>> import microtensor as mt
        >>> mt.UntypedStorage([1, 2]).tolist(), mt.UntypedStorage(3).size()
        ([1, 2], 3)
    """

    def __init__(self, *args: Any, device: Any = None) -> None:
        _check_cpu("UntypedStorage", device)
        if args and isinstance(args[0], np.ndarray):  # the memory of a tensor: a view of it
            self._values = args[0].view(np.uint8)
            return
        self._values = _new_values("UntypedStorage", args, np.dtype(np.uint8), None)

    @classmethod
    def from_file(cls, filename: str, shared: bool = False, nbytes: int = 0) -> UntypedStorage:
        """The first ``nbytes`` bytes of a file; ``shared=True`` maps it (writes reach it).

        Raises:
            RuntimeError: as ``microtensor.from_file``.

        Example:
            >>> import os, tempfile
            >>> import microtensor as mt
            >>> path = os.path.join(tempfile.mkdtemp(), "b.bin")
            >>> _ = open(path, "wb").write(bytes([7, 8, 9]))
            >>> mt.UntypedStorage.from_file(path, False, 2).tolist()
            [7, 8]
        """
        from microtensor._from_file import file_elements  # it makes tensors: a cycle

        return cls(file_elements(filename, shared, nbytes, np.dtype(np.uint8)))

    def _header(self) -> str:
        return "UntypedStorage(device=cpu)"


class TypedStorage(_Storage):
    """Deprecated in PyTorch: the memory as elements of one dtype, ``x.storage()``.

    Built directly as torch's: ``TypedStorage(size, dtype=...)`` (zeros),
    ``TypedStorage(sequence, dtype=...)``, or ``TypedStorage(wrap_storage=untyped,
    dtype=...)`` (the same memory read as ``dtype``); ``dtype`` defaults to the default dtype.

    Raises:
        RuntimeError: for a negative size or a device that is not the CPU.
        TypeError: for data that is neither a size nor a sequence.

    Example:
        >>> import microtensor as mt
        >>> mt.TypedStorage([1, 2], dtype=mt.int64).tolist()
        [1, 2]
    """

    dtype: dtypes.dtype

    def __init__(
        self,
        *args: Any,
        dtype: Any = None,
        device: Any = None,
        wrap_storage: UntypedStorage | None = None,
    ) -> None:
        name = type(self).__name__
        _check_cpu(name, device)
        if args and isinstance(args[0], np.ndarray):  # the memory of a tensor: a view of it
            memory, dtype = args[0], args[1] if len(args) > 1 else dtype
        dtype = dtypes.to_dtype(dtype or dtypes.get_default_dtype())
        if wrap_storage is not None:
            if args:
                raise RuntimeError(
                    f"{name}(): No positional arguments should be given when using `wrap_storage`"
                )
            memory = wrap_storage._values
        elif not args or not isinstance(args[0], np.ndarray):
            memory = _new_values(name, args, None, dtype)
        np_dtype = np.dtype(dtype.numpy)
        raw = memory.view(np.uint8)
        usable = raw[: raw.size - raw.size % np_dtype.itemsize]
        self._values, self.dtype = usable.view(np_dtype), dtype

    @classmethod
    def from_file(cls, filename: str, shared: bool = False, size: int = 0) -> TypedStorage:
        """The first ``size`` elements of the class's dtype in a file (legacy classes only).

        Raises:
            RuntimeError: on ``TypedStorage`` itself (its dtype is not known), or as
                ``microtensor.from_file``.

        Example:
            >>> import os, tempfile
            >>> import numpy as np
            >>> import microtensor as mt
            >>> path = os.path.join(tempfile.mkdtemp(), "f.bin")
            >>> np.arange(3, dtype=np.float32).tofile(path)
            >>> mt.FloatStorage.from_file(path, False, 2).tolist()
            [0.0, 1.0]
        """
        if "dtype" not in vars(cls):
            raise RuntimeError("from_file can only be called on derived classes")
        from microtensor._from_file import file_elements  # it makes tensors: a cycle

        return cls(file_elements(filename, shared, size, np.dtype(cls.dtype.numpy)))

    def untyped(self) -> UntypedStorage:
        """The same memory as bytes."""
        return UntypedStorage(self._values)

    @property
    def _untyped_storage(self) -> UntypedStorage:
        return self.untyped()

    def type(self) -> str:  # noqa: A003 - torch's method name
        """The name of this dtype's legacy class, as torch's: ``'microtensor.FloatStorage'``."""
        from microtensor._legacy_storages import legacy_storage_class

        return f"microtensor.{legacy_storage_class(self.dtype).__name__}"

    def _header(self) -> str:
        return f"TypedStorage(dtype={self.dtype}, device=cpu)"


def _check_cpu(name: str, device: Any) -> None:
    if device is not None and device_type(device) != "cpu":
        raise RuntimeError(
            f"{name}(): microtensor's storages live on the CPU, got device={device!r}"
        )


def device_type(where: Any) -> str:
    """The type of a device, a string or a device object (``"cuda:0"`` -> ``"cuda"``)."""
    return str(device(where).type)


def _new_values(name: str, args: tuple[Any, ...], np_dtype: Any, dtype: Any) -> np.ndarray:
    """The flat array of a new storage: from no argument, a size or a sequence."""
    if len(args) > 1:
        raise TypeError(f"{name}(): expected no argument, a size or a sequence, got {len(args)}")
    data = args[0] if args else 0
    if isinstance(data, int) and not isinstance(data, bool):
        if data < 0:
            raise RuntimeError(f"{name}(): Trying to create a storage of negative size {data}")
        return np.zeros(data, dtype=np_dtype if dtype is None else np.dtype(dtype.numpy))
    if isinstance(data, str | bytes) or not hasattr(data, "__len__"):
        raise TypeError(f"{name}(): new(): invalid data type '{type(data).__name__}'")
    if dtype is None:
        return np.array(list(data), dtype=np_dtype).reshape(-1)
    from microtensor.creation import tensor  # creation imports the tensor: a cycle

    return tensor(list(data), dtype=dtype)._data.reshape(-1)


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
    from microtensor._legacy_storages import legacy_storage_class  # it subclasses TypedStorage

    return legacy_storage_class(dtypes.from_numpy_dtype(array.dtype))(_memory(array))
