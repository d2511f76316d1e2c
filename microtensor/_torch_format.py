"""Checkpoints in PyTorch's own file format: the zip archive that ``torch.save`` writes.

Layout (PyTorch >= 1.6): an uncompressed zip whose entries sit under one folder (``archive/``):
``data.pkl`` (a protocol-2 pickle of the object), ``data/<key>`` (the raw bytes of each storage,
64-byte aligned), ``byteorder``, ``version`` and a few small records. In ``data.pkl`` a tensor is
``torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
OrderedDict())`` and a storage is the persistent id ``("storage", torch.FloatStorage, key,
"cpu", numel)``; tensors that are views of one storage share its key, so they share memory
after loading, in torch and here.

This module writes the format (``dumps``) and holds the names both sides share; ``_torch_load``
reads it.
"""

from __future__ import annotations

import io
import pickle
import secrets
import struct
import sys
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._device import device
from microtensor._size import Size
from microtensor.tensor import Tensor

_ALIGNMENT = 64
_LOCAL_HEADER = 30  # bytes of a zip local file header before its name and extra field
_STORAGES = {
    "DoubleStorage": dtypes.float64,
    "FloatStorage": dtypes.float32,
    "HalfStorage": dtypes.float16,
    "LongStorage": dtypes.int64,
    "IntStorage": dtypes.int32,
    "ShortStorage": dtypes.int16,
    "CharStorage": dtypes.int8,
    "ByteStorage": dtypes.uint8,
    "BoolStorage": dtypes.bool,
    "BFloat16Storage": dtypes.bfloat16,
    "ComplexFloatStorage": dtypes.complex64,
    "ComplexDoubleStorage": dtypes.complex128,
    "UntypedStorage": dtypes.uint8,
}
_STORAGE_OF = {d.name: name for name, d in _STORAGES.items() if name != "UntypedStorage"}
# PyTorch dtypes that microtensor lacks; a file using them is refused with their name
_MISSING_DTYPES = (
    "complex32 float8_e4m3fn float8_e5m2 qint8 quint8 qint32 quint4x2 "
    "ComplexHalfStorage QInt8Storage QUInt8Storage QInt32Storage"
).split()
# dtypes without a typed storage: torch saves their bytes untyped, with the dtype beside them
_UNTYPED_DTYPES = ("uint16", "uint32", "uint64")


class _Global:
    """A name written as a pickle GLOBAL (``torch._utils _rebuild_tensor_v2``) on saving."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def __call__(self, *args: Any) -> None:  # the pickler only accepts callables in a reduce
        raise TypeError(f"{self.module}.{self.name} is a name written into a checkpoint")


_REBUILD_TENSOR = _Global("torch._utils", "_rebuild_tensor_v2")
_REBUILD_TENSOR_V3 = _Global("torch._utils", "_rebuild_tensor_v3")
_UNTYPED_STORAGE = _Global("torch.storage", "UntypedStorage")
_REBUILD_PARAMETER = _Global("torch._utils", "_rebuild_parameter")
_TORCH_SIZE = _Global("torch", "Size")
_TORCH_DEVICE = _Global("torch", "device")
_TORCH_GLOBALS = {
    name: _Global("torch", name) for name in [*_STORAGES, *_STORAGE_OF, *_UNTYPED_DTYPES]
}


class _StorageRecord:
    """A storage being saved: its key in ``data/`` and what its persistent id says."""

    __slots__ = ("key", "dtype_name", "numel", "array")

    def __init__(self, key: str, array: np.ndarray) -> None:
        self.key = key
        self.dtype_name = dtypes.from_numpy_dtype(array.dtype).name
        self.numel = array.size
        self.array = array


# --- writing --------------------------------------------------------------------------------


# the pure-Python pickler (its ``save`` can be extended; the C one's cannot)
_PurePickler: Any = pickle._Pickler  # type: ignore[attr-defined]


class _TorchPickler(_PurePickler):  # type: ignore[misc]
    """Pickles as ``torch.save`` does: tensors by reference to storages written alongside.

    The pure-Python pickler is used because it lets ``save`` write torch's GLOBAL names
    (``torch._utils _rebuild_tensor_v2``) without importing torch.
    """

    def __init__(self, file: io.BytesIO, protocol: int, legacy: bool = False) -> None:
        super().__init__(file, protocol)
        self.legacy = legacy  # the pre-1.6 format's ids carry a sixth field (view metadata)
        self.records: list[_StorageRecord] = []
        self._by_buffer: dict[int, _StorageRecord] = {}

    def save(self, obj: Any, save_persistent_id: bool = True) -> None:
        if type(obj) is dtypes.dtype:
            obj = _TORCH_GLOBALS[obj.name]
        if type(obj) is _Global:
            memo = self.memo.get(id(obj))
            if memo is not None:
                self.write(self.get(memo[0]))
                return
            self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
            self.memoize(obj)
            return
        super().save(obj, save_persistent_id)

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) is _StorageRecord:
            if obj.dtype_name in _UNTYPED_DTYPES:
                nbytes = obj.numel * obj.array.itemsize
                return ("storage", _UNTYPED_STORAGE, obj.key, "cpu", nbytes)
            storage_type = _TORCH_GLOBALS[_STORAGE_OF[obj.dtype_name]]
            if self.legacy:
                return ("storage", storage_type, obj.key, "cpu", obj.numel, None)
            return ("storage", storage_type, obj.key, "cpu", obj.numel)
        return None

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Tensor):
            from microtensor.nn.parameter import Parameter

            if isinstance(obj, Parameter):
                data = Tensor._make(obj._data)
                return _REBUILD_PARAMETER, (data, obj._requires_grad, OrderedDict())
            record, offset, stride = self._storage_of(obj._data)
            shape = tuple(obj._data.shape)
            if record.dtype_name in _UNTYPED_DTYPES:
                hooks: OrderedDict[str, Any] = OrderedDict()
                return _REBUILD_TENSOR_V3, (record, offset, shape, stride, False, hooks, obj.dtype)
            return _REBUILD_TENSOR, (
                record,
                offset,
                shape,
                stride,
                obj._requires_grad,
                OrderedDict(),
            )
        if isinstance(obj, Size):
            return _TORCH_SIZE, (tuple(obj),)
        if isinstance(obj, device):
            return _TORCH_DEVICE, (str(obj),)
        return NotImplemented

    def _storage_of(self, array: np.ndarray) -> tuple[_StorageRecord, int, tuple[int, ...]]:
        """The storage of ``array`` (shared with other views of its buffer), offset, strides."""
        base = array
        while isinstance(base.base, np.ndarray):
            base = base.base
        itemsize = array.dtype.itemsize
        offset = array.__array_interface__["data"][0] - base.__array_interface__["data"][0]
        if (
            base.dtype == array.dtype
            and base.flags.c_contiguous
            and offset >= 0
            and offset % itemsize == 0
            and all(s >= 0 and s % itemsize == 0 for s in array.strides)
        ):
            record = self._by_buffer.get(id(base))
            if record is None:
                record = self._add_record(base)
            return record, offset // itemsize, tuple(s // itemsize for s in array.strides)
        return self._add_record(np.ascontiguousarray(array)), 0, _contiguous_strides(array.shape)

    def _add_record(self, array: np.ndarray) -> _StorageRecord:
        record = _StorageRecord(str(len(self.records)), array)
        self.records.append(record)
        self._by_buffer[id(array)] = record
        return record


def _contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


def dumps(obj: Any, protocol: int = 2, byteorder_record: bool = True) -> bytes:
    """``obj`` as the bytes of a ``torch.save`` zip archive."""
    pickled = io.BytesIO()
    pickler = _TorchPickler(pickled, protocol)
    pickler.dump(obj)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        _add_record(archive, out, "data.pkl", pickled.getvalue())
        _add_record(archive, out, ".format_version", b"1")
        _add_record(archive, out, ".storage_alignment", str(_ALIGNMENT).encode())
        if byteorder_record:
            _add_record(archive, out, "byteorder", sys.byteorder.encode())
        for record in pickler.records:
            _add_record(archive, out, f"data/{record.key}", record.array.tobytes())
        _add_record(archive, out, "version", b"3\n")
        _add_record(archive, out, ".data/serialization_id", secrets.token_hex(20).encode())
    return out.getvalue()


def _add_record(archive: zipfile.ZipFile, out: io.BytesIO, name: str, data: bytes) -> None:
    """Write one entry, padding its local header so that the data starts 64-byte aligned."""
    info = zipfile.ZipInfo(f"archive/{name}", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    start = out.tell() + _LOCAL_HEADER + len(info.filename.encode()) + 4
    padding = -start % _ALIGNMENT
    info.extra = b"FB" + struct.pack("<H", padding) + b"Z" * padding
    archive.writestr(info, data)
