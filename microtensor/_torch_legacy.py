"""PyTorch's legacy checkpoint format (before 1.6, ``_use_new_zipfile_serialization=False``).

A legacy file is five pickles and the raw storages, one after the other: the magic number
``0x1950A86A20F9469CFC6C``, the protocol version 1001, a dict of system information, the
object itself (a storage is the persistent id ``("storage", torch.FloatStorage, key, "cpu",
numel, None)``), and the sorted list of storage keys; then, for each key in that order, the
element count as a little-endian int64 and the storage's bytes, little-endian.

Reading goes through the same allow-list unpickler as the zip format; every storage's size is
checked against the bytes the file holds before any memory is set aside for it.
"""

from __future__ import annotations

import io
import pickle
import struct
import sys
from typing import Any

import numpy as np

from microtensor import _torch_format, _torch_load
from microtensor._checkpoint_error import refuse

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
# what a protocol-2 legacy file starts with: the pickled magic number (torch writes protocol 2)
MAGIC_PREFIX = b"\x80\x02\x8a\x0a" + MAGIC_NUMBER.to_bytes(10, "little")
_SYS_INFO = {
    "protocol_version": PROTOCOL_VERSION,
    "little_endian": sys.byteorder == "little",
    "type_sizes": {"short": 2, "int": 4, "long": 4},
}


def dumps(obj: Any, protocol: int = 2) -> bytes:
    """``obj`` in torch's legacy format, as ``torch.save(_use_new_zipfile_serialization=False)``."""
    out = io.BytesIO()
    for header in (MAGIC_NUMBER, PROTOCOL_VERSION, _SYS_INFO):
        pickle.dump(header, out, protocol=protocol)
    pickler = _torch_format._TorchPickler(out, protocol, legacy=True)
    pickler.dump(obj)
    records = {record.key: record for record in pickler.records}
    keys = sorted(records)
    pickle.dump(keys, out, protocol=protocol)
    for key in keys:
        array = records[key].array
        out.write(struct.pack("<q", array.size))
        out.write(array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes())
    return out.getvalue()


class _Storages:
    """The storages a legacy file's pickle names; their bytes come after the pickle."""

    def __init__(self, name: str, file_size: int, map_location: Any) -> None:
        self.name = name
        self.bytes_left = file_size  # no storage may claim bytes the file does not have
        self.map_location = map_location
        self.roots: dict[str, _torch_load._LoadedStorage] = {}
        self.views: dict[str, _torch_load._LoadedStorage] = {}

    def persistent_load(self, pid: Any) -> _torch_load._LoadedStorage:
        if not (type(pid) is tuple and len(pid) == 6 and pid[0] == "storage"):
            raise refuse(self.name, f"is corrupt: unsupported persistent id {pid!r}")
        _, storage_type, key, location, numel, view = pid
        dtype = _torch_load.storage_type_of(storage_type, self.name)
        if not isinstance(key, str) or type(numel) is not int or numel < 0:
            raise refuse(self.name, f"is corrupt: invalid storage id {pid!r}")
        _torch_load.check_location(location, self.map_location, self.name)
        root = self.roots.get(key)
        if root is None:
            nbytes = numel * dtype.itemsize
            if nbytes + 8 > self.bytes_left:
                raise refuse(
                    self.name,
                    f"is corrupt or truncated: storage {key} declares {numel} {dtype.name} "
                    f"elements ({nbytes} bytes) but the file has only {self.bytes_left} more",
                )
            self.bytes_left -= nbytes + 8
            root = self.roots[key] = _torch_load._LoadedStorage(np.zeros(numel, dtype.numpy))
        elif root.array.dtype != dtype.numpy or root.array.size != numel:
            raise refuse(self.name, f"is corrupt: storage {key} is named with two layouts")
        return root if view is None else self._view(root, view)

    def _view(self, root: Any, view: Any) -> _torch_load._LoadedStorage:
        """A storage view of the oldest files: ``(view_key, offset, numel)`` into ``root``."""
        if not (type(view) is tuple and len(view) == 3 and isinstance(view[0], str)):
            raise refuse(self.name, f"is corrupt: invalid storage view {view!r}")
        key, offset, numel = view
        if not (type(offset) is int and type(numel) is int and 0 <= offset):
            raise refuse(self.name, f"is corrupt: invalid storage view {view!r}")
        if offset + numel > root.array.size or numel < 0:
            raise refuse(self.name, f"is corrupt: storage view {view!r} exceeds its storage")
        if key not in self.views:
            self.views[key] = _torch_load._LoadedStorage(root.array[offset : offset + numel])
        return self.views[key]

    def fill(self, data: bytes, position: int, keys: Any) -> None:
        """Copy each storage's bytes, in the order of ``keys``, from ``data[position:]``."""
        if (
            type(keys) is not list
            or not all(type(k) is str for k in keys)
            or sorted(keys) != sorted(self.roots)
        ):
            raise refuse(self.name, "is corrupt: its storage key list does not match its pickle")
        for key in keys:
            array = self.roots[key].array
            header = data[position : position + 8]
            if len(header) != 8 or struct.unpack("<q", header)[0] != array.size:
                raise refuse(
                    self.name, f"is corrupt: storage {key} should start with its size {array.size}"
                )
            position += 8
            nbytes = array.size * array.itemsize
            chunk = data[position : position + nbytes]
            if len(chunk) != nbytes:
                raise refuse(self.name, f"is truncated inside storage {key}")
            array[...] = np.frombuffer(chunk, array.dtype.newbyteorder("<"))
            position += nbytes


def loads(data: bytes, name: str, map_location: Any, weights_only: bool, **pickle_args: Any) -> Any:
    """The object in a legacy ``torch.save`` file (``data``: its bytes)."""
    storages = _Storages(name, len(data), map_location)
    stream = io.BytesIO(data)  # the pickles are read one after the other, without copies
    no_storages = _no_storages(name)

    def next_pickle(persistent_load: Any = no_storages) -> Any:
        if weights_only:
            return _torch_load.restricted_load(stream, persistent_load, name, **pickle_args)
        return _torch_load.FullUnpickler(stream, persistent_load, **pickle_args).load()

    try:
        if next_pickle() != MAGIC_NUMBER:
            raise refuse(name, "is not a torch.save file: invalid magic number; corrupt file?")
        version = next_pickle()
        if version != PROTOCOL_VERSION:
            raise refuse(name, f"is corrupt: invalid legacy protocol version {version!r}")
        if not isinstance(next_pickle(), dict):
            raise refuse(name, "is corrupt: its system information is not a dict")
        result = next_pickle(storages.persistent_load)
        keys = next_pickle()
    except RecursionError:
        raise refuse(name, "is nested too deeply to load") from None
    storages.fill(data, stream.tell(), keys)
    return result


def _no_storages(name: str) -> Any:
    def persistent_load(pid: Any) -> Any:
        raise refuse(name, f"is corrupt: a header pickle names a storage {pid!r}")

    return persistent_load
