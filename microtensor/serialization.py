"""``save`` / ``load`` of state dicts: one safetensors file, structure in JSON; never pickle.

File layout: a standard safetensors file. Its tensors are the tensor leaves of the saved object,
each named by its path (``"state.0.exp_avg"``; a flat module state dict keeps its own keys, so
``safetensors.torch.load_file`` reads it straight into a torch module). Its ``__metadata__``
holds, under ``"microtensor"``, a JSON tree of the object: containers and plain values inline,
tensors as references to their names. Loading parses JSON and copies bytes: it runs no code.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import secrets
from collections import OrderedDict
from collections.abc import Mapping
from typing import IO, Any

import numpy as np

from microtensor.tensor import Tensor

__all__ = ["load", "save"]

_METADATA_KEY = "microtensor"
_VERSION = 1
# dtypes that both safetensors and microtensor support (BF16 and unsigned wide ints are not)
_DTYPES = {"F16", "F32", "F64", "U8", "I8", "I16", "I32", "I64", "BOOL"}
_NUMPY_KINDS = {np.dtype(t) for t in ("f2", "f4", "f8", "u1", "i1", "i2", "i4", "i8", "?")}
_CHUNK = 1 << 20
_MAX_HEADER = 100 << 20


def save(obj: Any, f: str | os.PathLike[str] | IO[bytes]) -> None:
    """Save a state dict (or any nest of tensors and plain values) to a safetensors file.

    ``obj`` may nest dicts (any hashable scalar or tuple keys; ``OrderedDict`` order is kept),
    lists and tuples, with Tensors, NumPy arrays, ints, floats (inf/nan too), strings, bools and
    None as leaves: module and optimizer ``state_dict()``s are such nests. The file is a plain
    safetensors file (see the module docstring), so a flat module state dict is readable by
    ``safetensors.torch.load_file`` with PyTorch's key names and layouts.

    A path is written atomically: into a temporary file in the same directory, flushed and
    fsynced, then renamed over ``f``; a crash mid-save leaves any old file intact.

    Args:
        obj: what to save.
        f: a path, or a binary file object open for writing (written in place, not atomically).

    Raises:
        TypeError: for a leaf of another type (the message names its path), or a bad ``f``.

    Differs from PyTorch: no pickle, so arbitrary objects cannot be saved; Parameters are
    stored as plain tensors, and tensors that share memory are stored separately.

    Example:
        >>> import io, microtensor as mt
        >>> buffer = io.BytesIO()
        >>> save({"weight": mt.ones(2, 2), "step": 3}, buffer)
        >>> _ = buffer.seek(0)
        >>> load(buffer)
        {'weight': tensor([[1., 1.],
                [1., 1.]]), 'step': 3}
    """
    tensors: dict[str, np.ndarray] = {}
    tree = _encode(obj, [], tensors)
    metadata = {"format": "pt", _METADATA_KEY: json.dumps({"version": _VERSION, "tree": tree})}
    import safetensors.numpy  # imported on use: it adds ~10 MB to every process otherwise

    data = safetensors.numpy.save(tensors, metadata=metadata)
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


def load(
    f: str | os.PathLike[str] | IO[bytes],
    map_location: Any = None,
    *,
    weights_only: bool = True,
    mmap: Any = None,
) -> Any:
    """Load what ``save`` wrote, or the tensors of any safetensors file (as a dict).

    A file without microtensor's metadata (e.g. from ``safetensors.torch.save_file``) loads as
    ``{name: Tensor}``, ready for ``module.load_state_dict``.

    Args:
        f: a path, or a binary file object open for reading.
        map_location: None or the CPU (``"cpu"``, ``device("cpu")``, or a dict mapping to it).
        weights_only: accepted for compatibility. Differs from PyTorch: loading never unpickles
            and runs no code, whatever its value.
        mmap: accepted for compatibility (the file is read into memory).

    Returns:
        The saved object; tensors are plain, writable CPU tensors, independent of each other.

    Raises:
        RuntimeError: for a truncated, corrupt or foreign (e.g. ``torch.save`` pickle) file, or
            one written by a newer microtensor; the message names the file and what is wrong.
        ValueError: for a ``map_location`` other than the CPU.
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
            data = fh.read()
    elif callable(getattr(f, "read", None)):
        name = str(getattr(f, "name", type(f).__name__))
        data = b"" if isinstance(f, io.TextIOBase) else f.read()
        if isinstance(f, io.TextIOBase) or not isinstance(data, bytes | bytearray):
            raise TypeError(f"load(): {name} must be opened in binary mode ('rb'), not text mode")
    else:
        raise TypeError(f"load(): f must be a path or a binary file object, got {type(f).__name__}")
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
    if data[:4] == b"PK\x03\x04" or (data[:1] == b"\x80" and size > len(data)):
        raise RuntimeError(
            f"load(): {name} is a pickle/zip checkpoint (torch.save format), not a safetensors "
            "file; microtensor never unpickles. Convert it with torch: "
            "safetensors.torch.save_file(torch.load(path), new_path)"
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
