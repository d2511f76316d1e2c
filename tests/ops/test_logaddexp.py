"""logaddexp, logaddexp2."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch

# --- logaddexp, logaddexp2 ----------------------------------------------------------------------

BINARY = [
    ("logaddexp", mt.logaddexp, torch.logaddexp),
    ("logaddexp2", mt.logaddexp2, torch.logaddexp2),
]


@pytest.mark.parametrize("name,mt_fn,torch_fn", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
    seed=st.integers(0, 99),
)
def test_logaddexp_matches_torch(name, mt_fn, torch_fn, dtype, shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal(s).astype(dtype) for s in shapes.input_shapes)
    compare_with_torch(mt_fn, torch_fn, [a, b], rng=rng)


@pytest.mark.parametrize("name,mt_fn,torch_fn", BINARY, ids=[b[0] for b in BINARY])
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3),
    seed=st.integers(0, 99),
)
def test_logaddexp_gradcheck(name, mt_fn, torch_fn, shapes, seed):
    rng = np.random.default_rng(seed)
    check_gradients(mt_fn, [rng.standard_normal(s) for s in shapes.input_shapes])


@pytest.mark.parametrize("name,mt_fn,torch_fn", BINARY, ids=[b[0] for b in BINARY])
def test_logaddexp_extremes_match_torch(name, mt_fn, torch_fn):
    a = np.array([1000.0, -1000.0, np.inf, -np.inf, -np.inf, np.inf, 0.0])
    b = np.array([1000.0, -1001.0, 1.0, 2.0, -np.inf, np.inf, -np.inf])
    compare_with_torch(mt_fn, torch_fn, [a, b])


def test_logaddexp_errors_and_numbers():
    with pytest.raises(NotImplementedError, match=r"logaddexp\(\): not implemented for int64"):
        mt.logaddexp(mt.tensor([1, 2]), mt.tensor([1, 2]))
    with pytest.raises(
        RuntimeError, match=r"logaddexp2\(\): The size of tensor a \(2\) must match"
    ):
        mt.logaddexp2(mt.ones(2), mt.ones(3))
    with pytest.raises(
        TypeError, match=r"logaddexp\(\): argument 'input' must be Tensor, not float"
    ):
        mt.logaddexp(1.0, 2.0)
    out = mt.logaddexp(mt.tensor([0.0]), 0.0)
    assert out.dtype == mt.float32 and abs(out.item() - np.log(2)) < 1e-6
