"""return_types (microtensor/return_types.py): torch's names for the named-tuple results."""

from __future__ import annotations

import pytest
import torch

import microtensor as mt

DATA = [[1.0, 5.0, 2.0], [3.0, 2.0, 4.0], [0.5, 1.0, 6.0]]

CALLS = {
    "max": lambda lib, a: a.max(0),
    "min": lambda lib, a: lib.min(a, 1),
    "sort": lambda lib, a: a.sort(),
    "topk": lambda lib, a: a.topk(2),
    "kthvalue": lambda lib, a: a.kthvalue(1),
    "median": lambda lib, a: a.median(0),
    "nanmedian": lambda lib, a: a.nanmedian(0),
    "mode": lambda lib, a: a.mode(),
    "cummax": lambda lib, a: a.cummax(0),
    "cummin": lambda lib, a: a.cummin(1),
    "aminmax": lambda lib, a: lib.aminmax(a),
    "frexp": lambda lib, a: lib.frexp(a),
    "histogram": lambda lib, a: lib.histogram(a.flatten(), 3),
    "linalg_slogdet": lambda lib, a: lib.linalg.slogdet(a),
    "slogdet": lambda lib, a: lib.slogdet(a),
    "linalg_qr": lambda lib, a: lib.linalg.qr(a),
    "linalg_svd": lambda lib, a: lib.linalg.svd(a),
    "svd": lambda lib, a: lib.svd(a),
    "linalg_eigh": lambda lib, a: lib.linalg.eigh(a @ a.T),
    "linalg_inv_ex": lambda lib, a: lib.linalg.inv_ex(a),
    "linalg_cholesky_ex": lambda lib, a: lib.linalg.cholesky_ex(a @ a.T),
    "linalg_lu_factor": lambda lib, a: lib.linalg.lu_factor(a),
    "linalg_lu": lambda lib, a: lib.linalg.lu(a),
    "linalg_solve_ex": lambda lib, a: lib.linalg.solve_ex(a, a),
}


@pytest.mark.parametrize("name", CALLS)
def test_results_are_instances_of_torchs_names(name):
    assert isinstance(CALLS[name](torch, torch.tensor(DATA)), getattr(torch.return_types, name))
    result = CALLS[name](mt, mt.tensor(DATA))
    assert isinstance(result, getattr(mt.return_types, name))
    assert isinstance(result, tuple)


def test_fields_and_unpacking():
    values, indices = mt.tensor(DATA).max(dim=1)
    r = mt.tensor(DATA).max(dim=1)
    assert r.values.tolist() == values.tolist() == [5.0, 4.0, 6.0]
    assert r.indices.tolist() == indices.tolist() == [1, 2, 2]
    assert repr(r).startswith("microtensor.return_types.max(")
