"""The property every fuzzed input must satisfy, and the mutations that make the inputs.

``check(data)`` loads one input with ``microtensor.load`` and raises ``Violation`` unless the
input either loads an object made only of safe types (tensors whose memory lies inside their
storage, containers, numbers, strings...) or is refused with ``CheckpointError`` naming the
file; in both cases nothing may run (no audit event of a process, an import, ``exec``/``eval``
or a file opened for writing; no file created in the canary directory), the load takes less
than ``MAX_SECONDS`` of CPU time and its traced allocations peak under ``MAX_GROWTH`` times the
input's size (plus ``ALLOWANCE`` for the loader's own objects).

``mutate(data, ops)`` applies byte-level and structure-aware mutations (bit flips,
truncations, overwrites with interesting integers, insertions, deletions, duplications, and
edits inside a zip record or a safetensors JSON header, re-wrapped so that they reach the
parser behind the checksum or the length field).
"""

from __future__ import annotations

import io
import os
import struct
import sys
import time
import tracemalloc
import zipfile
from collections import OrderedDict

import numpy as np
from numpy.lib.array_utils import byte_bounds

import microtensor as mt
from microtensor import _torch_load, dtypes
from microtensor._device import device
from microtensor._size import Size
from microtensor.serialization import CheckpointError

NAME = "fuzzed-input.bin"
MAX_SECONDS = 1.0  # of CPU time: a busy machine (2 cores, several fuzzers) stretches wall time
MAX_WALL_SECONDS = 10.0
MAX_GROWTH = 10
ALLOWANCE = 1 << 20
_SAFE_TYPES = (
    type(None), bool, int, float, complex, str, bytes, bytearray,
    dict, OrderedDict, list, tuple, set, frozenset,
    mt.Tensor, Size, dtypes.dtype, device, np.ndarray,
    _torch_load._LoadedStorage, _torch_load._StorageType, _torch_load._TypeName,
)  # fmt: skip
_NUMPY_DTYPES = {d.numpy for d in dtypes._ALL if d.numpy is not None}
_FORBIDDEN_EVENTS = ("os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "os.remove",
                     "subprocess.Popen", "exec", "compile", "import", "ctypes", "socket")  # fmt: skip
_INTERESTING = (0, 1, -1, 7, 255, 256, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 1 << 32, 1 << 62,
                (1 << 63) - 1, (1 << 64) - 1)  # fmt: skip


class Violation(AssertionError):
    """An input broke the loaders' promise."""


class _Audit:
    armed = False
    codec = False
    events: list[str] = []
    installed = False


def _audit(event: str, args: tuple) -> None:
    if not _Audit.armed:
        return
    if event == "import" and str(args[0]).startswith("encodings."):
        _Audit.codec = True  # the codec registry's first use of a codec the loader names
        return
    if event == "exec" and _Audit.codec:
        _Audit.codec = False  # (cp437 for zip names, raw-unicode-escape...): its module body
        return
    if event.startswith(_FORBIDDEN_EVENTS):
        _Audit.events.append(event)
    elif event == "open" and (
        any(c in str(args[1] or "") for c in "wax+") or (args[2] or 0) & (os.O_WRONLY | os.O_RDWR)
    ):
        _Audit.events.append(f"open for writing {args[0]!r}")


def _install_audit_hook() -> None:
    if not _Audit.installed:
        sys.addaudithook(_audit)
        _Audit.installed = True


def prime(seeds: dict[str, list[tuple[str, bytes]]]) -> None:
    """Load each seed once, unwatched.

    The loaders' first-use imports (zipfile's cp437 codec, lazily imported microtensor modules)
    are not a file running code.
    """
    for items in seeds.values():
        for _, data in items:
            try:
                mt.load(_named_bytes(data))
            except CheckpointError:
                pass


def check(
    data: bytes, canary_dir: str, path: str | None = None, mmap: bool = False, measure: bool = True
) -> str:
    """Load ``data`` (from ``path`` if given); return "loaded" or "refused", or raise Violation."""
    _install_audit_hook()
    source = path if path is not None else _named_bytes(data)
    name = path if path is not None else NAME
    was_tracing = tracemalloc.is_tracing()  # (another test's tracing is left as it was)
    if measure and not was_tracing:
        tracemalloc.start()
    if measure:
        tracemalloc.reset_peak()
    baseline = tracemalloc.get_traced_memory()[0] if measure else 0
    _Audit.events = []
    _Audit.armed = True
    start, start_cpu = time.perf_counter(), time.process_time()
    try:
        result = mt.load(source, mmap=mmap or None)
        outcome = "loaded"
    except CheckpointError as e:
        result, outcome = None, "refused"
        if str(name) not in str(e):
            raise Violation(f"the error does not name the file: {e}") from None
    except Exception as e:
        raise Violation(f"{type(e).__name__} instead of CheckpointError: {e}") from e
    finally:
        _Audit.armed = False
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - start_cpu
        peak = tracemalloc.get_traced_memory()[1] - baseline if measure else 0
        if measure and not was_tracing:
            tracemalloc.stop()
    if _Audit.events:
        raise Violation(f"loading ran code: audit events {_Audit.events}")
    if os.listdir(canary_dir):
        raise Violation(f"loading created {os.listdir(canary_dir)} in the canary directory")
    if cpu > MAX_SECONDS or elapsed > MAX_WALL_SECONDS:
        raise Violation(f"loading took {cpu:.2f} s of CPU time ({elapsed:.2f} s of wall time)")
    if peak > MAX_GROWTH * len(data) + ALLOWANCE:
        raise Violation(f"loading {len(data)} bytes allocated {peak} bytes")
    if outcome == "loaded":
        check_object(result)
    return outcome


def _named_bytes(data: bytes) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = NAME
    return buffer


def check_object(obj: object) -> None:
    """Every object reachable from ``obj`` is of a safe type; every tensor reads its storage.

    Safe: the types of ``_SAFE_TYPES``, and the allow-list's own objects (``_rebuild_tensor_v2``
    ...), which torch returns as they are too.
    """
    seen: set[int] = set()
    allowed: set[int] | None = None
    todo = [obj]
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if not isinstance(item, _SAFE_TYPES):
            if allowed is None:  # (the allow-list is built once per object, not per item)
                allowed = {id(value) for value in _torch_load.allowed_globals().values()}
            if id(item) not in allowed:
                raise Violation(f"loaded an object of type {type(item).__name__}")
        if isinstance(item, mt.Tensor):
            _check_tensor(item)
        elif isinstance(item, dict):
            todo.extend(item.keys())
            todo.extend(item.values())
            todo.extend(getattr(item, "__dict__", {}).values())
        elif isinstance(item, list | tuple | set | frozenset):
            todo.extend(item)


def _check_tensor(t: mt.Tensor) -> None:
    array = t._data
    if not isinstance(array, np.ndarray) or array.dtype not in _NUMPY_DTYPES:
        raise Violation(
            f"a loaded tensor holds {type(array).__name__} {getattr(array, 'dtype', '')}"
        )
    root = array
    while isinstance(root.base, np.ndarray):
        root = root.base
    low, high = byte_bounds(array)
    root_low, root_high = byte_bounds(root)
    if array.size and not (root_low <= low and high <= root_high):
        raise Violation(f"a tensor of shape {array.shape} reads outside its storage")
    if tuple(t.shape) != array.shape or t.grad is not None:
        raise Violation("a loaded tensor is inconsistent")
    if array.size <= 100_000:
        np.asarray(array).tobytes()  # touch every element


# --- mutations ----------------------------------------------------------------------------------


def mutate(data: bytes, ops: list[tuple]) -> bytes:
    """Apply each op of ``ops`` (see ``random_ops`` for their shapes) to ``data`` in turn."""
    for op in ops:
        data = _apply(data, op)
    return data


def _at(data: bytes, fraction: float) -> int:
    return min(int(fraction * len(data)), max(len(data) - 1, 0))


def _apply(data: bytes, op: tuple) -> bytes:
    kind = op[0]
    if kind == "inner":
        return _mutate_inner(data, op[1], op[2])
    if not data:
        return bytes(op[-1]) if kind in ("insert", "overwrite") else data
    i = _at(data, op[1])
    if kind == "flip":
        return data[:i] + bytes([data[i] ^ (1 << op[2])]) + data[i + 1 :]
    if kind == "truncate":
        return data[:i]
    if kind == "overwrite":
        return data[:i] + op[2] + data[i + len(op[2]) :]
    if kind == "insert":
        return data[:i] + op[2] + data[i:]
    if kind == "delete":
        return data[:i] + data[i + op[2] :]
    if kind == "duplicate":
        return data[:i] + data[i : i + op[2]] * 2 + data[i + op[2] :]
    if kind == "int":
        width, value = op[2], _INTERESTING[op[3] % len(_INTERESTING)]
        raw = (value % (1 << (8 * width))).to_bytes(width, "little")
        return data[:i] + raw + data[i + width :]
    raise ValueError(f"unknown mutation {op!r}")


def _mutate_inner(data: bytes, which: float, op: tuple) -> bytes:
    """Mutate inside the zip record or safetensors header, then re-wrap it consistently."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = {info.filename: archive.read(info) for info in archive.infolist()}
        except Exception:  # noqa: BLE001 - already broken: mutate the bytes themselves
            return _apply(data, op)
        if not members:
            return data
        name = sorted(members)[_at(sorted(members), which) if len(members) > 1 else 0]
        members[name] = _apply(members[name], op)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for member, content in members.items():
                archive.writestr(member, content)
        return buffer.getvalue()
    if len(data) >= 8:
        size = int.from_bytes(data[:8], "little")
        if size <= len(data) - 8:
            header = _apply(data[8 : 8 + size], op)
            return struct.pack("<Q", len(header)) + header + data[8 + size :]
    return _apply(data, op)


def random_ops(rng: np.random.Generator, max_ops: int = 4) -> list[tuple]:
    """Random mutation ops: the same shapes hypothesis draws in test_loaders_fuzz."""
    ops = []
    for _ in range(int(rng.integers(1, max_ops + 1))):
        op = _random_op(rng)
        ops.append(("inner", float(rng.random()), op) if rng.random() < 0.4 else op)
    return ops


def _random_op(rng: np.random.Generator) -> tuple:
    kind = str(
        rng.choice(["flip", "truncate", "overwrite", "insert", "delete", "duplicate", "int"])
    )
    at = float(rng.random())
    if kind == "flip":
        return (kind, at, int(rng.integers(8)))
    if kind == "truncate":
        return (kind, at)
    if kind in ("overwrite", "insert"):
        return (kind, at, bytes(rng.integers(0, 256, int(rng.integers(1, 9)), dtype=np.uint8)))
    if kind in ("delete", "duplicate"):
        return (kind, at, int(rng.integers(1, 64)))
    return (kind, at, int(rng.choice([1, 2, 4, 8])), int(rng.integers(len(_INTERESTING))))
