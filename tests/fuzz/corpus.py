"""Seed files for fuzzing ``microtensor.load``: valid checkpoints, and hostile or lying ones.

``seeds(canary)`` returns, per loader ("safetensors", "torch" for zip archives, "pickle" for
legacy torch.save files and bare pickles), a list of ``(label, bytes)``: valid files of several
state dicts (every dtype, 0-d, empty, nested dicts and lists, shared storages, views), and files
that lie (huge or negative shapes and dims, offsets past the end, wrong dtypes, duplicated keys,
deep nesting, zip bombs) or try to run code: pickle programs that reach ``os.system``,
``builtins.eval``/``exec``/``getattr``, ``subprocess.Popen`` or ``importlib.import_module``
through GLOBAL, STACK_GLOBAL, INST, OBJ, NEWOBJ, REDUCE, BUILD and EXT1/2/4, each trying to
create the file ``canary``.
"""

from __future__ import annotations

import functools
import io
import json
import pickle
import struct
import warnings
import zipfile
import zlib
from collections import OrderedDict

import numpy as np

import microtensor as mt
from microtensor import _torch_format

LOADERS = ("safetensors", "torch", "pickle")
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


# --- valid files ------------------------------------------------------------------------------


def _arrays():
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    return [
        {
            "w": base,
            "b": np.array(1.5),
            "empty": np.zeros((0, 3), np.int64),
            "mask": np.array([True, False]),
        },
        OrderedDict(
            half=np.ones(2, np.float16),
            i8=np.array([-1, 2], np.int8),
            u8=np.array([255], np.uint8),
            i16=np.array([-300], np.int16),
            i32=np.array([7], np.int32),
        ),
        {
            "model": {"layer.weight": base, "layer.rows": base[1:, ::2], "t": base.T},
            "optim": {
                "state": {0: {"step": 3, "exp_avg": base * 0}},
                "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0]}],
            },
            "epoch": 2,
            "cfg": ["a", 1.5, None, True, float("inf")],
        },
        [base[0], base[0, 1:3], base],  # three views of one storage
    ]


def _as(obj, make):
    if isinstance(obj, np.ndarray):
        return make(obj)
    if isinstance(obj, dict):
        return type(obj)((k, _as(v, make)) for k, v in obj.items())
    if isinstance(obj, list | tuple):
        return type(obj)(_as(v, make) for v in obj)
    return obj


def _mt_bytes(obj, name="", **kwargs):
    buffer = io.BytesIO()
    buffer.name = name
    mt.save(obj, buffer, **kwargs)
    return buffer.getvalue()


def _torch_bytes(obj, **kwargs):
    import torch

    buffer = io.BytesIO()
    torch.save(_as(obj, lambda a: torch.from_numpy(a)), buffer, **kwargs)
    return buffer.getvalue()


def _valid(loader):
    out = []
    for i, obj in enumerate(_arrays()):
        mt_obj = _as(obj, lambda a: mt.Tensor._make(a))
        if loader == "safetensors":
            out.append((f"mt-{i}", _mt_bytes(mt_obj)))
        elif loader == "torch":
            out.append((f"torch-{i}", _torch_bytes(obj)))
            out.append((f"mt-{i}", _mt_bytes(mt_obj, "x.pt")))
        else:
            out.append(
                (f"torch-legacy-{i}", _torch_bytes(obj, _use_new_zipfile_serialization=False))
            )
            out.append((f"mt-legacy-{i}", _mt_bytes(mt_obj, _use_new_zipfile_serialization=False)))
    return out


# --- hostile pickles --------------------------------------------------------------------------


def _text(value: str) -> bytes:
    raw = value.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


class _Reduce:
    """An object whose ``__reduce__`` is ``(func, args)``: pickle writes GLOBAL + REDUCE."""

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _code_pickles(canary: str) -> list[tuple[str, bytes]]:
    import builtins
    import importlib
    import os
    import subprocess

    cmd = f"touch {canary}"
    code = f"open({canary!r}, 'w').close()"
    os_module = _Reduce(importlib.import_module, ("os",))
    return [
        ("GLOBAL-os.system", b"\x80\x02cos\nsystem\n(" + _text(cmd) + b"tR."),
        ("reduce-posix.system", pickle.dumps({"w": [_Reduce(os.system, (cmd,))]}, protocol=2)),
        ("eval", pickle.dumps(_Reduce(builtins.eval, (code,)), protocol=2)),
        ("exec", pickle.dumps({"a": _Reduce(builtins.exec, (code,))}, protocol=2)),
        (
            "getattr-chain",  # getattr(importlib.import_module("os"), "system")(cmd)
            b"\x80\x02cbuiltins\ngetattr\n(cimportlib\nimport_module\n("
            + _text("os")
            + b"tR"
            + _text("system")
            + b"tR("
            + _text(cmd)
            + b"tR.",
        ),
        ("Popen", pickle.dumps(_Reduce(subprocess.Popen, (["touch", canary],)), protocol=2)),
        ("import_module", pickle.dumps([os_module], protocol=2)),
        ("INST", b"(" + _text(cmd) + b"ios\nsystem\n."),
        ("OBJ", b"\x80\x02(cos\nsystem\n" + _text(cmd) + b"o."),
        (
            "NEWOBJ",
            b"\x80\x02csubprocess\nPopen\n(]"
            + _text("touch")
            + b"a"
            + _text(canary)
            + b"a\x85\x81.",
        ),
        (
            "STACK_GLOBAL",
            b"\x80\x04\x8c\x02os\x8c\x06system\x93" + _text(cmd) + b"\x85R.",
        ),
        ("EXT1", b"\x80\x02\x82\xf0(" + _text(cmd) + b"tR."),
        ("EXT2", b"\x80\x02\x83\xf0\x00(" + _text(cmd) + b"tR."),
        ("EXT4", b"\x80\x02\x84\xf0\x00\x00\x00(" + _text(cmd) + b"tR."),
        (
            "BUILD-OrderedDict-setstate",
            b"\x80\x02ccollections\nOrderedDict\n)R}" + _text("__setstate__") + b"cos\nsystem\nsb.",
        ),
        (
            "builtins-getattr-subclasses",
            b"\x80\x02cbuiltins\ngetattr\n(ccollections\nOrderedDict\n"
            + _text("__init__")
            + b"tR.",
        ),
        ("reduce-chain", pickle.dumps({"m": {"x": (1, _Reduce(getattr, (os_module, "system")))}})),
        ("bytearray-bomb", b"\x80\x02c__builtin__\nbytearray\n(J\x00\x00\x00\x40tR."),
        ("Tensor-bomb", b"\x80\x02ctorch\nTensor\n(J\x00\x00\x00\x40tR."),
        ("BYTEARRAY8-lie", b"\x80\x05\x96" + struct.pack("<Q", 1 << 40) + b"abc."),
        ("BINBYTES8-lie", b"\x80\x04\x8e" + struct.pack("<Q", 1 << 40) + b"abc."),
        ("FRAME-lie", b"\x80\x04\x95" + struct.pack("<Q", 1 << 40) + b"N."),
        # nesting deeper than any recursion limit; (each list costs ~90 bytes per 2 pickle
        # bytes: 5000 keeps the load inside the allowance of harness.MAX_GROWTH)
        ("deep-lists", b"\x80\x02" + b"]" * 5000 + b"a" * 4999 + b"."),
        ("LONG-huge", b"\x80\x02\x8b" + struct.pack("<i", 1 << 20) + b"\xff" * 64 + b"."),
    ]


class _Pid:
    """Pickled as the persistent id it carries (a storage reference that may lie)."""

    def __init__(self, pid):
        self.pid = pid


class _Rebuild:
    def __init__(self, storage, offset, size, stride, requires_grad=False):
        self.args = (storage, offset, size, stride, requires_grad, OrderedDict())

    def __reduce__(self):
        return _torch_format._REBUILD_TENSOR, self.args


def _pid_pickle(obj) -> bytes:
    buffer = io.BytesIO()
    pickler = _torch_format._TorchPickler(buffer, 2)
    pickler.persistent_id = lambda o: o.pid if isinstance(o, _Pid) else None
    pickler.dump(obj)
    return buffer.getvalue()


def _lying_tensors(legacy: bool) -> list[tuple[str, bytes]]:
    float_storage = _torch_format._TORCH_GLOBALS["FloatStorage"]

    def pid(numel=4, key="0", location="cpu", storage_type=float_storage):
        values = ("storage", storage_type, key, location, numel)
        return _Pid((*values, None) if legacy else values)

    cases = {
        "view-past-end": _Rebuild(pid(), 2, (5,), (1,)),
        "negative-size": _Rebuild(pid(), 0, (-1,), (1,)),
        "huge-size": _Rebuild(pid(), 0, (1 << 62,), (1,)),
        "huge-stride": _Rebuild(pid(), 0, (2,), (1 << 62,)),
        "huge-offset": _Rebuild(pid(), 1 << 62, (1,), (1,)),
        "zero-stride-huge": _Rebuild(pid(), 0, (1 << 40,), (0,)),
        "rank-mismatch": _Rebuild(pid(), 0, (2, 2), (1,)),
        "huge-numel": _Rebuild(pid(numel=1 << 60), 0, (1,), (1,)),
        "negative-numel": _Rebuild(pid(numel=-4), 0, (1,), (1,)),
        "wrong-numel": _Rebuild(pid(numel=3), 0, (1,), (1,)),
        "missing-key": _Rebuild(pid(key="9"), 0, (1,), (1,)),
        "key-not-str": _Rebuild(pid(key=0), 0, (1,), (1,)),
        "cuda-location": _Rebuild(pid(location="cuda:0"), 0, (1,), (1,)),
        "location-not-str": _Rebuild(pid(location=3), 0, (1,), (1,)),
        "storage-type-lie": _Rebuild(
            pid(storage_type=_torch_format._REBUILD_TENSOR), 0, (1,), (1,)
        ),
        "two-dtypes": [
            _Rebuild(pid(), 0, (1,), (1,)),
            _Rebuild(pid(storage_type=_torch_format._TORCH_GLOBALS["IntStorage"]), 0, (1,), (1,)),
        ],
        "requires-grad-int": _Rebuild(
            pid(storage_type=_torch_format._TORCH_GLOBALS["IntStorage"]), 0, (1,), (1,), True
        ),
        "pid-not-tuple": _Pid("storage"),
        "storage-as-value": {"s": pid()},
        "BUILD-tensor-slots": _BuildTensor(pid()),
    }
    return [(label, _pid_pickle(obj)) for label, obj in cases.items()]


class _BuildTensor:
    """A real tensor, then BUILD with slot state that would replace its array."""

    def __init__(self, storage):
        self.storage = storage

    def __reduce__(self):
        return (
            _torch_format._REBUILD_TENSOR,
            (self.storage, 0, (1,), (1,), False, OrderedDict()),
            (None, {"_data": "not an array"}),
        )


# --- containers: zip archives, legacy files, safetensors ---------------------------------------


def zip_archive(members: dict[str, bytes], compress=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compress) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def stored_zip(members: dict[str, bytes]) -> bytes:
    """The archive ``zip_archive(members)`` writes (stored records), built without zipfile.

    The fuzzer wraps every "inside" input in an archive; zipfile's writer is Python code that
    the fuzzer instruments, and cost a tenth of each input. The records are the ones zipfile
    writes for ``writestr`` with a fixed date (1980-01-01), so the bytes are deterministic.
    """
    local, central = [], []
    offset = 0
    for name, data in members.items():
        raw_name = name.encode("ascii")
        crc = zlib.crc32(data)
        fields = (20, 0, 0, 0, 0x21, crc, len(data), len(data), len(raw_name))
        record = struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields, 0) + raw_name + data
        central.append(
            struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 0x314, *fields, 0, 0, 0, 0, 0o600 << 16,
                        offset) + raw_name
        )  # fmt: skip
        local.append(record)
        offset += len(record)
    directory = b"".join(central)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members),
                      len(directory), offset, 0)  # fmt: skip
    return b"".join(local) + directory + end


def torch_archive(pickled: bytes, storage: bytes = bytes(16)) -> bytes:
    return stored_zip(
        {"archive/data.pkl": pickled, "archive/byteorder": b"little", "archive/data/0": storage}
    )


@functools.cache
def _legacy_head() -> bytes:
    return b"".join(
        pickle.dumps(v, protocol=2)
        for v in (_LEGACY_MAGIC, 1001, {"protocol_version": 1001, "little_endian": True})
    )


def legacy_file(pickled: bytes, keys=("0",), storage: bytes = bytes(16)) -> bytes:
    head = _legacy_head()
    tail = pickle.dumps(list(keys), protocol=2)
    tail += b"".join(struct.pack("<q", len(storage) // 4) + storage for _ in keys)
    return head + pickled + tail


def safetensors_file(header: dict | str, data: bytes = b"") -> bytes:
    text = header if isinstance(header, str) else json.dumps(header)
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw + data


def _zip_lies(valid: bytes) -> list[tuple[str, bytes]]:
    members = zip_members(valid)
    storage = next(name for name in members if "/data/" in name)
    out = []
    bomb = io.BytesIO()  # a consistent checkpoint whose 8 MiB storage deflates to 8 KiB
    numel = 1 << 21
    pid = _Pid(("storage", _torch_format._TORCH_GLOBALS["FloatStorage"], "0", "cpu", numel))
    with zipfile.ZipFile(bomb, "w") as archive:
        archive.writestr("archive/data.pkl", _pid_pickle({"w": _Rebuild(pid, 0, (numel,), (1,))}))
        archive.writestr("archive/data/0", bytes(4 * numel), zipfile.ZIP_DEFLATED)
    out.append(("deflate-bomb", bomb.getvalue()))
    for method, label in ((zipfile.ZIP_BZIP2, "bzip2"), (zipfile.ZIP_LZMA, "lzma")):
        out.append((label, zip_archive(members, method)))
    out.append(("deflated-ok", zip_archive(members, zipfile.ZIP_DEFLATED)))
    out.append(("declares-huge-entry", _patch_sizes(valid, storage, 0xFFFFFFF0, 0xFFFFFFF0)))
    out.append(("size-mismatch", _patch_sizes(valid, "archive/data.pkl", None, 1 << 30)))
    duplicated = io.BytesIO()
    with zipfile.ZipFile(duplicated, "w") as archive:
        for name, data in [*members.items(), ("archive/data.pkl", b"\x80\x02N.")]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # zipfile warns about the duplicated name
                archive.writestr(name, data)
    out.append(("duplicated-entry", duplicated.getvalue()))
    out.append(("torchscript", zip_archive({**members, "archive/constants.pkl": b"\x80\x02N."})))
    out.append(("no-data.pkl", zip_archive({"archive/other": b"x"})))
    out.append(("byteorder-lie", zip_archive({**members, "archive/byteorder": b"middle"})))
    return out


def _patch_sizes(data: bytes, member: str, compressed, uncompressed) -> bytes:
    """Rewrite ``member``'s sizes in its central directory entry (the CRC stays)."""
    raw = bytearray(data)
    needle = b"PK\x01\x02"
    position = raw.find(needle)
    while position >= 0:
        name_length = struct.unpack_from("<H", raw, position + 28)[0]
        name = bytes(raw[position + 46 : position + 46 + name_length]).decode()
        if name == member:
            if compressed is not None:
                struct.pack_into("<I", raw, position + 20, compressed)
            struct.pack_into("<I", raw, position + 24, uncompressed)
        position = raw.find(needle, position + 4)
    return bytes(raw)


def _safetensors_lies() -> list[tuple[str, bytes]]:
    f32 = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
    data = bytes(8)
    deep = "[" * 100000 + "]" * 100000
    tree = {"version": 1, "tree": json.loads("[" * 50 + "]" * 50)}
    deep_tree = '{"version": 1, "tree": ' + '{"type": "list", "items": [' * 3000 + "]}" * 3000 + "}"
    cases = {
        "huge-shape": {"w": {**f32, "shape": [1 << 40, 1 << 40]}},
        "negative-shape": {"w": {**f32, "shape": [-2]}},
        "float-shape": {"w": {**f32, "shape": [2.0]}},
        "offsets-past-end": {"w": {**f32, "data_offsets": [0, 1 << 62]}},
        "offsets-reversed": {"w": {**f32, "data_offsets": [8, 0]}},
        "offsets-not-int": {"w": {**f32, "data_offsets": ["0", "8"]}},
        "overlap": {"w": f32, "v": {**f32, "shape": [1], "data_offsets": [4, 8]}},
        "gap": {"w": {**f32, "shape": [1], "data_offsets": [4, 8]}},
        "bf16": {"w": {**f32, "dtype": "BF16", "shape": [4]}},
        "dtype-int": {"w": {**f32, "dtype": 7}},
        "no-dtype": {"w": {"shape": [2], "data_offsets": [0, 8]}},
        "entry-not-dict": {"w": [1, 2]},
        "metadata-not-str": {"w": f32, "__metadata__": {"a": 1}},
        "metadata-list": {"w": f32, "__metadata__": [1]},
        "tree-as-list": {"w": f32, "__metadata__": {"microtensor": json.dumps(tree)}},
        "tree-deep": {"w": f32, "__metadata__": {"microtensor": deep_tree}},
        "tree-bad-key": {
            "w": f32,
            "__metadata__": {
                "microtensor": json.dumps({"version": 1, "tree": {"type": "tensor", "key": [1]}})
            },
        },
    }
    out = [(label, safetensors_file(header, data)) for label, header in cases.items()]
    out.append(
        (
            "duplicated-key",
            safetensors_file(f'{{"w": {json.dumps(f32)}, "w": {json.dumps(f32)}}}', data),
        )
    )
    out.append(("header-deep", safetensors_file(deep, data)))
    out.append(("header-size-huge", struct.pack("<Q", 1 << 63) + b"{}"))
    out.append(("header-size-plus-one", struct.pack("<Q", 3) + b"{}"))
    out.append(("empty", b""))
    return out


@functools.lru_cache(maxsize=4)
def seeds(canary: str) -> dict[str, list[tuple[str, bytes]]]:
    """The seed files of each loader (see the module docstring)."""
    code = _code_pickles(canary)
    valid_zip = _valid("torch")
    result = {
        "safetensors": _valid("safetensors") + _safetensors_lies(),
        "torch": valid_zip
        + [(f"zip-{label}", torch_archive(p)) for label, p in code]
        + [(f"zip-{label}", torch_archive(p)) for label, p in _lying_tensors(False)]
        + _zip_lies(valid_zip[0][1]),
        "pickle": _valid("pickle")
        + [(f"legacy-{label}", legacy_file(p)) for label, p in code]
        + [(f"bare-{label}", p) for label, p in code]
        + [(f"legacy-{label}", legacy_file(p)) for label, p in _lying_tensors(True)]
        + [
            ("legacy-keys-lie", legacy_file(_pid_pickle([]), keys=("0", "1"))),
            ("legacy-truncated", _valid("pickle")[0][1][:-7]),
            ("legacy-bad-version", pickle.dumps(_LEGACY_MAGIC, protocol=2) + pickle.dumps(7)),
        ],
    }
    return result
