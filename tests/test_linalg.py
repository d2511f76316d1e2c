"""The ``microtensor.linalg`` namespace against ``torch.linalg``, and the Tensor methods."""

import numpy as np
import pytest
import torch

import microtensor as mt

# torch.linalg names microtensor does not have, each with its reason
MISSING = {
    "common_notes": "a documentation dict, not a function",
}


def test_linalg_has_every_torch_linalg_name_but_the_explained_ones():
    torch_names = {n for n in dir(torch.linalg) if not n.startswith("_")}
    assert torch_names - set(mt.linalg.__all__) == set(MISSING)
    assert set(mt.linalg.__all__) <= torch_names
    for name in mt.linalg.__all__:
        assert callable(getattr(mt.linalg, name)), name


def test_linalg_error_is_a_runtime_error_as_torch():
    assert issubclass(mt.linalg.LinAlgError, RuntimeError)
    assert issubclass(torch.linalg.LinAlgError, RuntimeError)
    with pytest.raises(RuntimeError, match="singular"):
        mt.linalg.inv(mt.zeros(2, 2))


METHODS = [
    ("det", ()),
    ("logdet", ()),
    ("slogdet", ()),
    ("inverse", ()),
    ("pinverse", ()),
    ("matrix_exp", ()),
    ("matrix_power", (3,)),
    ("cholesky", ()),
    ("lu", ()),
    ("qr", ()),
]


@pytest.mark.parametrize("name,args", METHODS, ids=[m[0] for m in METHODS])
def test_tensor_methods_match_torch(name, args):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 3))
    a = a @ a.T + 3 * np.eye(3)  # positive-definite, so every method applies
    mine = getattr(mt.tensor(a), name)(*args)
    theirs = getattr(torch.tensor(a), name)(*args)
    mine = mine if isinstance(mine, tuple) else (mine,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    for m, t in zip(mine, theirs, strict=True):
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-10, atol=1e-12)


def test_svd_method_returns_v():
    a = np.diag([3.0, 2.0])
    u, s, v = mt.tensor(a).svd()
    np.testing.assert_allclose((u * s) @ v.T, a, atol=1e-12)
    assert s.tolist() == [3.0, 2.0]


def test_results_are_named_tuples_with_torch_field_names():
    a = mt.tensor([[2.0, 1.0], [1.0, 2.0]])
    assert mt.linalg.eigh(a)._fields == ("eigenvalues", "eigenvectors")
    assert mt.linalg.svd(a)._fields == ("U", "S", "Vh")
    assert mt.linalg.qr(a)._fields == ("Q", "R")
    assert mt.linalg.lu(a)._fields == ("P", "L", "U")
    assert mt.linalg.lu_factor(a)._fields == ("LU", "pivots")
    assert mt.linalg.slogdet(a)._fields == ("sign", "logabsdet")
    assert mt.linalg.cholesky_ex(a)._fields == ("L", "info")
    assert mt.linalg.inv_ex(a)._fields == ("inverse", "info")
    lstsq = mt.linalg.lstsq(a, mt.ones(2, 1))
    assert lstsq._fields == ("solution", "residuals", "rank", "singular_values")
    assert repr(mt.linalg.qr(a)).startswith("microtensor.return_types.linalg_qr(\nQ=tensor(")


def test_mh_and_adjoint_are_the_transpose_of_real_matrices():
    x = mt.arange(6.0).reshape(1, 2, 3)
    assert x.mH.tolist() == x.mT.tolist() == x.adjoint().tolist()
    assert x.mH.shape == (1, 3, 2)
