"""svd_lowrank and pca_lowrank (microtensor/ops/lowrank.py).

Both draw a random test matrix, so their singular vectors are compared through quantities
that do not depend on it: on a matrix of rank <= q the result is exact, so the reconstruction,
the singular values and the gradients of sign-invariant functions equal torch's.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import assert_same, check_gradients


def _low_rank(m: int, n: int, rank: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, rank)) @ rng.standard_normal((rank, n))


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 3)])
def test_svd_lowrank_is_exact_on_a_low_rank_matrix(shape):
    a = _low_rank(shape[-2], shape[-1], 2)
    a = np.broadcast_to(a, shape).copy()
    mt.manual_seed(0)
    u, s, v = mt.svd_lowrank(mt.tensor(a), q=2, niter=1)
    assert u.shape == (*shape[:-1], 2) and v.shape == (*shape[:-2], shape[-1], 2)
    assert_same(u @ mt.diag_embed(s) @ v.mT, mt.tensor(a), np.float64)
    assert_same(s, torch.linalg.svdvals(torch.tensor(a))[..., :2], np.float64)


def test_svd_lowrank_subtracts_m():
    a, m = _low_rank(4, 3, 1, seed=1), np.full((1, 3), 2.0)
    u, s, v = mt.svd_lowrank(mt.tensor(a + m), q=1, M=mt.tensor(m))
    assert_same(u @ mt.diag_embed(s) @ v.mT, mt.tensor(a), np.float64)


def test_pca_lowrank_centers_the_columns_as_torch():
    a = _low_rank(6, 4, 2, seed=2) + 3.0  # centred, the data have rank <= 2
    torch.manual_seed(0)
    _, s_torch, _ = torch.pca_lowrank(torch.tensor(a), q=3)
    _, s, v = mt.pca_lowrank(mt.tensor(a), q=3)
    assert_same(s[:2], s_torch[:2], np.float64)
    assert v.shape == (4, 3)


def test_gradients_of_the_singular_values_match_torch():
    a = _low_rank(4, 3, 2, seed=3)
    mine, theirs = mt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    mt.svd_lowrank(mine, q=2)[1].sum().backward()
    torch.svd_lowrank(theirs, q=2)[1].sum().backward()
    assert_same(mine.grad, theirs.grad)
    check_gradients(lambda x: mt.svd_lowrank(x, q=2)[1], [a], second=False)


def test_pca_lowrank_argument_errors():
    with pytest.raises(ValueError, match=r"q\(=4\) must be non-negative integer"):
        mt.pca_lowrank(mt.ones(3, 3), q=4)
    with pytest.raises(ValueError, match=r"niter\(=-1\)"):
        mt.pca_lowrank(mt.ones(3, 3), niter=-1)
