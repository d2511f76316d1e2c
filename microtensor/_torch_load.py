"""Reading ``torch.save`` zip archives (see ``_torch_format`` for the layout), safely.

``loads`` unpickles ``data.pkl`` with ``_pickle_restricted.RestrictedUnpickler`` and the
allow-list of ``allowed_globals``: PyTorch's names for tensors, storages, dtypes and containers,
each mapped to a microtensor function that checks its arguments (a tensor view is checked to
lie inside its storage). Only ``weights_only=False`` unpickles with the full pickle machinery.
"""

from __future__ import annotations

import io
import pickle
import struct
import sys
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from microtensor import _pickle_restricted, dtypes
from microtensor._device import device
from microtensor._size import Size
from microtensor._torch_format import _LOCAL_HEADER, _MISSING_DTYPES, _STORAGES
from microtensor.tensor import Tensor

# --- the allow-listed functions a checkpoint may call ----------------------------------------


class _LoadedStorage:
    """A storage read from ``data/<key>``: one flat array that its tensors are views of."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array


class _StorageType:
    """What ``torch.FloatStorage`` (and friends) resolve to: just the element dtype."""

    __slots__ = ("dtype",)

    def __init__(self, dtype: dtypes.dtype) -> None:
        self.dtype = dtype


def _rebuild_tensor_v2(
    storage: Any,
    storage_offset: int,
    size: tuple[int, ...],
    stride: tuple[int, ...],
    requires_grad: bool = False,
    backward_hooks: Any = None,
    metadata: Any = None,
) -> Tensor:
    """A tensor viewing ``storage``; every index is checked to lie inside the storage."""
    if not isinstance(storage, _LoadedStorage):
        raise pickle.UnpicklingError(f"_rebuild_tensor_v2: expected a storage, got {storage!r}")
    array = storage.array
    ints = [storage_offset, *size, *stride]
    if len(size) != len(stride) or not all(type(v) is int and v >= 0 for v in ints):
        raise pickle.UnpicklingError(
            f"_rebuild_tensor_v2: invalid view (offset {storage_offset!r}, size {size!r}, "
            f"stride {stride!r})"
        )
    last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True))
    if 0 not in size and last >= array.size:
        raise pickle.UnpicklingError(
            f"_rebuild_tensor_v2: a tensor of size {tuple(size)}, stride {tuple(stride)} and "
            f"offset {storage_offset} reads past the end of its storage of {array.size} elements"
        )
    view = np.lib.stride_tricks.as_strided(
        array[min(storage_offset, array.size) :],
        shape=tuple(size),
        strides=tuple(s * array.itemsize for s in stride),
    )
    t = Tensor._make(view)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_tensor(storage: Any, offset: int, size: Any, stride: Any) -> Tensor:
    return _rebuild_tensor_v2(storage, offset, size, stride)


def _rebuild_parameter(data: Tensor, requires_grad: bool, backward_hooks: Any) -> Tensor:
    from microtensor.nn.parameter import Parameter

    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(
    data: Tensor, requires_grad: bool, backward_hooks: Any, state: Any
) -> Tensor:
    if state:
        raise pickle.UnpicklingError(
            f"_rebuild_parameter_with_state: Parameter attributes {sorted(state)} are not "
            "supported by microtensor"
        )
    return _rebuild_parameter(data, requires_grad, backward_hooks)


def _rebuild_from_type_v2(func: Any, new_type: Any, args: Any, state: Any) -> Any:
    from microtensor.nn.parameter import Parameter

    if func not in (_rebuild_tensor_v2, _rebuild_tensor, _rebuild_parameter):
        raise pickle.UnpicklingError(f"_rebuild_from_type_v2: unexpected function {func!r}")
    result = func(*args)
    if new_type is Parameter and not isinstance(result, Parameter):
        result = Parameter(result, result.requires_grad)
    elif new_type not in (Tensor, Parameter):
        raise pickle.UnpicklingError(f"_rebuild_from_type_v2: unexpected type {new_type!r}")
    if state:
        raise pickle.UnpicklingError("_rebuild_from_type_v2: tensor attributes are not supported")
    return result


def _codecs_encode(text: str, encoding: str = "utf-8") -> bytes:
    """How protocol-2 pickles spell ``bytes``: ``_codecs.encode(str, "latin1")``."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode: only latin1 text is accepted")
    return text.encode("latin1")


def _torch_device(spec: Any, index: Any = None) -> Any:
    name = str(spec) if index is None else f"{spec}:{index}"
    try:
        return device(name)
    except RuntimeError:
        return name  # a GPU device name kept as text: microtensor runs on the CPU


def _parameter_class() -> Any:
    from microtensor.nn.parameter import Parameter

    return Parameter


def allowed_globals() -> dict[str, Any]:
    """The built-in allow-list: PyTorch's names for tensors, storages, dtypes, containers."""
    allowed: dict[str, Any] = {
        "collections.OrderedDict": OrderedDict,
        "builtins.set": set,
        "builtins.frozenset": frozenset,
        "builtins.bytearray": bytearray,
        "builtins.complex": complex,
        "_codecs.encode": _codecs_encode,
        "torch.Size": Size,
        "torch.device": _torch_device,
        "torch.Tensor": Tensor,
        "torch.nn.parameter.Parameter": _parameter_class(),
        "torch._utils._rebuild_tensor": _rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
    }
    for d in dtypes._ALL:
        allowed[f"torch.{d.name}"] = d
    for name, d in _STORAGES.items():
        allowed[f"torch.{name}"] = _StorageType(d)
        allowed[f"torch.storage.{name}"] = allowed[f"torch.{name}"]
    return allowed


# --- the archive -----------------------------------------------------------------------------


class _Reader:
    """Reads one archive's records; resolves storages (shared by key, mmapped if asked)."""

    def __init__(
        self, source: bytes | str, name: str, map_location: Any, mmap_path: str | None
    ) -> None:
        self.name = name
        self.map_location = map_location
        self.mmap_path = mmap_path
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        except zipfile.BadZipFile as e:
            raise RuntimeError(f"load(): {name} is a corrupt zip checkpoint: {e}") from None
        names = self.zip.namelist()
        pickles = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
        if not pickles:
            raise RuntimeError(
                f"load(): {name} is a zip file but not a torch.save checkpoint (no data.pkl)"
            )
        self.prefix = pickles[0][: -len("data.pkl")]
        if f"{self.prefix}constants.pkl" in names:
            raise RuntimeError(
                f"load(): {name} is a TorchScript archive (torch.jit.save); microtensor reads "
                "torch.save checkpoints only"
            )
        byteorder = self._read_optional("byteorder") or b"little"
        self.swap = byteorder.decode().strip() != sys.byteorder
        self.storages: dict[str, _LoadedStorage] = {}

    def _read_optional(self, record: str) -> bytes | None:
        try:
            return self.zip.read(self.prefix + record)
        except KeyError:
            return None

    def pickle_bytes(self) -> bytes:
        return self.zip.read(self.prefix + "data.pkl")

    def persistent_load(self, pid: Any) -> _LoadedStorage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r} in {self.name}")
        _, storage_type, key, location, numel = pid
        if not isinstance(storage_type, _StorageType):
            raise pickle.UnpicklingError(f"unsupported storage type {storage_type!r}")
        if not isinstance(key, str) or type(numel) is not int or numel < 0:
            raise pickle.UnpicklingError(f"invalid storage id {pid!r} in {self.name}")
        self._check_location(str(location))
        if key not in self.storages:
            self.storages[key] = _LoadedStorage(self._read_storage(key, storage_type.dtype, numel))
        return self.storages[key]

    def _check_location(self, location: str) -> None:
        if location.startswith("cpu") or callable(self.map_location):
            return
        target = self.map_location
        if isinstance(target, dict):
            target = target.get(location)
        if target is None or not str(target).startswith("cpu"):
            raise RuntimeError(
                f"load(): {self.name} holds tensors saved on {location}; microtensor runs on the "
                "CPU only: pass map_location='cpu' (or map_location=microtensor.device('cpu')) "
                "to load them onto the CPU"
            )

    def _read_storage(self, key: str, dtype: dtypes.dtype, numel: int) -> np.ndarray:
        record = f"{self.prefix}data/{key}"
        try:
            info = self.zip.getinfo(record)
        except KeyError:
            raise RuntimeError(
                f"load(): {self.name} is corrupt: record {record} is missing"
            ) from None
        np_dtype = (
            dtype.numpy.newbyteorder(">" if sys.byteorder == "little" else "<")
            if (self.swap)
            else dtype.numpy
        )
        if info.file_size != numel * dtype.itemsize:
            raise RuntimeError(
                f"load(): {self.name} is corrupt: storage {key} should hold {numel} "
                f"{dtype.name} elements ({numel * dtype.itemsize} bytes) but has {info.file_size}"
            )
        if (
            self.mmap_path is not None
            and info.compress_type == zipfile.ZIP_STORED
            and not self.swap
        ):
            return (
                np.memmap(
                    self.mmap_path,
                    dtype=np_dtype,
                    mode="c",
                    offset=self._data_offset(info),
                    shape=(numel,),
                )
                if numel
                else np.zeros(0, np_dtype)
            )
        array = np.frombuffer(bytearray(self.zip.read(record)), dtype=np_dtype)
        return array.astype(dtype.numpy) if self.swap else array

    def _data_offset(self, info: zipfile.ZipInfo) -> int:
        with open(self.mmap_path, "rb") as fh:  # type: ignore[arg-type]
            fh.seek(info.header_offset)
            header = fh.read(_LOCAL_HEADER)
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        return info.header_offset + _LOCAL_HEADER + name_length + extra_length


def _refuse_missing_dtype(module: str, name: str) -> None:
    if module in ("torch", "torch.storage") and name in _MISSING_DTYPES:
        raise pickle.UnpicklingError(
            f"torch.{name}: the file holds a tensor or dtype that microtensor does not have "
            f"(microtensor's dtypes: {', '.join(d.name for d in dtypes._ALL)}); convert it in "
            "torch before saving, e.g. tensor.float()"
        )


class _TorchUnpickler(_pickle_restricted.RestrictedUnpickler):
    """The restricted unpickler, with a clear error for PyTorch dtypes microtensor lacks."""

    def find_class(self, module: str, name: str) -> Any:
        _refuse_missing_dtype(module, name)
        return super().find_class(module, name)


class _FullUnpickler(pickle.Unpickler):
    """``weights_only=False``: any global, with PyTorch's tensor names mapped to microtensor."""

    def __init__(self, file: Any, reader: _Reader) -> None:
        super().__init__(file)
        self._reader = reader
        self._torch_names = allowed_globals()

    def find_class(self, module: str, name: str) -> Any:
        _refuse_missing_dtype(module, name)
        full_name = f"{module}.{name}"
        if full_name in self._torch_names:
            return self._torch_names[full_name]
        return super().find_class(module, name)

    def persistent_load(self, pid: Any) -> Any:
        return self._reader.persistent_load(pid)


def loads(
    data: bytes | str, name: str, map_location: Any, weights_only: bool, mmap_path: str | None
) -> Any:
    """The object in a ``torch.save`` zip archive (``data``: the file's bytes or its path)."""
    reader = _Reader(data, name, map_location, mmap_path)
    pickled = reader.pickle_bytes()
    if not weights_only:
        return _FullUnpickler(io.BytesIO(pickled), reader).load()
    try:
        _pickle_restricted.refuse_extension_opcodes(pickled)
        unpickler = _TorchUnpickler(io.BytesIO(pickled), allowed_globals(), reader.persistent_load)
        return unpickler.load()
    except pickle.UnpicklingError as e:
        raise pickle.UnpicklingError(
            f"Weights only load failed for {name}. {e}\nRe-running `microtensor.load` with "
            "`weights_only=False` will likely succeed, but it can result in arbitrary code "
            "execution. Do it only if you got the file from a trusted source."
        ) from None


def unsafe_globals(data: bytes, name: str) -> list[str]:
    """The globals of a ``torch.save`` archive that the allow-lists do not cover."""
    pickled = _Reader(data, name, None, None).pickle_bytes()
    allowed = allowed_globals().keys() | _pickle_restricted.user_allowed().keys()
    return [g for g in _pickle_restricted.globals_in(pickled) if g not in allowed]
