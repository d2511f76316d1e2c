"""Hostile and corrupt torch-format files (microtensor/_torch_load.py, _pickle_restricted.py).

A pickle that would run code (os.system through REDUCE, STACK_GLOBAL, INST, OBJ; a class whose
__setstate__ runs code through BUILD; eval), anywhere in the object, is refused with
pickle.UnpicklingError before anything runs: a marker file the payload would create must not
exist afterwards.
"""

import io
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import _torch_format, serialization
from microtensor.serialization import load


def _mt_load_bytes(data, **kwargs):
    return load(io.BytesIO(data), **kwargs)


def _torch_bytes(obj):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _archive(pickled):
    return _zip({"archive/data.pkl": pickled, "archive/version": b"3\n"})


class _RunsShell:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _SetsState:
    def __init__(self, marker):
        self.marker = marker

    def __setstate__(self, state):
        open(state["marker"], "w").close()


def _hostile_pickles(marker):
    command = f"touch {marker}".encode()
    return {
        "reduce": pickle.dumps({"model": {"w": [_RunsShell(marker)]}}, protocol=2),
        "stack_global": pickle.dumps({"nested": (_RunsShell(marker),)}, protocol=4),
        "inst": b"(S'" + command + b"'\nios\nsystem\n.",
        "obj": b"\x80\x02(cos\nsystem\nX" + len(command).to_bytes(4, "little") + command + b"o.",
        "build": pickle.dumps({"x": _SetsState(marker)}, protocol=2),
        "builtins_eval": b"c__builtin__\neval\n(X\x05\x00\x00\x001 + 1tR.",
    }


@pytest.mark.parametrize("kind", list(_hostile_pickles("m")))
def test_hostile_pickle_is_refused_and_runs_nothing(tmp_path, kind):
    marker = tmp_path / "pwned"
    pickled = _hostile_pickles(marker)[kind]
    with pytest.raises(pickle.UnpicklingError, match="was not an allowed global by default"):
        _mt_load_bytes(_archive(pickled))
    with pytest.raises(RuntimeError):  # a bare pickle is not a checkpoint at all
        _mt_load_bytes(pickled)
    assert not marker.exists()
    assert not (tmp_path.parent / "pwned").exists()


def test_extension_opcodes_are_refused():
    with pytest.raises(pickle.UnpicklingError, match="Unsupported operand EXT1"):
        _mt_load_bytes(_archive(b"\x80\x02\x82\x01."))


def test_out_of_bounds_view_is_refused():
    record = _torch_format._StorageRecord("0", np.zeros(4, np.float32))

    class Rebuild:
        def __reduce__(self):
            return _torch_format._REBUILD_TENSOR, (record, 2, (5,), (1,), False, OrderedDict())

    buffer = io.BytesIO()
    _torch_format._TorchPickler(buffer, 2).dump(Rebuild())
    data = _zip({"archive/data.pkl": buffer.getvalue(), "archive/data/0": bytes(16)})
    with pytest.raises(pickle.UnpicklingError, match="reads past the end of its storage of 4"):
        _mt_load_bytes(data)


def test_corrupt_zip_checkpoints_are_reported():
    with pytest.raises(RuntimeError, match="not a torch.save checkpoint"):
        _mt_load_bytes(_zip({"a/other.txt": b"x"}))
    data = _torch_bytes({"w": torch.ones(2)})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = {i.filename: archive.read(i) for i in archive.infolist()}
    del entries["archive/data/0"]
    with pytest.raises(RuntimeError, match="record archive/data/0 is missing"):
        _mt_load_bytes(_zip(entries))


@pytest.mark.parametrize("kind", ["reduce", "stack_global", "inst", "obj", "build"])
def test_unsafe_globals_are_listed_without_running_anything(tmp_path, kind):
    marker = tmp_path / "pwned"
    archive = io.BytesIO(_archive(_hostile_pickles(marker)[kind]))
    system = f"{os.system.__module__}.system"  # pickle names os.system by its module, posix
    expected = {
        "reduce": [system],
        "stack_global": [system],
        "inst": ["os.system"],  # the hand-written pickles name it os.system
        "obj": ["os.system"],
        "build": [f"{_SetsState.__module__}._SetsState", "pathlib.PosixPath"],  # the marker path
    }[kind]
    assert serialization.get_unsafe_globals_in_checkpoint(archive) == expected
    assert not marker.exists()


def test_unsafe_globals_of_a_saved_module():
    buffer = io.BytesIO()
    buffer.name = "model.pt"
    serialization.save(mt.nn.Sequential(mt.nn.Linear(2, 2), mt.nn.ReLU()), buffer)
    data = buffer.getvalue()
    assert serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(data)) == [
        "microtensor.nn.containers.Sequential",
        "microtensor.nn.linear.Linear",
        "microtensor.nn.activation.ReLU",
    ]
    with serialization.safe_globals([mt.nn.Sequential, mt.nn.Linear]):
        remaining = serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(data))
    assert remaining == ["microtensor.nn.activation.ReLU"]
    with pytest.raises(RuntimeError, match="is not a torch.save zip checkpoint"):
        serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(b"not a zip"))


def test_whole_torch_module_is_refused_by_name():
    data = _torch_bytes(torch.nn.Linear(2, 2))
    with pytest.raises(
        pickle.UnpicklingError,
        match=r"GLOBAL torch\.nn\.modules\.linear\.Linear was not an allowed",
    ):
        _mt_load_bytes(data)


@pytest.mark.parametrize(
    "loader, label, message",
    [
        ("torch", "deflate-bomb", "would inflate from .* to 8388608 bytes.*a zip bomb"),
        ("torch", "lzma", "uses zip compression method 14"),
        ("torch", "duplicated-entry", "two records of one name"),
        ("torch", "zip-bytearray-bomb", "bytearray: only bytes or latin-1 text"),
        ("torch", "zip-Tensor-bomb", "torch.Tensor may only be named as the type"),
        ("torch", "zip-BUILD-tensor-slots", "Can only build OrderedDict or types allowlisted"),
        ("torch", "zip-FRAME-lie", "FRAME announces 1099511627776 bytes but only 2 follow"),
        ("torch", "zip-BYTEARRAY8-lie", "BYTEARRAY8 announces 1099511627776 bytes"),
        ("torch", "zip-huge-numel", "should hold 1152921504606846976 float32 elements"),
        ("pickle", "legacy-huge-numel", "declares 1152921504606846976 float32 elements"),
        ("pickle", "legacy-keys-lie", "storage key list does not match"),
        ("pickle", "legacy-Popen", "GLOBAL commands.Popen was not an allowed global"),
        ("pickle", "bare-eval", "GLOBAL builtins.eval was not an allowed global"),
        ("safetensors", "duplicated-key", "header has a duplicated key 'w'"),
        ("safetensors", "overlap", "the bytes of tensor 'v' \\(\\[4, 8\\]\\) overlaps another"),
        ("safetensors", "gap", "leaves a gap before it"),
        ("safetensors", "huge-shape", "needs 4835703278458516698824704 bytes"),
        ("safetensors", "header-deep", "its header is nested too deeply"),
        ("safetensors", "metadata-not-str", "__metadata__ is not a map of strings to strings"),
    ],
)
def test_lying_and_hostile_files_are_refused_with_their_fault(tmp_path, loader, label, message):
    from tests.fuzz import corpus

    data = dict(corpus.seeds(str(tmp_path / "canary"))[loader])[label]
    with pytest.raises(serialization.CheckpointError, match=f"BytesIO.*{message}"):
        _mt_load_bytes(data)
    assert not (tmp_path / "canary").exists()
