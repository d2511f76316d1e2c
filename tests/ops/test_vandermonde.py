"""microtensor.vander (ops/vandermonde.py) against torch.vander."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch


def _torch_powers(t, N=None, increasing=False):
    """torch.vander as a composition: torch's own vander fails in backward (an in-place op)."""
    n = t.shape[0] if N is None else N
    if n == 0:
        return torch.vander(t.detach(), N=0)
    out = torch.stack([t**k for k in range(n)], 1)
    return out if increasing else out.flip(1)


@pytest.mark.parametrize("n", [0, 1, 3])
@pytest.mark.parametrize("N", [None, 0, 1, 2, 5])
@pytest.mark.parametrize("increasing", [False, True])
def test_vander_values_and_gradients_match_torch(n, N, increasing):
    x = np.random.default_rng(n).standard_normal(n)
    ours = mt.vander(mt.tensor(x), N=N, increasing=increasing)
    theirs = torch.vander(torch.tensor(x), N=N, increasing=increasing)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    compare_with_torch(
        lambda t: mt.vander(t, N=N, increasing=increasing),
        lambda t: _torch_powers(t, N, increasing),
        [x],
        rng=np.random.default_rng(7),
    )


def test_vander_float32_and_a_zero_input():
    x = np.array([0.0, -1.5, 2.0], np.float32)  # a zero: the cumulative product's gradient
    compare_with_torch(lambda t: mt.vander(t, 4), lambda t: _torch_powers(t, 4), [x])


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int32", "int64"])
def test_vander_of_integers_is_int64_as_torch(dtype):
    values = [1, 0, 1] if dtype == "bool" else [2, -1, 3] if dtype[0] == "i" else [2, 1, 3]
    ours = mt.vander(mt.tensor(values, dtype=getattr(mt, dtype)), N=4)
    theirs = torch.vander(torch.tensor(values, dtype=getattr(torch, dtype)), N=4)
    assert ours.dtype == mt.int64 and theirs.dtype == torch.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_vander_gradcheck_and_gradgradcheck():
    x = np.random.default_rng(1).standard_normal(4)
    check_gradients(lambda t: mt.vander(t), [x])
    check_gradients(lambda t: mt.vander(t, N=3, increasing=True), [x])


def test_vander_reverses_linalg_vander():
    x = mt.tensor([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(
        mt.vander(x, increasing=True).numpy(), mt.linalg.vander(x).numpy()
    )


def test_vander_errors_match_torch():
    for bad in (mt.ones(2, 2), mt.tensor(2.0)):
        with pytest.raises(RuntimeError, match="vander\\(\\): x must be a one-dimensional"):
            mt.vander(bad)
    with pytest.raises(RuntimeError, match="x must be a one-dimensional"):
        torch.vander(torch.ones(2, 2))
    with pytest.raises(RuntimeError, match="vander\\(\\): N must be non-negative, got -1"):
        mt.vander(mt.ones(2), N=-1)
    with pytest.raises(RuntimeError, match="N must be non-negative"):
        torch.vander(torch.ones(2), N=-1)
