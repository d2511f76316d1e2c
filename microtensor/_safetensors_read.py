"""Reading safetensors files without trusting them: every header field is checked first.

A safetensors file is an 8-byte little-endian header length, a JSON header
``{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}`` and
the data section, which the tensors must tile exactly (no gaps, no overlaps: the format's
rule). ``read_header`` checks all of it (types, sizes, offsets, duplicated names) before any
tensor memory is set aside, so a file can never make the loader allocate more than it holds;
``arrays`` then copies each tensor out of the bytes, or maps it from disk.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._checkpoint_error import CheckpointError, refuse

# safetensors dtypes microtensor has (not F8), little-endian
DTYPES = {
    "BF16": "<u2",  # read as its bits, then viewed as ml_dtypes' bfloat16
    "F16": "<f2",
    "F32": "<f4",
    "F64": "<f8",
    "C64": "<c8",
    "U8": "u1",
    "U16": "<u2",
    "U32": "<u4",
    "U64": "<u8",
    "I8": "i1",
    "I16": "<i2",
    "I32": "<i4",
    "I64": "<i8",
    "BOOL": "u1",  # read as bytes, then any nonzero byte is True (NumPy keeps other values)
}
MAX_HEADER = 100 << 20  # the limit of the reference implementation


class Entry:
    """One tensor of the header: its NumPy dtype, shape and byte range in the data section."""

    __slots__ = ("name", "kind", "shape", "begin", "end")

    def __init__(self, name: str, kind: str, shape: tuple[int, ...], begin: int, end: int):
        self.name = name
        self.kind = kind
        self.shape = shape
        self.begin = begin
        self.end = end


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicated key {key!r}")
        result[key] = value
    return result


def read_header(
    prefix: bytes, file_size: int, name: str
) -> tuple[list[Entry], dict[str, str], int]:
    """The tensors and ``__metadata__`` of a file whose first bytes are ``prefix``.

    Returns the entries, the metadata, and where the data section starts.
    """
    if len(prefix) < 8:
        raise refuse(
            name, f"is not a safetensors file: it has only {file_size} bytes (empty or truncated)"
        )
    size = int.from_bytes(prefix[:8], "little")
    if size > min(file_size - 8, MAX_HEADER):
        raise refuse(
            name,
            f"is not a safetensors file, or is truncated: its first 8 bytes announce a "
            f"{size}-byte header but only {file_size - 8} bytes follow",
        )
    try:
        header = json.loads(prefix[8 : 8 + size].decode("utf-8"), object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise refuse(name, "is not a safetensors file: its header is nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as e:
        if "duplicated key" in str(e):
            raise refuse(name, f"is corrupt: its header has a {e}") from None
        header = None
    if not isinstance(header, dict):
        raise refuse(
            name, "is not a safetensors file, or is corrupt: its header is not a JSON object"
        )
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise refuse(name, "is corrupt: its __metadata__ is not a map of strings to strings")
    available = file_size - 8 - size
    entries = [_entry(key, info, available, name) for key, info in header.items()]
    _check_tiling(entries, available, name)
    return entries, metadata, 8 + size


def _entry(key: str, info: Any, available: int, name: str) -> Entry:
    dtype = info.get("dtype") if isinstance(info, dict) else None
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise refuse(
            name,
            f"cannot be loaded: tensor {key!r} has dtype {dtype}, which microtensor does not "
            f"support (supported: {', '.join(sorted(DTYPES))}); convert it before saving",
        )
    shape, offsets = info.get("shape"), info.get("data_offsets")
    if not (
        isinstance(shape, list)
        and all(type(n) is int and n >= 0 for n in shape)
        and isinstance(offsets, list)
        and len(offsets) == 2
        and all(type(n) is int and n >= 0 for n in offsets)
    ):
        raise refuse(
            name,
            f"is a corrupt safetensors file: tensor {key!r} has shape {shape!r} and "
            f"data_offsets {offsets!r} (expected lists of non-negative integers)",
        )
    begin, end = offsets
    if end > available:
        raise refuse(
            name,
            f"is truncated: tensor {key!r} needs bytes up to {end} of the data section but the "
            f"file holds only {available}",
        )
    nbytes = math.prod(shape) * np.dtype(DTYPES[dtype]).itemsize
    if end - begin != nbytes:
        raise refuse(
            name,
            f"is a corrupt safetensors file: tensor {key!r} of shape {tuple(shape)} and dtype "
            f"{dtype} needs {nbytes} bytes but its data_offsets [{begin}, {end}] hold "
            f"{end - begin}",
        )
    return Entry(key, dtype, tuple(shape), begin, end)


def _check_tiling(entries: list[Entry], available: int, name: str) -> None:
    position = 0
    for entry in sorted(entries, key=lambda e: (e.begin, e.end)):
        if entry.begin != position:
            fault = "overlaps another" if entry.begin < position else "leaves a gap before it"
            raise refuse(
                name,
                f"is a corrupt safetensors file: the bytes of tensor {entry.name!r} "
                f"([{entry.begin}, {entry.end}]) {fault}",
            )
        position = entry.end
    if position != available:
        raise refuse(
            name,
            f"is a corrupt safetensors file: its tensors cover {position} bytes of a "
            f"{available}-byte data section",
        )


def arrays(
    data: bytes | None, entries: list[Entry], start: int, path: str | None = None
) -> dict[str, np.ndarray]:
    """Each entry as a writable native-order array.

    Copied out of ``data``, or mapped from ``path`` (copy-on-write) when ``data`` is None.
    """
    result = {}
    for entry in entries:
        kind = np.dtype(DTYPES[entry.kind])
        count = entry.end - entry.begin
        if count == 0:
            array = np.zeros(entry.shape, kind)
        elif data is not None:
            array = np.frombuffer(data, kind, count // kind.itemsize, start + entry.begin)
            array = array.reshape(entry.shape)
        elif path is not None:
            array = np.memmap(path, kind, mode="c", offset=start + entry.begin, shape=entry.shape)
        else:
            raise ValueError("arrays(): give the file's bytes or its path")
        if entry.kind == "BOOL":
            array = array != 0
        elif array.dtype.byteorder not in ("=", "|", "<" if sys.byteorder == "little" else ">"):
            array = array.astype(array.dtype.newbyteorder("="))
        elif data is not None:
            array = array.copy()  # its own writable buffer (optimizer states change in place)
        if entry.kind == "BF16":
            array = array.view(dtypes.bfloat16.numpy)
        result[entry.name] = array
    return result


__all__ = ["CheckpointError", "DTYPES", "Entry", "MAX_HEADER", "arrays", "read_header"]
