"""``save`` / ``load``: safetensors for plain nests of tensors, torch's zip format for the rest.

Two file formats:

* **safetensors** (the default for state dicts and other nests of tensors and plain values, at
  any path not ending in ``.pt``/``.pth``): a standard safetensors file. Its tensors are the
  tensor leaves of the saved object, each named by its path (``"state.0.exp_avg"``; a flat module
  state dict keeps its own keys, so ``safetensors.torch.load_file`` reads it straight into a
  torch module). Its ``__metadata__`` holds, under ``"microtensor"``, a JSON tree of the object:
  containers and plain values inline, tensors as references to their names. Loading parses JSON
  and copies bytes: it runs no code.
* **torch's zip format** (``.pt``/``.pth`` paths, and objects safetensors cannot describe, such
  as a whole ``nn.Module``): what ``torch.save`` writes, so ``torch.load`` reads it with its
  default ``weights_only=True`` (written by ``_torch_format``). Loading such a file, also one
  written by ``torch.save``, goes through an allow-list unpickler (``_torch_load``,
  ``_pickle_restricted``): a file can rebuild tensors, containers, numbers, strings, ``Size``
  and dtypes, and call nothing else unless the caller lists it with ``add_safe_globals`` /
  ``safe_globals``.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import pickle
import secrets
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from typing import IO, Any

import numpy as np

from microtensor import _torch_format, _torch_load
from microtensor._pickle_restricted import (
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    safe_globals,
)
from microtensor.tensor import Tensor

__all__ = [
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "get_unsafe_globals_in_checkpoint",
    "load",
    "safe_globals",
    "save",
]

_METADATA_KEY = "microtensor"
_VERSION = 1
# dtypes that both safetensors and microtensor support (BF16 and unsigned wide ints are not)
_DTYPES = {"F16", "F32", "F64", "U8", "I8", "I16", "I32", "I64", "BOOL"}
_NUMPY_KINDS = {np.dtype(t) for t in ("f2", "f4", "f8", "u1", "i1", "i2", "i4", "i8", "?")}
_CHUNK = 1 << 20
_TORCH_SUFFIXES = (".pt", ".pth")
# what torch.save writes first in its legacy (pre-1.6, non-zip) format: a pickled magic number
_LEGACY_MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"
_UNSAFE_WARNING = (
    "You are using `microtensor.load` with `weights_only=False`, which uses the default pickle "
    "module implicitly. It is possible to construct malicious pickle data which will execute "
    "arbitrary code during unpickling (See "
    "https://github.com/pytorch/pytorch/blob/main/SECURITY.md#untrusted-models for more "
    "details). Do it only if you got the file from a trusted source; otherwise load with "
    "`weights_only=True` (the default), allowlisting your own classes with "
    "`microtensor.serialization.add_safe_globals`."
)
_MAX_HEADER = 100 << 20


def save(obj: Any, f: str | os.PathLike[str] | IO[bytes], pickle_protocol: int = 2) -> None:
    """Save a tensor, a state dict, a checkpoint dict or a whole module, as ``torch.save``.

    A nest of dicts (any hashable scalar or tuple keys; ``OrderedDict`` order is kept), lists
    and tuples, with Tensors, NumPy arrays, ints, floats (inf/nan too), strings, bools and None as
    leaves (module and optimizer ``state_dict()``s, checkpoint dicts) is written as a plain
    safetensors file, readable by ``safetensors.torch.load_file`` with PyTorch's key names.
    Anything else (a whole ``nn.Module``, a set, a ``Size``...), and any object saved to a path
    ending in ``.pt`` or ``.pth``, is written in ``torch.save``'s zip format, which
    ``torch.load(f)`` reads with its default ``weights_only=True`` (a whole module needs
    ``weights_only=False`` or allowlisted classes there, as with torch's own modules).

    A path is written atomically: into a temporary file in the same directory, flushed and
    fsynced, then renamed over ``f``; a crash mid-save leaves any old file intact.

    Args:
        obj: what to save.
        f: a path, or a binary file object open for writing (written in place, not atomically).
        pickle_protocol: the pickle protocol of torch's format (PyTorch's default, 2).

    Raises:
        TypeError: for a bad ``f``, or an object that cannot be pickled (a lambda, a local
            class) where the zip format is used.

    Differs from PyTorch: in the safetensors format, Parameters are stored as plain tensors and
    tensors that share memory are stored separately (torch's format keeps both).

    Example:
        >>> import io, microtensor as mt
        >>> buffer = io.BytesIO()
        >>> save({"weight": mt.ones(2, 2), "step": 3}, buffer)
        >>> _ = buffer.seek(0)
        >>> load(buffer)
        {'weight': tensor([[1., 1.],
                [1., 1.]]), 'step': 3}
    """
    target = f if isinstance(f, str | os.PathLike) else getattr(f, "name", "")
    data = None
    if not str(target).lower().endswith(_TORCH_SUFFIXES):
        data = _safetensors_bytes(obj)
    if data is None:
        data = _torch_bytes(obj, pickle_protocol)
    if isinstance(f, str | os.PathLike):
        # realpath: a symlink keeps pointing at the (replaced) file it pointed at
        _atomic_write(os.path.realpath(os.fspath(f)), data)
    elif isinstance(f, io.TextIOBase):
        raise TypeError("save(): the file object must be opened in binary mode ('wb')")
    elif callable(getattr(f, "write", None)):
        _write_bytes(f, data)
        if callable(getattr(f, "flush", None)):
            f.flush()
    else:
        raise TypeError(f"save(): f must be a path or a binary file object, got {type(f).__name__}")


def _safetensors_bytes(obj: Any) -> bytes | None:
    """``obj`` as a safetensors file, or None when it is not a plain nest of tensors."""
    tensors: dict[str, np.ndarray] = {}
    try:
        tree = _encode(obj, [], tensors)
    except TypeError:
        return None
    metadata = {"format": "pt", _METADATA_KEY: json.dumps({"version": _VERSION, "tree": tree})}
    import safetensors.numpy  # imported on use: it adds ~10 MB to every process otherwise

    return bytes(safetensors.numpy.save(tensors, metadata=metadata))


def _torch_bytes(obj: Any, protocol: int) -> bytes:
    try:
        return _torch_format.dumps(obj, protocol)
    except (pickle.PicklingError, AttributeError) as e:
        raise TypeError(
            f"save(): cannot save a {type(obj).__name__}: {e} (objects are saved as torch.save "
            "pickles them: functions and classes by their importable name)"
        ) from None


def load(
    f: str | os.PathLike[str] | IO[bytes],
    map_location: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
) -> Any:
    """Load what ``save`` or ``torch.save`` wrote, or the tensors of any safetensors file.

    A file in torch's zip format (from ``torch.save`` or ``save``) is unpickled with an allow-list
    that only rebuilds tensors, storages, containers, numbers, strings, ``Size``, devices and
    dtypes, exactly PyTorch's ``weights_only=True`` promise: the file cannot run code. Extend the
    list for your own classes with ``serialization.add_safe_globals`` or the
    ``serialization.safe_globals`` context manager (needed to load a whole saved module). A
    safetensors file without microtensor's metadata (e.g. from ``safetensors.torch.save_file``)
    loads as ``{name: Tensor}``, ready for ``module.load_state_dict``.

    Args:
        f: a path, or a binary file object open for reading.
        map_location: None or the CPU (``"cpu"``, ``device("cpu")``, or a dict mapping to it);
            tensors saved on a GPU load onto the CPU only through it. Differs from PyTorch: a
            function (``lambda storage, loc: storage``) is accepted but not called: every
            tensor lands on the CPU.
        weights_only: True or None (the default): the allow-list unpickler. False unpickles
            anything, running the code the file names: only for files you trust (a warning
            says so).
        mmap: map the storages of a zip-format file from disk (copy-on-write) instead of
            reading them; needs a path.

    Returns:
        The saved object. Tensors of one storage in a torch-format file share memory, as in
        torch; safetensors tensors are independent; all are writable CPU tensors.

    Raises:
        pickle.UnpicklingError: when a torch-format file names a global outside the allow-list
            (the message says which and how to allow it), or holds a dtype microtensor lacks.
        RuntimeError: for a truncated, corrupt or foreign file (a legacy non-zip ``torch.save``
            file, a TorchScript archive), or tensors saved on a GPU without ``map_location``.
        ValueError: for a ``map_location`` other than the CPU, or ``mmap`` without a path.
        TypeError: if ``f`` is neither a path nor a binary file object.

    Example:
        >>> import io, microtensor as mt
        >>> buffer = io.BytesIO()
        >>> save({"param_groups": [{"lr": 0.1, "betas": (0.9, 0.999)}]}, buffer)
        >>> _ = buffer.seek(0)
        >>> load(buffer)
        {'param_groups': [{'lr': 0.1, 'betas': (0.9, 0.999)}]}
    """
    _check_map_location(map_location)
    if isinstance(f, str | os.PathLike):
        name = os.fspath(f)
        with open(name, "rb") as fh:
            if mmap and fh.read(4) == b"PK\x03\x04":
                restricted = weights_only is not False
                return _torch_load.loads(name, name, map_location, restricted, name)
            fh.seek(0)
            data = fh.read()
    elif callable(getattr(f, "read", None)):
        name = str(getattr(f, "name", type(f).__name__))
        data = b"" if isinstance(f, io.TextIOBase) else f.read()
        if isinstance(f, io.TextIOBase) or not isinstance(data, bytes | bytearray):
            raise TypeError(f"load(): {name} must be opened in binary mode ('rb'), not text mode")
        if mmap:
            raise ValueError("load(): f must be a file path in order to use the mmap argument")
    elif mmap:
        raise TypeError(f"load(): f must be a path or a binary file object, got {type(f).__name__}")
    else:
        raise TypeError(f"load(): f must be a path or a binary file object, got {type(f).__name__}")
    if data[:4] == b"PK\x03\x04":
        if weights_only is False:
            warnings.warn(_UNSAFE_WARNING, UserWarning, stacklevel=2)
        return _torch_load.loads(data, name, map_location, weights_only is not False, None)
    if data.startswith(_LEGACY_MAGIC):
        raise RuntimeError(
            f"load(): {name} is a legacy torch.save file (the pre-1.6 non-zip format), which "
            "microtensor does not read: re-save it with a current torch, "
            "torch.save(torch.load(path, weights_only=True), new_path)"
        )
    return _load_safetensors(data, name)


def get_unsafe_globals_in_checkpoint(f: str | os.PathLike[str] | IO[bytes]) -> list[str]:
    """The globals a torch-format checkpoint names that ``load(weights_only=True)`` would refuse.

    The file is read, not unpickled: nothing in it runs. Pass the ones you trust to
    ``add_safe_globals`` (or ``safe_globals``) to load it.

    Args:
        f: a path, or a binary file object open for reading, of a ``torch.save`` zip archive.

    Returns:
        ``"module.name"`` strings, in the order the file first names them.

    Raises:
        RuntimeError: if ``f`` is not a torch-format (zip) checkpoint.

    Example:
        >>> import io, microtensor as mt
        >>> buffer = io.BytesIO()
        >>> buffer.name = "model.pt"
        >>> save(mt.nn.Linear(2, 2), buffer)
        >>> get_unsafe_globals_in_checkpoint(io.BytesIO(buffer.getvalue()))
        ['microtensor.nn.linear.Linear']
    """
    if isinstance(f, str | os.PathLike):
        name = os.fspath(f)
        with open(name, "rb") as fh:
            data = fh.read()
    else:
        name, data = str(getattr(f, "name", type(f).__name__)), f.read()
    if data[:4] != b"PK\x03\x04":
        raise RuntimeError(
            f"get_unsafe_globals_in_checkpoint(): {name} is not a torch.save zip checkpoint"
        )
    return _torch_load.unsafe_globals(data, name)


def _load_safetensors(data: bytes, name: str) -> Any:
    metadata = _check_header(data, name)
    import safetensors.numpy  # imported on use, as in save

    try:
        arrays = safetensors.numpy.load(data)
    except (safetensors.SafetensorError, ValueError, TypeError) as e:
        raise RuntimeError(f"load(): {name} is a corrupt safetensors file: {e}") from None
    tensors = {key: Tensor._make(_owned(a)) for key, a in arrays.items()}
    if _METADATA_KEY not in metadata:
        return tensors
    try:
        description = json.loads(metadata[_METADATA_KEY])
        version = description["version"]
        tree = description["tree"]
    except (ValueError, KeyError, TypeError) as e:
        raise RuntimeError(f"load(): {name} has corrupt microtensor metadata ({e})") from None
    if version != _VERSION:
        raise RuntimeError(
            f"load(): {name} uses microtensor format version {version!r}; this microtensor "
            f"reads version {_VERSION}: upgrade microtensor"
        )
    try:
        return _decode(tree, tensors)
    except (ValueError, KeyError, TypeError) as e:
        raise RuntimeError(
            f"load(): {name} has corrupt microtensor metadata ({type(e).__name__}: {e}); the "
            "tensors are still readable with safetensors.numpy.load_file"
        ) from None


# --- encoding: object -> (JSON tree, named arrays) -------------------------------------------


def _encode(obj: Any, path: list[str], tensors: dict[str, np.ndarray]) -> Any:
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, Tensor | np.ndarray):
        array = obj._data if isinstance(obj, Tensor) else obj
        if array.dtype not in _NUMPY_KINDS:
            raise TypeError(f"save(): array at '{'.'.join(path)}' has unsupported {array.dtype}")
        key = _unique_key(".".join(path) or "tensor", tensors)
        tensors[key] = array if array.flags.c_contiguous else array.copy(order="C")
        return {"type": "tensor" if isinstance(obj, Tensor) else "ndarray", "key": key}
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"type": "float", "value": repr(obj)}
    if isinstance(obj, Mapping):
        items = [
            [_encode_key(k, path), _encode(v, [*path, str(k)], tensors)] for k, v in obj.items()
        ]
        return {"type": "OrderedDict" if isinstance(obj, OrderedDict) else "dict", "items": items}
    if isinstance(obj, list | tuple):
        items = [_encode(v, [*path, str(i)], tensors) for i, v in enumerate(obj)]
        return {"type": "tuple" if isinstance(obj, tuple) else "list", "items": items}
    raise TypeError(
        f"save(): cannot save a {type(obj).__name__} at '{'.'.join(path)}': only tensors, NumPy "
        "arrays, numbers, strings, bools, None and dicts/lists/tuples of them can be saved "
        "(microtensor never pickles)"
    )


def _encode_key(key: Any, path: list[str]) -> Any:
    if isinstance(key, tuple):
        return {"type": "tuple", "items": [_encode_key(k, path) for k in key]}
    if key is None or isinstance(key, bool | int | str | float):
        return _encode(key, path, {})
    raise TypeError(f"save(): dict key {key!r} at '{'.'.join(path)}' is not a number/str/tuple")


def _unique_key(key: str, tensors: dict[str, np.ndarray]) -> str:
    if key not in tensors:
        return key
    n = 1
    while f"{key}#{n}" in tensors:
        n += 1
    return f"{key}#{n}"


# --- decoding: (JSON tree, tensors) -> object ------------------------------------------------


def _decode(node: Any, tensors: dict[str, Tensor]) -> Any:
    if not isinstance(node, dict):
        if node is None or isinstance(node, bool | int | float | str):
            return node
        raise ValueError(f"unexpected JSON value {node!r}")
    kind = node["type"]
    if kind in ("tensor", "ndarray"):
        if node["key"] not in tensors:
            raise KeyError(f"tensor {node['key']!r} is described but missing from the file")
        t = tensors[node["key"]]
        return t if kind == "tensor" else t._data
    if kind == "float":
        return float(node["value"])
    if kind in ("dict", "OrderedDict"):
        pairs = ((_decode(k, tensors), _decode(v, tensors)) for k, v in node["items"])
        return OrderedDict(pairs) if kind == "OrderedDict" else dict(pairs)
    if kind in ("list", "tuple"):
        items = [_decode(v, tensors) for v in node["items"]]
        return tuple(items) if kind == "tuple" else items
    raise ValueError(f"unknown node type {kind!r}")


def _owned(array: np.ndarray) -> np.ndarray:
    """A writable array (optimizer states are updated in place); each has its own buffer."""
    return array if array.flags.writeable else array.copy()


# --- file checks and atomic writes ----------------------------------------------------------


def _check_header(data: bytes, name: str) -> dict[str, str]:
    """Validate the safetensors header of ``data``; return its ``__metadata__``."""
    size = int.from_bytes(data[:8], "little")
    if data[:1] == b"\x80" and size > len(data):
        raise RuntimeError(
            f"load(): {name} is a bare pickle, neither a torch.save zip checkpoint nor a "
            "safetensors file; microtensor does not unpickle bare pickles"
        )
    if len(data) < 8:
        raise RuntimeError(
            f"load(): {name} is not a safetensors file: it has only {len(data)} bytes "
            "(empty or truncated)"
        )
    if size > min(len(data) - 8, _MAX_HEADER):
        raise RuntimeError(
            f"load(): {name} is not a safetensors file, or is truncated: its first 8 bytes "
            f"announce a {size}-byte header but only {len(data) - 8} bytes follow"
        )
    try:
        header = json.loads(data[8 : 8 + size].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        header = None
    if not isinstance(header, dict):
        raise RuntimeError(
            f"load(): {name} is not a safetensors file, or is corrupt: its header is not a "
            "JSON object"
        )
    metadata = header.pop("__metadata__", None) or {}
    available = len(data) - 8 - size
    for key, info in header.items():
        dtype = info.get("dtype") if isinstance(info, dict) else None
        if dtype not in _DTYPES:
            raise RuntimeError(
                f"load(): {name}: tensor {key!r} has dtype {dtype}, which microtensor does not "
                f"support (supported: {', '.join(sorted(_DTYPES))}); convert it before saving"
            )
        offsets = info.get("data_offsets")
        if isinstance(offsets, list) and len(offsets) == 2 and offsets[1] > available:
            raise RuntimeError(
                f"load(): {name} is truncated: tensor {key!r} needs bytes up to {offsets[1]} of "
                f"the data section but the file holds only {available}"
            )
    return metadata if isinstance(metadata, dict) else {}


def _check_map_location(map_location: Any) -> None:
    if callable(map_location):
        return  # torch's ``lambda storage, loc: storage`` idiom: everything lands on the CPU
    targets = map_location.values() if isinstance(map_location, dict) else [map_location]
    for target in targets:
        if target is not None and not str(target).startswith("cpu"):
            raise ValueError(
                f"load(): map_location={map_location!r}, but microtensor only has the CPU "
                "device: pass map_location=None or 'cpu'"
            )


def _write_bytes(fh: Any, data: bytes) -> None:
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        fh.write(view[start : start + _CHUNK])


def _atomic_write(path: str, data: bytes) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    # os.open with mode 0o666 lets the umask set the permissions, as open(path, "wb") would
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_bytes(fh, data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError, AttributeError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
