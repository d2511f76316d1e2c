"""Storages (microtensor/storage.py): the memory a tensor views, as torch's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import microtensor as mt

VIEWS = {
    "transpose": lambda x: x.t(),
    "row": lambda x: x[1],
    "column slice": lambda x: x[:, 1:],
    "view": lambda x: x.view(3, 2),
    "flip-free reshape": lambda x: x.reshape(-1),
    "clone": lambda x: x.clone(),
    "contiguous of a transpose": lambda x: x.t().contiguous(),
}


@pytest.mark.parametrize("name", VIEWS)
def test_views_share_the_storage_and_copies_do_not_as_in_torch(name):
    results = []
    for lib in (torch, mt):
        x = lib.arange(6.0).reshape(2, 3)
        y = VIEWS[name](x)
        shared = y.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
        results.append((shared, y.untyped_storage().nbytes(), y.storage_offset()))
    assert results[0] == results[1]


def test_untyped_storage_fields():
    x = mt.arange(6.0).reshape(2, 3)
    u = x.untyped_storage()
    t = torch.arange(6.0).reshape(2, 3).untyped_storage()
    assert (u.nbytes(), u.size(), len(u), u.element_size()) == (t.nbytes(), t.size(), len(t), 1)
    assert u.tolist() == t.tolist() and u[7] == t[7]
    assert str(u.device) == "cpu" and isinstance(u, mt.UntypedStorage)
    assert repr(u).splitlines()[-1] == "[microtensor.storage.UntypedStorage(device=cpu) of size 24]"
    assert not u.is_shared() and not u.is_pinned()


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "uint8", "bool", "bfloat16"])
def test_typed_storage_warns_and_reads_the_elements(dtype):
    data = np.array([0, 1, 2, 3, 1, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        want = torch.tensor(data, dtype=getattr(torch, dtype)).reshape(2, 3).t().storage()
    with pytest.warns(UserWarning, match="TypedStorage is deprecated"):
        got = mt.tensor(data, dtype=getattr(mt, dtype)).reshape(2, 3).t().storage()
    assert got.tolist() == want.tolist() and got[2] == want[2]
    assert (got.size(), got.nbytes(), got.element_size()) == (
        want.size(),
        want.nbytes(),
        want.element_size(),
    )
    assert got.dtype == getattr(mt, dtype) and isinstance(got, mt.TypedStorage)
    assert got.untyped().data_ptr() == got.data_ptr()


def test_storage_reflects_writes_through_the_tensor():
    x = mt.zeros(3)
    u = x.untyped_storage()
    x[0] = 1.0
    assert u.tolist()[:4] == [0, 0, 128, 63]  # 1.0f, little-endian
