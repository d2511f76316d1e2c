"""uint16, uint32 and uint64 tensors in files, both ways with torch.

torch has no typed storage for them: its zip format saves their bytes in an ``UntypedStorage``
and rebuilds them with ``_rebuild_tensor_v3`` (which carries the dtype); safetensors names them
``U16``/``U32``/``U64``. (bfloat16 files are tested in test_bfloat16.py.)
"""

import io
import pickle

import numpy as np
import pytest
import safetensors.torch
import torch

import microtensor as mt

NAMES = ["uint16", "uint32", "uint64"]


def _pair(name):
    top = 2 ** (8 * getattr(mt, name).itemsize) - 1
    values = np.array([0, 1, 12345, top], dtype=getattr(np, name))
    return mt.tensor(values), torch.from_numpy(values.copy())


def _same(ours, theirs):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("name", NAMES)
def test_torch_zip_format_both_ways(name, tmp_path):
    ours, theirs = _pair(name)
    mt.save({"x": ours, "view": ours[1:3], "dtype": ours.dtype}, tmp_path / "ours.pt")
    loaded = torch.load(tmp_path / "ours.pt")
    _same(ours, loaded["x"])
    _same(ours[1:3], loaded["view"])
    assert loaded["dtype"] is getattr(torch, name)
    assert loaded["view"].untyped_storage().data_ptr() == loaded["x"].untyped_storage().data_ptr()
    buffer = io.BytesIO()
    torch.save({"x": theirs, "strided": theirs[::2]}, buffer)
    back = mt.load(io.BytesIO(buffer.getvalue()))
    _same(back["x"], theirs)
    _same(back["strided"], theirs[::2])
    torch.save({"x": theirs}, tmp_path / "theirs.pt")
    _same(mt.load(tmp_path / "theirs.pt", mmap=True)["x"], theirs)


@pytest.mark.parametrize("name", NAMES)
def test_safetensors_both_ways(name, tmp_path):
    ours, theirs = _pair(name)
    mt.save({"x": ours}, tmp_path / "ours.safetensors")
    _same(ours, safetensors.torch.load_file(tmp_path / "ours.safetensors")["x"])
    safetensors.torch.save_file({"x": theirs}, tmp_path / "theirs.safetensors")
    _same(mt.load(tmp_path / "theirs.safetensors")["x"], theirs)


def test_rebuild_v3_refuses_storages_that_do_not_fit_the_dtype():
    from microtensor import _torch_load

    six_bytes = _torch_load._LoadedStorage(np.zeros(6, np.uint8))
    with pytest.raises(pickle.UnpicklingError, match="6 bytes cannot hold microtensor.uint32"):
        _torch_load._rebuild_tensor_v3(six_bytes, 0, (1,), (1,), False, None, mt.uint32)
    eight_bytes = _torch_load._LoadedStorage(np.zeros(8, np.uint8))
    with pytest.raises(pickle.UnpicklingError, match="reads past the end of its storage"):
        _torch_load._rebuild_tensor_v3(eight_bytes, 1, (2,), (1,), False, None, mt.uint32)
    with pytest.raises(pickle.UnpicklingError, match="expected a storage and a dtype"):
        _torch_load._rebuild_tensor_v3(eight_bytes, 0, (2,), (1,), False, None, "uint32")
