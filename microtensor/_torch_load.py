"""Reading ``torch.save`` zip archives (see ``_torch_format`` for the layout), safely.

``loads`` unpickles ``data.pkl`` with ``_pickle_restricted.RestrictedUnpickler`` and the
allow-list of ``allowed_globals``: PyTorch's names for tensors, storages, dtypes and containers,
each mapped to a microtensor function that checks its arguments (a tensor view is checked to
lie inside its storage). Only ``weights_only=False`` unpickles with the full pickle machinery.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import sys
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from microtensor import _pickle_restricted, dtypes
from microtensor._checkpoint_error import CheckpointError, refuse
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

    __slots__ = ("dtype", "name")

    def __init__(self, dtype: dtypes.dtype, name: str = "") -> None:
        self.dtype = dtype
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


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
    if type(requires_grad) is not bool:
        raise pickle.UnpicklingError(f"_rebuild_tensor_v2: requires_grad={requires_grad!r}")
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_tensor_v3(
    storage: Any, offset: int, size: Any, stride: Any, requires_grad: bool, hooks: Any, dtype: Any,
    metadata: Any = None,
) -> Tensor:  # fmt: skip
    """A tensor of ``dtype`` viewing the bytes of an untyped storage (uint16/32/64 tensors)."""
    array = storage.array if isinstance(storage, _LoadedStorage) else None
    if array is None or not isinstance(dtype, dtypes.dtype) or array.dtype != np.uint8:
        raise pickle.UnpicklingError(
            f"_rebuild_tensor_v3: expected a storage and a dtype, got {storage!r}, {dtype!r}"
        )
    if array.size % dtype.itemsize:
        raise pickle.UnpicklingError(
            f"_rebuild_tensor_v3: a storage of {array.size} bytes cannot hold {dtype} elements"
        )
    # a view of the bytes, shared with the other tensors of the storage
    return _rebuild_tensor_v2(
        _LoadedStorage(array.view(dtype.numpy)), offset, size, stride, requires_grad
    )


def _rebuild_tensor(storage: Any, offset: int, size: Any, stride: Any) -> Tensor:
    return _rebuild_tensor_v2(storage, offset, size, stride)


def _rebuild_parameter(data: Tensor, requires_grad: bool, backward_hooks: Any) -> Tensor:
    from microtensor.nn.parameter import Parameter

    if type(data) is not Tensor or type(requires_grad) is not bool:
        raise pickle.UnpicklingError(
            f"_rebuild_parameter: expected a tensor and a bool, got {type(data).__name__} and "
            f"{type(requires_grad).__name__}"
        )
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


class _TypeName:
    """What ``torch.Tensor`` and ``Parameter`` resolve to: a name to compare, not a class.

    A file may only pass them to ``_rebuild_from_type_v2``; REDUCE or NEWOBJ on them (which
    would allocate a tensor of any size the file asks for) is refused.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __call__(self, *args: Any) -> None:
        raise pickle.UnpicklingError(
            f"{self.name} may only be named as the type given to _rebuild_from_type_v2, not "
            "called (a pickle calling it asks for a tensor of any size it likes)"
        )


_TENSOR = _TypeName("torch.Tensor")
_PARAMETER = _TypeName("torch.nn.parameter.Parameter")


def _rebuild_from_type_v2(func: Any, new_type: Any, args: Any, state: Any) -> Any:
    from microtensor.nn.parameter import Parameter

    if func not in (_rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_tensor, _rebuild_parameter):
        raise pickle.UnpicklingError(f"_rebuild_from_type_v2: unexpected function {func!r}")
    if new_type not in (_TENSOR, Tensor, _PARAMETER, Parameter):
        raise pickle.UnpicklingError(f"_rebuild_from_type_v2: unexpected type {new_type!r}")
    if type(args) is not tuple:
        raise pickle.UnpicklingError(f"_rebuild_from_type_v2: arguments {args!r} not a tuple")
    result = func(*args)
    if new_type in (_PARAMETER, Parameter) and not isinstance(result, Parameter):
        result = Parameter(result, result.requires_grad)
    if state:
        raise pickle.UnpicklingError("_rebuild_from_type_v2: tensor attributes are not supported")
    return result


def _codecs_encode(text: str, encoding: str = "utf-8") -> bytes:
    """How protocol-2 pickles spell ``bytes``: ``_codecs.encode(str, "latin1")``."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode: only latin1 text is accepted")
    return text.encode("latin1")


def _bytearray(source: Any = b"", encoding: Any = None) -> bytearray:
    """``bytearray`` as pickles spell it (from bytes, or latin-1 text); never from a size."""
    if isinstance(source, bytes) and encoding is None:
        return bytearray(source)
    if isinstance(source, str) and encoding in ("latin1", "latin-1"):
        return bytearray(source, "latin-1")
    raise pickle.UnpicklingError("bytearray: only bytes or latin-1 text are accepted")


def _torch_device(spec: Any, index: Any = None) -> Any:
    if not isinstance(spec, str) or not (index is None or type(index) is int):
        raise pickle.UnpicklingError(f"torch.device: invalid arguments {spec!r}, {index!r}")
    name = str(spec) if index is None else f"{spec}:{index}"
    try:
        return device(name)
    except RuntimeError:
        return name  # a GPU device name kept as text: microtensor runs on the CPU


def allowed_globals() -> dict[str, Any]:
    """The built-in allow-list: PyTorch's names for tensors, storages, dtypes, containers."""
    allowed: dict[str, Any] = {
        "collections.OrderedDict": OrderedDict,
        "builtins.set": set,
        "builtins.frozenset": frozenset,
        "builtins.bytearray": _bytearray,
        "builtins.complex": complex,
        "_codecs.encode": _codecs_encode,
        "torch.Size": Size,
        "torch.device": _torch_device,
        "torch.Tensor": _TENSOR,
        "torch.nn.parameter.Parameter": _PARAMETER,
        "torch._utils._rebuild_tensor": _rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
    }
    for d in dtypes._ALL:
        allowed[f"torch.{d.name}"] = d
    for name, d in _STORAGES.items():
        allowed[f"torch.{name}"] = _StorageType(d, name)
        allowed[f"torch.storage.{name}"] = allowed[f"torch.{name}"]
    return allowed


# --- the archive -----------------------------------------------------------------------------

# torch.save writes stored (uncompressed) records; a deflated one may inflate to at most this
# many times the archive's size in all, so that a deflate bomb is refused before it is read
_MAX_INFLATION = 2


def check_location(location: Any, map_location: Any, name: str) -> None:
    """Refuse a storage saved on a GPU unless ``map_location`` sends it to the CPU."""
    if not isinstance(location, str):
        raise refuse(name, f"is corrupt: storage location {location!r} is not a device name")
    if location.startswith("cpu") or callable(map_location):
        return
    target = map_location.get(location) if isinstance(map_location, dict) else map_location
    if target is None or not str(target).startswith("cpu"):
        raise refuse(
            name,
            f"holds tensors saved on {location}; microtensor runs on the CPU only: pass "
            "map_location='cpu' (or map_location=microtensor.device('cpu')) to load them onto "
            "the CPU",
        )


def storage_type_of(storage_type: Any, name: str) -> dtypes.dtype:
    """The dtype of a persistent id's storage type (``torch.FloatStorage``...)."""
    if not isinstance(storage_type, _StorageType):
        raise refuse(name, f"is corrupt: unsupported storage type {storage_type!r}")
    return storage_type.dtype


class _Reader:
    """Reads one archive's records; resolves storages (shared by key, mmapped if asked)."""

    def __init__(
        self, source: bytes | str, name: str, map_location: Any, mmap_path: str | None
    ) -> None:
        self.name = name
        self.map_location = map_location
        self.mmap_path = mmap_path
        self.size = len(source) if isinstance(source, bytes) else os.path.getsize(source)
        self.inflate_budget = _MAX_INFLATION * self.size
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        except MemoryError:
            raise
        except Exception as e:  # noqa: BLE001 - zipfile's errors for a corrupt central directory
            raise refuse(name, f"is a corrupt zip checkpoint ({type(e).__name__}: {e})") from None
        names = self.zip.namelist()
        if len(set(names)) != len(names):
            raise refuse(name, "is corrupt: it holds two records of one name (which is meant?)")
        pickles = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
        if not pickles:
            raise refuse(name, "is a zip file but not a torch.save checkpoint (no data.pkl)")
        self.prefix = pickles[0][: -len("data.pkl")]
        if f"{self.prefix}constants.pkl" in names:
            raise refuse(
                name,
                "is a TorchScript archive (torch.jit.save); microtensor reads torch.save "
                "checkpoints only",
            )
        byteorder = self._read_optional("byteorder") or b"little"
        if byteorder not in (b"little", b"big"):
            raise refuse(name, f"is corrupt: its byteorder record says {byteorder[:20]!r}")
        self.swap = byteorder.decode() != sys.byteorder
        self.storages: dict[str, _LoadedStorage] = {}

    def read(self, record: str) -> bytes:
        """The bytes of ``record``, once its declared size is known to be present."""
        try:
            info = self.zip.getinfo(record)
        except KeyError:
            raise refuse(self.name, f"is corrupt: record {record} is missing") from None
        if info.compress_type == zipfile.ZIP_STORED:
            if info.compress_size != info.file_size or info.file_size > self.size:
                raise refuse(
                    self.name,
                    f"is corrupt or truncated: record {record} declares {info.file_size} "
                    f"bytes but the archive has only {self.size}",
                )
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            if info.file_size > self.inflate_budget:
                raise refuse(
                    self.name,
                    f"is refused: its deflated record {record} would inflate from "
                    f"{info.compress_size} to {info.file_size} bytes, more than "
                    f"{_MAX_INFLATION}x the archive's size (a zip bomb?); torch.save writes "
                    "uncompressed records",
                )
            self.inflate_budget -= info.file_size
        else:
            raise refuse(
                self.name,
                f"is refused: record {record} uses zip compression method "
                f"{info.compress_type}; torch.save writes uncompressed records",
            )
        try:
            return self.zip.read(info)
        except MemoryError:
            raise
        except Exception as e:  # noqa: BLE001 - zipfile's errors for corrupt, encrypted, patched...
            raise refuse(
                self.name, f"is corrupt: record {record} cannot be read ({type(e).__name__}: {e})"
            ) from None

    def _read_optional(self, record: str) -> bytes | None:
        if self.prefix + record not in self.zip.NameToInfo:
            return None
        return self.read(self.prefix + record)

    def pickle_bytes(self) -> bytes:
        return self.read(self.prefix + "data.pkl")

    def persistent_load(self, pid: Any) -> _LoadedStorage:
        if not (type(pid) is tuple and len(pid) == 5 and pid[0] == "storage"):
            raise refuse(self.name, f"is corrupt: unsupported persistent id {pid!r}")
        _, storage_type, key, location, numel = pid
        dtype = storage_type_of(storage_type, self.name)
        if not isinstance(key, str) or type(numel) is not int or numel < 0:
            raise refuse(self.name, f"is corrupt: invalid storage id {pid!r}")
        check_location(location, self.map_location, self.name)
        if key not in self.storages:
            self.storages[key] = _LoadedStorage(self._read_storage(key, dtype, numel))
        elif self.storages[key].array.dtype != dtype.numpy:
            raise refuse(self.name, f"is corrupt: storage {key} is named with two dtypes")
        return self.storages[key]

    def _read_storage(self, key: str, dtype: dtypes.dtype, numel: int) -> np.ndarray:
        record = f"{self.prefix}data/{key}"
        info = self.zip.NameToInfo.get(record)
        if info is None:
            raise refuse(self.name, f"is corrupt: record {record} is missing")
        if info.file_size != numel * dtype.itemsize:
            raise refuse(
                self.name,
                f"is corrupt: storage {key} should hold {numel} {dtype.name} elements "
                f"({numel * dtype.itemsize} bytes) but has {info.file_size}",
            )
        order = ">" if self.swap == (sys.byteorder == "little") else "<"
        bits = dtypes.uint16 if dtype is dtypes.bfloat16 else dtype  # bfloat16 read as its bits
        np_dtype = bits.numpy.newbyteorder(order) if bits.itemsize > 1 else bits.numpy
        if (
            self.mmap_path is not None
            and info.compress_type == zipfile.ZIP_STORED
            and not self.swap
        ):
            array = self._mapped(info, np_dtype, numel)
        else:
            array = np.frombuffer(bytearray(self.read(record)), dtype=np_dtype)
            array = array.astype(bits.numpy) if self.swap else array
        return array if bits is dtype else array.view(dtype.numpy)

    def _mapped(self, info: zipfile.ZipInfo, np_dtype: np.dtype, numel: int) -> np.ndarray:
        path = self.mmap_path
        if numel == 0 or path is None:
            return np.zeros(0, np_dtype)
        offset = self._data_offset(info)
        if offset + info.file_size > self.size:
            raise refuse(self.name, f"is truncated: record {info.filename} ends past the file")
        return np.memmap(path, dtype=np_dtype, mode="c", offset=offset, shape=(numel,))

    def _data_offset(self, info: zipfile.ZipInfo) -> int:
        with open(self.mmap_path, "rb") as fh:  # type: ignore[arg-type]
            fh.seek(info.header_offset)
            header = fh.read(_LOCAL_HEADER)
        if len(header) != _LOCAL_HEADER or header[:4] != b"PK\x03\x04":
            raise refuse(self.name, f"is corrupt: bad local header for {info.filename}")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        return info.header_offset + _LOCAL_HEADER + name_length + extra_length


def refuse_missing_dtype(module: str, name: str) -> None:
    """A clear error for a PyTorch dtype or storage that microtensor lacks."""
    if module in ("torch", "torch.storage") and name in _MISSING_DTYPES:
        raise pickle.UnpicklingError(
            f"torch.{name}: the file holds a tensor or dtype that microtensor does not have "
            f"(microtensor's dtypes: {', '.join(d.name for d in dtypes._ALL)}); convert it in "
            "torch before saving, e.g. tensor.float()"
        )


class TorchUnpickler(_pickle_restricted.RestrictedUnpickler):
    """The restricted unpickler, with a clear error for PyTorch dtypes microtensor lacks."""

    def find_class(self, module: str, name: str) -> Any:
        """The allow-listed object ``module.name``; never imports anything."""
        refuse_missing_dtype(module, name)
        return super().find_class(module, name)


class FullUnpickler(pickle.Unpickler):
    """``weights_only=False``: any global, with PyTorch's tensor names mapped to microtensor."""

    def __init__(self, file: Any, persistent_load: Any, **pickle_args: Any) -> None:
        from microtensor.nn.parameter import Parameter

        super().__init__(file, **pickle_args)
        self._persistent = persistent_load
        self._torch_names = allowed_globals()
        self._torch_names.update(
            {"torch.Tensor": Tensor, "torch.nn.parameter.Parameter": Parameter}
        )

    def find_class(self, module: str, name: str) -> Any:
        """PyTorch's tensor names mapped to microtensor; any other global imported."""
        refuse_missing_dtype(module, name)
        full_name = f"{module}.{name}"
        if full_name in self._torch_names:
            return self._torch_names[full_name]
        return super().find_class(module, name)

    def persistent_load(self, pid: Any) -> Any:
        """Delegate to the checkpoint reader (storages)."""
        return self._persistent(pid)


def restricted_load(stream: io.BytesIO, persistent_load: Any, name: str, **pickle_args: Any) -> Any:
    """Unpickle the next object of ``stream`` with the allow-list.

    Every failure, whatever the bytes were, is a ``CheckpointError`` naming ``name``.
    """
    try:
        unpickler = TorchUnpickler(stream, allowed_globals(), persistent_load, **pickle_args)
        return unpickler.load()
    except CheckpointError:
        raise
    except MemoryError:
        raise  # a real file larger than memory (declared sizes were checked against the file)
    except EOFError:
        raise refuse(name, "holds a truncated pickle (it ends before its STOP opcode)") from None
    except pickle.UnpicklingError as e:
        raise CheckpointError(
            f"Weights only load failed for {name}. {e}\nRe-running `microtensor.load` with "
            "`weights_only=False` will likely succeed, but it can result in arbitrary code "
            "execution. Do it only if you got the file from a trusted source."
        ) from None
    except Exception as e:  # noqa: BLE001 - any fault of a hostile or corrupt pickle
        raise refuse(name, f"holds a corrupt pickle: {type(e).__name__}: {e}") from None


def loads(
    data: bytes | str,
    name: str,
    map_location: Any,
    weights_only: bool,
    mmap_path: str | None,
    **pickle_args: Any,
) -> Any:
    """The object in a ``torch.save`` zip archive (``data``: the file's bytes or its path)."""
    reader = _Reader(data, name, map_location, mmap_path)
    pickled = reader.pickle_bytes()
    if not weights_only:
        return FullUnpickler(io.BytesIO(pickled), reader.persistent_load, **pickle_args).load()
    try:
        return restricted_load(io.BytesIO(pickled), reader.persistent_load, name, **pickle_args)
    except RecursionError:
        raise refuse(name, "is nested too deeply to load") from None


def unsafe_globals(data: bytes, name: str) -> list[str]:
    """The globals of a ``torch.save`` archive that the allow-lists do not cover."""
    pickled = _Reader(data, name, None, None).pickle_bytes()
    allowed = allowed_globals().keys() | _pickle_restricted.user_allowed().keys()
    return [g for g in _pickle_restricted.globals_in(pickled) if g not in allowed]
