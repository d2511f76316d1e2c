"""torch's legacy per-dtype storage classes: ``FloatStorage``, ``LongStorage`` ... and ``Storage``.

torch keeps one ``TypedStorage`` class per dtype at top level from its Lua days;
``x.storage()`` is an instance of its dtype's class, and ``x.storage_type()`` is the class.

Example:
    >>> import microtensor as mt
    >>> mt.FloatStorage([1, 2]).tolist(), mt.ones(2).storage_type() is mt.FloatStorage
    ([1.0, 2.0], True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.storage import TypedStorage, UntypedStorage

__all__ = [
    "BFloat16Storage",
    "BoolStorage",
    "ByteStorage",
    "CharStorage",
    "ComplexDoubleStorage",
    "ComplexFloatStorage",
    "DoubleStorage",
    "FloatStorage",
    "HalfStorage",
    "IntStorage",
    "LongStorage",
    "ShortStorage",
    "Storage",
    "legacy_storage_class",
]


class _LegacyStorage(TypedStorage):
    """torch's per-dtype storage classes (``FloatStorage`` ...): a ``TypedStorage`` of one dtype.

    ``FloatStorage()``, ``FloatStorage(size)``, ``FloatStorage(sequence)`` or
    ``FloatStorage(wrap_storage=untyped)``; the dtype is the class's.

    Differs from PyTorch: ``x.storage()`` is an instance of its dtype's class (torch makes
    a ``TypedStorage`` that only ``isinstance`` matches to ``FloatStorage``, through a
    metaclass).
    """

    def __init__(
        self, *args: Any, wrap_storage: UntypedStorage | None = None, **kwargs: Any
    ) -> None:
        for key in kwargs:
            raise RuntimeError(
                f"{type(self).__name__}(): Keyword argument '{key}' cannot be specified: the "
                "class fixes the dtype and the device; use TypedStorage(..., dtype=, device=)"
            )
        super().__init__(*args, dtype=type(self).dtype, wrap_storage=wrap_storage)

    @classmethod
    def from_buffer(
        cls, buffer: Any, byte_order: str = "native", count: int = -1, offset: int = 0
    ) -> _LegacyStorage:
        """A storage holding a copy of the elements in a bytes-like ``buffer``.

        Raises:
            ValueError: for a ``byte_order`` other than ``"native"``, ``"little"``, ``"big"``.

        Example:
            >>> import microtensor as mt
            >>> mt.ByteStorage.from_buffer(bytes([1, 2])).tolist()
            [1, 2]
        """
        orders = {"native": "=", "little": "<", "big": ">"}
        if byte_order not in orders:
            raise ValueError(
                f"from_buffer(): byte_order must be 'native', 'little' or 'big', got {byte_order!r}"
            )
        np_dtype = np.dtype(cls.dtype.numpy).newbyteorder(orders[byte_order])
        values = np.frombuffer(buffer, dtype=np_dtype, count=count, offset=offset)
        return cls(values.astype(np_dtype.newbyteorder("=")))


class FloatStorage(_LegacyStorage):
    """float32 elements (see ``_LegacyStorage``)."""

    dtype = dtypes.float32


class DoubleStorage(_LegacyStorage):
    """float64 elements."""

    dtype = dtypes.float64


class HalfStorage(_LegacyStorage):
    """float16 elements."""

    dtype = dtypes.float16


class BFloat16Storage(_LegacyStorage):
    """bfloat16 elements."""

    dtype = dtypes.bfloat16


class LongStorage(_LegacyStorage):
    """int64 elements."""

    dtype = dtypes.int64


class IntStorage(_LegacyStorage):
    """int32 elements."""

    dtype = dtypes.int32


class ShortStorage(_LegacyStorage):
    """int16 elements."""

    dtype = dtypes.int16


class CharStorage(_LegacyStorage):
    """int8 elements."""

    dtype = dtypes.int8


class ByteStorage(_LegacyStorage):
    """uint8 elements."""

    dtype = dtypes.uint8


class BoolStorage(_LegacyStorage):
    """bool elements."""

    dtype = dtypes.bool


class ComplexFloatStorage(_LegacyStorage):
    """complex64 elements."""

    dtype = dtypes.complex64


class ComplexDoubleStorage(_LegacyStorage):
    """complex128 elements."""

    dtype = dtypes.complex128


Storage = FloatStorage  # torch.Storage: the default dtype's legacy class, FloatStorage

_LEGACY = {cls.dtype: cls for cls in _LegacyStorage.__subclasses__()}


def legacy_storage_class(dtype: Any) -> type[_LegacyStorage]:
    """The legacy storage class of ``dtype`` (``float32`` -> ``FloatStorage``).

    Raises:
        RuntimeError: for a dtype without one (the unsigned 16-64 bit ints).
    """
    dtype = dtypes.to_dtype(dtype)
    if dtype not in _LEGACY:
        raise RuntimeError(f"storage_type(): no legacy storage class for {dtype}")
    return _LEGACY[dtype]
