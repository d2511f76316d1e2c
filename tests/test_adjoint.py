"""torch.adjoint against torch: values, gradients, gradcheck, the 1-D error."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch


@pytest.mark.parametrize("shape", [(2, 3), (4, 1, 3), (0, 2), (2, 3, 0)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_real_matches_torch(shape, dtype):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    compare_with_torch(mt.adjoint, torch.adjoint, [x])


def test_complex_matches_torch():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4)) + 1j * rng.standard_normal((2, 3, 4))
    expected = torch.adjoint(torch.tensor(x)).resolve_conj().numpy()
    np.testing.assert_array_equal(mt.adjoint(mt.tensor(x)).numpy(), expected)


def test_gradcheck():
    check_gradients(mt.adjoint, [np.random.default_rng(2).standard_normal((2, 3, 2))])


@pytest.mark.parametrize("shape", [(3,), ()])
def test_fewer_than_two_dims_raise(shape):
    with pytest.raises(RuntimeError, match=f"only supported on matrices .* Got {len(shape)}-D"):
        mt.adjoint(mt.zeros(shape))
