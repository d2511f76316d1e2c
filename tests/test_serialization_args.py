"""save / load arguments from torch's signatures (microtensor/serialization.py, _torch_legacy.py):
pickle_module, pickle_protocol, _use_new_zipfile_serialization, _disable_byteorder_record,
mmap and the unpickler's encoding."""

import inspect
import io
import os
import pickle
import warnings
import zipfile

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.serialization import CheckpointError, load, save


def _mt_bytes(obj, **kwargs):
    buffer = io.BytesIO()
    save(obj, buffer, **kwargs)
    return buffer.getvalue()


def test_signatures_match_torch():
    for ours, theirs in ((save, torch.save), (load, torch.load)):
        ours_params = inspect.signature(ours).parameters
        their_params = inspect.signature(theirs).parameters
        assert list(ours_params) == list(their_params)
        for name, param in their_params.items():
            assert ours_params[name].kind == param.kind, name
            if name != "pickle_module":  # torch's save default is the pickle module too
                assert ours_params[name].default == param.default, name
    assert inspect.signature(save).parameters["pickle_module"].default is pickle


def test_legacy_format_is_read_by_torch_and_back():
    base = mt.arange(12.0).reshape(3, 4)
    state = {"w": base, "row": base[1], "i": mt.tensor([1, 2], dtype=mt.int16), "epoch": 3}
    data = _mt_bytes(state, _use_new_zipfile_serialization=False)
    assert data[:4] != b"PK\x03\x04"
    theirs = torch.load(io.BytesIO(data), weights_only=True)
    np.testing.assert_array_equal(theirs["row"].numpy(), [4.0, 5.0, 6.0, 7.0])
    assert theirs["i"].dtype == torch.int16 and theirs["epoch"] == 3
    assert theirs["row"].untyped_storage().data_ptr() == theirs["w"].untyped_storage().data_ptr()
    ours = load(io.BytesIO(data))
    np.testing.assert_array_equal(ours["w"].numpy(), base.numpy())
    ours["w"][1, 0] = -1.0  # views of one storage share memory, as in torch
    assert ours["row"][0].item() == -1.0


def test_torch_legacy_files_load_with_every_dtype():
    tensors = {
        name: torch.arange(4).to(getattr(torch, name))
        for name in ["float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64"]
    }
    tensors["bool"] = torch.tensor([True, False])
    buffer = io.BytesIO()
    torch.save(tensors, buffer, _use_new_zipfile_serialization=False)
    loaded = load(io.BytesIO(buffer.getvalue()))
    for name, t in tensors.items():
        assert str(loaded[name].dtype) == f"microtensor.{name}"
        np.testing.assert_array_equal(loaded[name].numpy(), t.numpy())


def _pt_bytes(obj, **kwargs):
    buffer = io.BytesIO()
    buffer.name = "model.pt"  # a .pt name selects torch's zip format
    save(obj, buffer, **kwargs)
    return buffer.getvalue()


def test_zip_options_are_honoured_and_read_by_torch():
    data = _pt_bytes({"w": mt.ones(2)}, pickle_protocol=3, _disable_byteorder_record=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read("archive/data.pkl")[:2] == b"\x80\x03"
        assert "archive/byteorder" not in archive.namelist()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch notes protocol 3 is not its default
        assert torch.load(io.BytesIO(data), weights_only=True)["w"].tolist() == [1, 1]
    data = _pt_bytes({"w": mt.ones(2)}, pickle_protocol=4)  # frames: torch's weights_only
    assert load(io.BytesIO(data))["w"].tolist() == [1, 1]  # unpickler lacks them, ours not


def test_pickle_module_other_than_pickle_is_refused():
    class FakePickle:
        pass

    with pytest.raises(ValueError, match="save\\(\\): pickle_module=.*FakePickle.* not supported"):
        save({"a": 1}, io.BytesIO(), pickle_module=FakePickle())
    data = _mt_bytes({"a": 1}, pickle_module=pickle)
    assert load(io.BytesIO(data), pickle_module=pickle) == {"a": 1}
    with pytest.raises(ValueError, match="load\\(\\): pickle_module=.*not supported"):
        load(io.BytesIO(data), pickle_module=FakePickle())
    with pytest.raises(RuntimeError, match="Can not safely load weights when explicit pickle"):
        load(io.BytesIO(data), pickle_module=pickle, weights_only=True)


def test_pickle_module_does_not_switch_the_allow_list_off(tmp_path):
    marker = tmp_path / "pwned"
    payload = b"\x80\x02cos\nsystem\nX" + len(f"touch {marker}").to_bytes(4, "little")
    payload += f"touch {marker}".encode() + b"\x85R."
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("archive/data.pkl", payload)
    with pytest.raises(CheckpointError, match="GLOBAL os.system was not an allowed global"):
        load(io.BytesIO(archive.getvalue()), pickle_module=pickle)
    assert not marker.exists()


def _python2_legacy_file():
    """A legacy file whose dict key is a Python 2 str (SHORT_BINSTRING) holding b'caf\\xe9'."""
    head = b"".join(pickle.dumps(v, protocol=2) for v in (0x1950A86A20F9469CFC6C, 1001, {}))
    return head + b"\x80\x02}U\x04caf\xe9K\x01s." + pickle.dumps([], protocol=2)


def test_encoding_decodes_python2_strings():
    data = _python2_legacy_file()
    assert load(io.BytesIO(data), encoding="latin1") == {"café": 1}
    assert load(io.BytesIO(data), encoding="bytes") == {b"caf\xe9": 1}
    assert load(io.BytesIO(data), encoding="ascii", errors="replace") == {"caf\ufffd": 1}
    with pytest.raises(CheckpointError, match="BytesIO holds a corrupt pickle: UnicodeDecodeError"):
        load(io.BytesIO(data))  # utf-8, torch's default
    with pytest.raises(LookupError, match="load\\(\\): unknown encoding 'klingon'"):
        load(io.BytesIO(data), encoding="klingon")
    with pytest.raises(TypeError, match="unexpected keyword argument 'fix_everything'"):
        load(io.BytesIO(data), fix_everything=True)


def test_mmap_maps_safetensors_and_zip_storages(tmp_path):
    weights = np.arange(6, dtype=np.float32).reshape(2, 3)
    for name in ("state.safetensors", "state.pt"):
        path = tmp_path / name
        save({"w": mt.Tensor._make(weights.copy()), "step": 2}, path)
        before = path.read_bytes()
        loaded = load(path, mmap=True)
        assert loaded["step"] == 2
        np.testing.assert_array_equal(loaded["w"].numpy(), weights)
        base = loaded["w"]._data
        while not isinstance(base, np.memmap) and base.base is not None:
            base = base.base
        assert isinstance(base, np.memmap), name
        loaded["w"][0, 0] = 100.0  # copy-on-write: the file is untouched
        assert path.read_bytes() == before


def test_mmap_refuses_legacy_files_and_file_objects(tmp_path):
    path = tmp_path / "old.pt"
    save({"w": mt.ones(2)}, path, _use_new_zipfile_serialization=False)
    assert load(path)["w"].tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="mmap can only be used with files saved with"):
        load(path, mmap=True)
    with pytest.raises(ValueError, match="f must be a file path in order to use the mmap"):
        load(io.BytesIO(path.read_bytes()), mmap=True)


def test_legacy_save_of_a_path_is_atomic(tmp_path):
    path = tmp_path / "ckpt.bin"
    save({"step": 1}, path, _use_new_zipfile_serialization=False)
    assert load(path) == {"step": 1}
    assert os.listdir(tmp_path) == ["ckpt.bin"]


def test_legacy_format_with_weights_only_false_unpickles_fully():
    data = _mt_bytes({"w": mt.arange(3.0), "s": {1, 2}}, _use_new_zipfile_serialization=False)
    with pytest.warns(UserWarning, match="weights_only=False"):
        loaded = load(io.BytesIO(data), weights_only=False)
    assert loaded["s"] == {1, 2} and loaded["w"].tolist() == [0.0, 1.0, 2.0]
