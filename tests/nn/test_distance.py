"""Distances (nn/_functional/distance.py, nn/distance.py) against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import check_gradients, compare_with_torch


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_normalize(p, dim):
    x = _x(3, 4)
    x[1] = 0.0  # a zero vector stays zero, with the gradient PyTorch gives
    compare_with_torch(lambda a: F.normalize(a, p, dim), lambda a: TF.normalize(a, p, dim), [x])
    if dim == 1:
        check_gradients(lambda a: F.normalize(a, p, dim), [_x(2, 3)])


@pytest.mark.parametrize(
    ("s1", "s2", "dim"), [((3, 4), (3, 4), 1), ((2, 1, 4), (3, 4), -1), ((4,), (4,), 0)]
)
def test_cosine_similarity(s1, s2, dim):
    a, b = _x(*s1), _x(*s2, seed=1)
    compare_with_torch(
        lambda u, v: F.cosine_similarity(u, v, dim),
        lambda u, v: TF.cosine_similarity(u, v, dim),
        [a, b],
    )
    check_gradients(lambda u, v: F.cosine_similarity(u, v, dim), [a, b])


def test_cosine_similarity_small_norm():
    a, b = _x(2, 3) * 1e-9, _x(2, 3, seed=1)
    compare_with_torch(F.cosine_similarity, TF.cosine_similarity, [a, b])


@pytest.mark.parametrize("p", [1.0, 2.0, 1.5])
@pytest.mark.parametrize(("s1", "s2"), [((3, 4), (3, 4)), ((4,), (4,)), ((3, 4), (4,))])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance(p, s1, s2, keepdim):
    a, b = _x(*s1), _x(*s2, seed=1)
    compare_with_torch(
        lambda u, v: F.pairwise_distance(u, v, p, keepdim=keepdim),
        lambda u, v: TF.pairwise_distance(u, v, p, keepdim=keepdim),
        [a, b],
    )
    if keepdim and p == 1.5:
        check_gradients(lambda u, v: F.pairwise_distance(u, v, p, keepdim=keepdim), [a, b])


@pytest.mark.parametrize("p", [0.0, 1.0, 2.0, 3.0, float("inf")])
def test_pdist(p):
    x = _x(4, 3)
    compare_with_torch(lambda a: F.pdist(a, p), lambda a: TF.pdist(a, p), [x], grad=p != 0)
    if p == 3.0:
        check_gradients(lambda a: F.pdist(a, p), [x])


def test_distance_errors():
    with pytest.raises(RuntimeError, match="pdist"):
        F.pdist(mt.ones(3))
    with pytest.raises(RuntimeError, match="non-negative"):
        F.pdist(mt.ones(3, 2), -1.0)
    with pytest.raises(RuntimeError, match="broadcast"):
        F.cosine_similarity(mt.ones(2, 3), mt.ones(3, 2))
    with pytest.raises(RuntimeError, match="floating"):
        F.normalize(mt.tensor([1, 2]), dim=0)


def test_distance_modules():
    cos, dist = mt.nn.CosineSimilarity(dim=0, eps=1e-6), mt.nn.PairwiseDistance(p=1.0)
    assert repr(cos) == repr(torch.nn.CosineSimilarity(dim=0, eps=1e-6))
    assert repr(dist) == repr(torch.nn.PairwiseDistance(p=1.0))
    a, b = _x(3, 2), _x(3, 2, seed=1)
    np.testing.assert_allclose(
        cos(mt.tensor(a), mt.tensor(b)).numpy(),
        torch.nn.CosineSimilarity(0, 1e-6)(torch.tensor(a), torch.tensor(b)).numpy(),
    )
    np.testing.assert_allclose(
        dist(mt.tensor(a), mt.tensor(b)).numpy(),
        torch.nn.PairwiseDistance(1.0)(torch.tensor(a), torch.tensor(b)).numpy(),
    )
