"""linalg.ldl_factor, ldl_factor_ex and ldl_solve (no derivatives, as PyTorch)."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import compare_with_torch


def _symmetric(rng, shape):
    a = rng.standard_normal(shape)
    return a + np.swapaxes(a, -1, -2)


@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (2, 3, 3)])
def test_ldl_factor_and_solve_match_torch(shape):
    rng = np.random.default_rng(0)
    a, b = _symmetric(rng, shape), rng.standard_normal(shape[:-1] + (2,))
    compare_with_torch(mt.linalg.ldl_factor, torch.linalg.ldl_factor, [a], grad=False)
    compare_with_torch(mt.linalg.ldl_factor_ex, torch.linalg.ldl_factor_ex, [a], grad=False)

    def solve(lib):
        return lambda x, y: lib.linalg.ldl_solve(*lib.linalg.ldl_factor(x), y)

    compare_with_torch(solve(mt), solve(torch), [a, b], grad=False)
    np.testing.assert_allclose(a @ solve(mt)(mt.tensor(a), mt.tensor(b)).numpy(), b, atol=1e-10)


def test_ldl_factor_uses_two_by_two_pivots_and_reports_singular_d():
    swap = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert mt.linalg.ldl_factor(mt.tensor(swap)).pivots.tolist() == [-2, -2]
    singular = mt.tensor([[1.0, 1.0], [1.0, 1.0]])
    theirs = torch.linalg.ldl_factor_ex(torch.tensor(singular.numpy()))
    assert mt.linalg.ldl_factor_ex(singular).info.item() == theirs.info.item() == 2
    with pytest.raises(mt.linalg.LinAlgError, match=r"ldl_factor_ex: The factorization"):
        mt.linalg.ldl_factor_ex(singular, check_errors=True)
    with pytest.raises(RuntimeError, match=r"ldl_solve: Incompatible shapes of LD and B"):
        mt.linalg.ldl_solve(*mt.linalg.ldl_factor(mt.eye(2)), mt.ones(3, 1))
