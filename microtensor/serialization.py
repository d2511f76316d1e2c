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
  ``safe_globals``. torch's legacy (pre-1.6) format is read the same way, and written with
  ``_use_new_zipfile_serialization=False`` (``_torch_legacy``).

Every loader checks each size a file declares against the bytes it holds before allocating,
and refuses any bad file with one exception, ``CheckpointError`` (``_checkpoint_error``).
"""

from __future__ import annotations

import codecs
import io
import json
import math
import os
import pickle
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from typing import IO, Any

import numpy as np

from microtensor import _safetensors_read, _torch_format, _torch_legacy, _torch_load
from microtensor._atomic_file import atomic_write, write_bytes
from microtensor._checkpoint_error import CheckpointError, refuse
from microtensor._pickle_restricted import (
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    safe_globals,
)
from microtensor.tensor import Tensor

__all__ = [
    "CheckpointError",
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
_NUMPY_KINDS = {
    np.dtype(t) for t in ("f2", "f4", "f8", "u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8", "?")
}
_TORCH_SUFFIXES = (".pt", ".pth")
_UNSAFE_WARNING = (
    "You are using `microtensor.load` with `weights_only=False`, which uses the default pickle "
    "module implicitly. It is possible to construct malicious pickle data which will execute "
    "arbitrary code during unpickling (See "
    "https://github.com/pytorch/pytorch/blob/main/SECURITY.md#untrusted-models for more "
    "details). Do it only if you got the file from a trusted source; otherwise load with "
    "`weights_only=True` (the default), allowlisting your own classes with "
    "`microtensor.serialization.add_safe_globals`."
)
_ZIP_MAGIC = b"PK\x03\x04"


def save(
    obj: Any,
    f: str | os.PathLike[str] | IO[bytes],
    pickle_module: Any = pickle,
    pickle_protocol: int = 2,
    _use_new_zipfile_serialization: bool = True,
    _disable_byteorder_record: bool = False,
) -> None:
    """Save a tensor, a state dict, a checkpoint dict or a whole module, as ``torch.save``.

    A nest of dicts (any hashable scalar or tuple keys; ``OrderedDict`` order is kept), lists
    and tuples, with Tensors, NumPy arrays, ints, floats (inf/nan too), strings, bools and None as
    leaves (module and optimizer ``state_dict()``s, checkpoint dicts) is written as a plain
    safetensors file, readable by ``safetensors.torch.load_file`` with PyTorch's key names.
    Anything else (a whole ``nn.Module``, a set, a ``Size``...), and any object saved to a path
    ending in ``.pt`` or ``.pth``, is written in ``torch.save``'s zip format, which
    ``torch.load(f)`` reads with its default ``weights_only=True`` (a whole module needs
    ``weights_only=False`` or allowlisted classes there, as with torch's own modules).

    A path is written crash-safely: into a temporary file ``.<name>.<pid>.<random>.tmp`` in the
    same directory, flushed and fsynced, then renamed over ``f`` (and the directory fsynced), so
    a crash or ``kill -9`` at any moment leaves either the old file or the new one, whole. A
    temporary file left by a killed save is removed by the next save of the same path.

    Args:
        obj: what to save.
        f: a path, or a binary file object open for writing (written in place, not atomically).
        pickle_module: Python's ``pickle`` module, the only one microtensor writes with.
        pickle_protocol: the pickle protocol of torch's formats (PyTorch's default, 2).
        _use_new_zipfile_serialization: False writes torch's legacy (pre-1.6, non-zip) format,
            which ``torch.load`` reads too, whatever the path.
        _disable_byteorder_record: leave the ``byteorder`` record out of a zip-format file.

    Raises:
        TypeError: for a bad ``f``, or an object that cannot be pickled (a lambda, a local
            class) where torch's formats are used.
        ValueError: for a ``pickle_module`` other than ``pickle``.

    Differs from PyTorch: in the safetensors format, Parameters are stored as plain tensors and
    tensors that share memory are stored separately (torch's formats keep both).

    Example:
        >>> import io, microtensor as mt
        >>> buffer = io.BytesIO()
        >>> save({"weight": mt.ones(2, 2), "step": 3}, buffer)
        >>> _ = buffer.seek(0)
        >>> load(buffer)
        {'weight': tensor([[1., 1.],
                [1., 1.]]), 'step': 3}
    """
    if pickle_module is not pickle:
        raise ValueError(
            f"save(): pickle_module={pickle_module!r} is not supported: microtensor writes its "
            "checkpoints with Python's own pickle module; leave pickle_module at its default"
        )
    data = _file_bytes(obj, f, pickle_protocol, _use_new_zipfile_serialization)
    if data is None:
        data = _torch_bytes(obj, pickle_protocol, not _disable_byteorder_record)
    if isinstance(f, str | os.PathLike):
        # realpath: a symlink keeps pointing at the (replaced) file it pointed at
        atomic_write(os.path.realpath(os.fspath(f)), data)
    elif isinstance(f, io.TextIOBase):
        raise TypeError("save(): the file object must be opened in binary mode ('wb')")
    elif callable(getattr(f, "write", None)):
        write_bytes(f, data)
        if callable(getattr(f, "flush", None)):
            f.flush()
    else:
        raise TypeError(f"save(): f must be a path or a binary file object, got {type(f).__name__}")


def _file_bytes(obj: Any, f: Any, protocol: int, new_format: bool) -> bytes | None:
    """The legacy-format or safetensors bytes of ``obj``; None where the zip format is due."""
    if not new_format:
        try:
            return _torch_legacy.dumps(obj, protocol)
        except (pickle.PicklingError, AttributeError) as e:
            raise _unpicklable(obj, e) from None
    target = f if isinstance(f, str | os.PathLike) else getattr(f, "name", "")
    if str(target).lower().endswith(_TORCH_SUFFIXES):
        return None
    return _safetensors_bytes(obj)


def _safetensors_bytes(obj: Any) -> bytes | None:
    """``obj`` as a safetensors file, or None when it is not a plain nest of tensors."""
    tensors: dict[str, np.ndarray] = {}
    try:
        tree = _encode(obj, [], tensors)
    except TypeError:
        return None
    if any(t.dtype == np.complex128 for t in tensors.values()):
        return None  # safetensors has complex64 (C64) only: torch's zip format holds it
    metadata = {"format": "pt", _METADATA_KEY: json.dumps({"version": _VERSION, "tree": tree})}
    import safetensors.numpy  # imported on use: it adds ~10 MB to every process otherwise

    return bytes(safetensors.numpy.save(tensors, metadata=metadata))


def _torch_bytes(obj: Any, protocol: int, byteorder_record: bool) -> bytes:
    try:
        return _torch_format.dumps(obj, protocol, byteorder_record)
    except (pickle.PicklingError, AttributeError) as e:
        raise _unpicklable(obj, e) from None


def _unpicklable(obj: Any, error: Exception) -> TypeError:
    return TypeError(
        f"save(): cannot save a {type(obj).__name__}: {error} (objects are saved as torch.save "
        "pickles them: functions and classes by their importable name)"
    )


def load(
    f: str | os.PathLike[str] | IO[bytes],
    map_location: Any = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    **pickle_load_args: Any,
) -> Any:
    """Load what ``save`` or ``torch.save`` wrote, or the tensors of any safetensors file.

    A file in torch's formats (the zip archive, and the legacy pre-1.6 one) is unpickled with
    an allow-list that only rebuilds tensors, storages, containers, numbers, strings, ``Size``,
    devices and dtypes, exactly PyTorch's ``weights_only=True`` promise: the file cannot run
    code. Extend the list for your own classes with ``serialization.add_safe_globals`` or the
    ``serialization.safe_globals`` context manager (needed to load a whole saved module). A
    safetensors file without microtensor's metadata (e.g. from ``safetensors.torch.save_file``)
    loads as ``{name: Tensor}``, ready for ``module.load_state_dict``.

    Every file is checked before memory is set aside for it: no file, however corrupt or
    hostile, can run code, crash the process, or make ``load`` allocate much more than the
    file's own size; each is loaded correctly or refused with a ``CheckpointError`` that names
    the file and the fault (see "Checkpoint safety" in the documentation).

    Args:
        f: a path, or a binary file object open for reading.
        map_location: None or the CPU (``"cpu"``, ``device("cpu")``, or a dict mapping to it);
            tensors saved on a GPU load onto the CPU only through it. Differs from PyTorch: a
            function (``lambda storage, loc: storage``) is accepted but not called: every
            tensor lands on the CPU.
        pickle_module: None, or Python's ``pickle`` module itself (what torch's scripts pass).
            Differs from PyTorch: passing it does not switch ``weights_only`` off.
        weights_only: True or None (the default): the allow-list unpickler. False unpickles
            anything, running the code the file names: only for files you trust (a warning
            says so).
        mmap: map the tensors from disk (copy-on-write) instead of reading them: a
            safetensors file's tensors and a zip-format file's storages; needs a path.
        **pickle_load_args: ``encoding`` (default ``"utf-8"``; ``"latin1"`` or ``"bytes"`` for
            Python 2 pickles) and ``errors``, passed to the unpickler.

    Returns:
        The saved object. Tensors of one storage in a torch-format file share memory, as in
        torch; safetensors tensors are independent; all are writable CPU tensors.

    Raises:
        CheckpointError: a ``pickle.UnpicklingError`` and ``RuntimeError``, for a corrupt,
            truncated, hostile or foreign file: a pickle naming a global outside the
            allow-list (the message says which and how to allow it), a dtype microtensor
            lacks, a TorchScript archive, tensors saved on a GPU without ``map_location``,
            ``mmap`` on a legacy-format file.
        RuntimeError: for ``weights_only=True`` with an explicit ``pickle_module``.
        ValueError: for a ``map_location`` other than the CPU, a ``pickle_module`` other than
            ``pickle``, or ``mmap`` without a path.
        LookupError: for an unknown ``encoding``.
        TypeError: if ``f`` is neither a path nor a binary file object, or for an unknown
            keyword argument.

    Example:
        >>> import io, microtensor as mt
        >>> buffer = io.BytesIO()
        >>> save({"param_groups": [{"lr": 0.1, "betas": (0.9, 0.999)}]}, buffer)
        >>> _ = buffer.seek(0)
        >>> load(buffer)
        {'param_groups': [{'lr': 0.1, 'betas': (0.9, 0.999)}]}
    """
    _check_map_location(map_location)
    restricted = _weights_only(pickle_module, weights_only)
    pickle_args = _pickle_args(pickle_load_args)
    if mmap:
        if not isinstance(f, str | os.PathLike):
            if callable(getattr(f, "read", None)):
                raise ValueError("load(): f must be a file path in order to use the mmap argument")
            raise TypeError(
                f"load(): f must be a path or a binary file object, got {type(f).__name__}"
            )
        return _load_mapped(os.fspath(f), map_location, restricted, pickle_args)
    name, data = _read_all(f)
    if data[:4] == _ZIP_MAGIC or _is_pickle(data[:8], len(data)):
        if not restricted:
            warnings.warn(_UNSAFE_WARNING, UserWarning, stacklevel=2)
        if data[:4] == _ZIP_MAGIC:
            return _torch_load.loads(data, name, map_location, restricted, None, **pickle_args)
        return _torch_legacy.loads(data, name, map_location, restricted, **pickle_args)
    return _load_safetensors(data, name, len(data))


def _weights_only(pickle_module: Any, weights_only: bool | None) -> bool:
    """Whether to use the allow-list unpickler, after torch's checks of ``pickle_module``."""
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError(
            f"load(): pickle_module={pickle_module!r} is not supported: microtensor unpickles "
            "only with its allow-list unpickler (or, with weights_only=False, Python's pickle); "
            "leave pickle_module=None"
        )
    if weights_only is True and pickle_module is not None:
        raise RuntimeError(
            "load(): Can not safely load weights when explicit pickle_module is specified: "
            "leave pickle_module=None"
        )
    return weights_only is not False


def _pickle_args(pickle_load_args: dict[str, Any]) -> dict[str, Any]:
    for key in pickle_load_args:
        if key not in ("encoding", "errors"):
            raise TypeError(f"load() got an unexpected keyword argument {key!r}")
    args = {"encoding": "utf-8", "errors": "strict", **pickle_load_args}
    if args["encoding"] != "bytes":
        try:
            codecs.lookup(args["encoding"])
        except (LookupError, TypeError):
            raise LookupError(f"load(): unknown encoding {args['encoding']!r}") from None
    return args


def _read_all(f: Any) -> tuple[str, bytes]:
    if isinstance(f, str | os.PathLike):
        name = os.fspath(f)
        with open(name, "rb") as fh:
            return name, fh.read()
    if callable(getattr(f, "read", None)):
        name = str(getattr(f, "name", type(f).__name__))
        data = b"" if isinstance(f, io.TextIOBase) else f.read()
        if isinstance(f, io.TextIOBase) or not isinstance(data, bytes | bytearray):
            raise TypeError(f"load(): {name} must be opened in binary mode ('rb'), not text mode")
        return name, bytes(data)
    raise TypeError(f"load(): f must be a path or a binary file object, got {type(f).__name__}")


def _is_pickle(head: bytes, file_size: int) -> bool:
    """A file that starts like a protocol 2+ pickle and cannot be a safetensors file."""
    return head[:1] == b"\x80" and int.from_bytes(head[:8], "little") > file_size


def _load_mapped(path: str, map_location: Any, restricted: bool, pickle_args: Any) -> Any:
    file_size = os.path.getsize(path)
    with open(path, "rb") as fh:
        head = fh.read(8)
        if head[:4] == _ZIP_MAGIC:
            if not restricted:
                warnings.warn(_UNSAFE_WARNING, UserWarning, stacklevel=3)
            return _torch_load.loads(path, path, map_location, restricted, path, **pickle_args)
        if _is_pickle(head, file_size):
            raise CheckpointError(
                "load(): mmap can only be used with files saved with `torch.save("
                f"{path}, _use_new_zipfile_serialization=True), please torch.save your "
                "checkpoint with this option in order to use mmap."
            )
        size = int.from_bytes(head, "little")
        readable = size <= min(file_size, _safetensors_read.MAX_HEADER)
        prefix = head + (fh.read(size) if readable else b"")
    return _load_safetensors(None, path, file_size, prefix)


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


def _load_safetensors(
    data: bytes | None, name: str, file_size: int, prefix: bytes | None = None
) -> Any:
    """The object of a safetensors file: its bytes ``data``, or mapped from path ``name``."""
    header = data if data is not None else prefix
    entries, metadata, start = _safetensors_read.read_header(header or b"", file_size, name)
    arrays = _safetensors_read.arrays(data, entries, start, None if data is not None else name)
    tensors = {key: Tensor._make(a) for key, a in arrays.items()}
    if _METADATA_KEY not in metadata:
        return tensors
    try:
        description = json.loads(metadata[_METADATA_KEY])
        version = description["version"]
        tree = description["tree"]
    except (ValueError, KeyError, TypeError, RecursionError) as e:
        raise refuse(name, f"has corrupt microtensor metadata ({e})") from None
    if version != _VERSION:
        raise refuse(
            name,
            f"uses microtensor format version {version!r}; this microtensor reads version "
            f"{_VERSION}: upgrade microtensor",
        )
    try:
        return _decode(tree, tensors)
    except (ValueError, KeyError, TypeError, RecursionError) as e:
        raise refuse(
            name,
            f"has corrupt microtensor metadata ({type(e).__name__}: {e}); the tensors are "
            "still readable with safetensors.numpy.load_file",
        ) from None


# --- encoding: object -> (JSON tree, named arrays) -------------------------------------------


def _encode(obj: Any, path: list[str], tensors: dict[str, np.ndarray]) -> Any:
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, Tensor | np.ndarray):
        array = obj._data if isinstance(obj, Tensor) else obj
        if array.dtype not in _NUMPY_KINDS and array.dtype.name != "bfloat16":
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
