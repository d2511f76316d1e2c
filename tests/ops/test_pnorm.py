"""dist and renorm."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, 0, float("inf"), -float("inf")])
def test_dist_matches_torch(p):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal(4)
    grad = p != 0  # torch 2.13 fails in the backward of dist with p=0
    compare_with_torch(
        lambda x, y: mt.dist(x, y, p), lambda x, y: torch.dist(x, y, p), [a, b], grad=grad, rng=rng
    )
    compare_with_torch(
        lambda x, y: x.dist(y, p), lambda x, y: x.dist(y, p), [a, a.copy()], grad=grad, rng=rng
    )
    if p != 0:
        check_gradients(lambda x, y: mt.dist(x, y, p), [a, b])


def test_dist_errors():
    with pytest.raises(RuntimeError, match=r"dist\(\): The size of tensor a \(2\) must match"):
        mt.dist(mt.ones(2), mt.ones(3))


@pytest.mark.parametrize("p,dim,maxnorm", [(2, 0, 2.0), (1, 1, 1.5), (3, -1, 0.0), (2, 2, 5.0)])
def test_renorm_matches_torch(p, dim, maxnorm):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4, 2))
    compare_with_torch(
        lambda t: mt.renorm(t, p, dim, maxnorm),
        lambda t: torch.renorm(t, p, dim, maxnorm),
        [x],
        rng=rng,
    )
    check_gradients(lambda t: t.renorm(p, dim, maxnorm), [x])


def test_renorm_in_place_and_errors():
    x = mt.tensor([[3.0, 4.0], [0.3, 0.4]])
    assert x.renorm_(2, 0, 1.0) is x
    np.testing.assert_allclose(x.numpy(), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
    with pytest.raises(RuntimeError, match=r"renorm\(\): input needs at least 2 dimensions"):
        mt.renorm(mt.ones(2), 2, 0, 1.0)
    with pytest.raises(RuntimeError, match=r"non-positive-norm not supported"):
        mt.renorm(mt.ones(2, 2), -1, 0, 1.0)
    with pytest.raises(RuntimeError, match=r"expected maxnorm to be >= 0 but got -1"):
        mt.renorm(mt.ones(2, 2), 2, 0, -1.0)


def test_dist_and_renorm_in_float32_match_torch():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(4).astype(np.float32)
    compare_with_torch(lambda x, y: mt.dist(x, y, 3), lambda x, y: torch.dist(x, y, 3), [a, b])
    compare_with_torch(lambda x: mt.renorm(x, 2, 0, 1.0), lambda x: torch.renorm(x, 2, 0, 1.0), [a])
