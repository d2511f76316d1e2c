"""multi_dot, chain_matmul, vecdot, householder_product, kron, inner, tensordot, linalg.vander."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch


@pytest.mark.parametrize(
    "shapes", [[(2, 3), (3, 4)], [(3,), (3, 2), (2,)], [(2, 3), (3, 1), (1, 2), (2,)]]
)
def test_multi_dot_matches_torch(shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    compare_with_torch(
        lambda *t: mt.linalg.multi_dot(t), lambda *t: torch.linalg.multi_dot(t), arrays, rng=rng
    )
    check_gradients(lambda *t: mt.linalg.multi_dot(t), arrays)


def test_chain_matmul_matches_torch():
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in [(2, 3), (3, 4), (4, 2)]]
    compare_with_torch(mt.chain_matmul, lambda *t: torch.linalg.multi_dot(t), arrays)
    single = mt.tensor(arrays[0])
    assert mt.chain_matmul(single) is not single


@pytest.mark.parametrize("dim", [-1, 0])
def test_vecdot_matches_torch(dim):
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((3, 3)), rng.standard_normal((1, 3))
    compare_with_torch(
        lambda a, b: mt.linalg.vecdot(a, b, dim=dim),
        lambda a, b: torch.linalg.vecdot(a, b, dim=dim),
        [x, y],
        rng=rng,
    )


@pytest.mark.parametrize("a_shape,tau_shape", [((4, 3), (2,)), ((3, 3), (3,)), ((2, 3, 2), (2, 1))])
def test_householder_product_matches_torch(a_shape, tau_shape):
    rng = np.random.default_rng(3)
    a, tau = rng.standard_normal(a_shape), rng.standard_normal(tau_shape)
    compare_with_torch(
        mt.linalg.householder_product, torch.linalg.householder_product, [a, tau], rng=rng
    )
    check_gradients(mt.linalg.householder_product, [a, tau], second=len(a_shape) == 2)


@pytest.mark.parametrize("shapes", [[(2, 3), (3,)], [(2,), (2, 1, 2)], [(1, 2), (3, 1)]])
def test_kron_matches_torch(shapes):
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s) for s in shapes]
    compare_with_torch(mt.kron, torch.kron, arrays, rng=rng)
    check_gradients(mt.kron, arrays)


@pytest.mark.parametrize("shapes", [[(2, 3), (3,)], [(3,), (3,)], [(2, 2), (4, 2)], [(), (2,)]])
def test_inner_matches_torch(shapes):
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(s) for s in shapes]
    compare_with_torch(mt.inner, torch.inner, arrays, rng=rng)


@pytest.mark.parametrize("dims", [0, 1, 2, ([0], [1]), ([1, 0], [0, 2])])
def test_tensordot_matches_torch(dims):
    rng = np.random.default_rng(6)
    a, b = (
        rng.standard_normal((2, 3)),
        rng.standard_normal((3, 2, 2) if dims != ([0], [1]) else (3, 2)),
    )
    if dims == 2:
        b = rng.standard_normal((2, 3, 2))
    if dims == ([1, 0], [0, 2]):
        b = rng.standard_normal((3, 4, 2))
    compare_with_torch(
        lambda x, y: mt.tensordot(x, y, dims),
        lambda x, y: torch.tensordot(x, y, dims),
        [a, b],
        rng=rng,
    )


@pytest.mark.parametrize("shapes", [[(1, 1, 1), (2, 1, 2)], [(3, 2, 1), (1, 4, 2)]])
def test_tensordot_broadcasts_size_one_contracted_dims_as_torch(shapes):
    rng = np.random.default_rng(7)
    dims = [[0, 1], [2, 0]] if shapes[0] == (1, 1, 1) else [[0, 2], [0, 1]]
    compare_with_torch(
        lambda x, y: mt.tensordot(x, y, dims),
        lambda x, y: torch.tensordot(x, y, dims),
        [rng.standard_normal(s) for s in shapes],
        rng=rng,
    )


@pytest.mark.parametrize("n", [None, 2, 4])
def test_vander_matches_torch(n):
    compare_with_torch(
        lambda t: mt.linalg.vander(t, N=2), lambda t: torch.linalg.vander(t, N=2), [np.array(1.5)]
    )
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3))
    compare_with_torch(
        lambda t: mt.linalg.vander(t, N=n), lambda t: torch.linalg.vander(t, N=n), [x], rng=rng
    )
    check_gradients(lambda t: mt.linalg.vander(t, N=n), [x[0]])


def test_product_methods():
    a, b = mt.tensor([[1.0, 2.0]]), mt.tensor([[0.0, 1.0]])
    assert a.kron(b).tolist() == [[0.0, 1.0, 0.0, 2.0]]
    assert a.inner(b).tolist() == [[2.0]]


def test_product_errors():
    with pytest.raises(RuntimeError, match=r"multi_dot\(\): expected at least 2 tensors but got 1"):
        mt.linalg.multi_dot([mt.ones(2, 2)])
    with pytest.raises(RuntimeError, match=r"multi_dot\(\): tensor 1 must be 2D"):
        mt.linalg.multi_dot([mt.ones(2), mt.ones(2), mt.ones(2)])
    with pytest.raises(RuntimeError, match=r"tensors 0 and 1 with shapes \(2, 3\) and \(2, 2\)"):
        mt.linalg.multi_dot([mt.ones(2, 3), mt.ones(2, 2)])
    with pytest.raises(RuntimeError, match=r"chain_matmul\(\): Tensor dimension is 1, expected 2"):
        mt.chain_matmul(mt.ones(2))
    with pytest.raises(
        RuntimeError, match=r"input.shape\[-1\] must be greater than or equal to tau"
    ):
        mt.linalg.householder_product(mt.ones(3, 2), mt.ones(3))
    with pytest.raises(RuntimeError, match=r"inner\(\) the last dimension must match"):
        mt.inner(mt.ones(2, 3), mt.ones(4))
    with pytest.raises(RuntimeError, match=r"contracted dimensions need to match"):
        mt.tensordot(mt.ones(2, 3), mt.ones(2, 3), 1)
    with pytest.raises(RuntimeError, match=r"tensordot expects dims >= 0"):
        mt.tensordot(mt.ones(2, 3), mt.ones(2, 3), -1)
    with pytest.raises(RuntimeError, match=r"N must be greater than 1."):
        mt.linalg.vander(mt.ones(3), N=1)


def test_vdot_and_orgqr_match_torch():
    rng = np.random.default_rng(8)
    compare_with_torch(mt.vdot, torch.vdot, [rng.standard_normal(3), rng.standard_normal(3)])
    a, tau = rng.standard_normal((3, 2)), rng.standard_normal(2)
    compare_with_torch(mt.orgqr, torch.orgqr, [a, tau], rng=rng)
    assert np.allclose(
        mt.tensor(a).orgqr(mt.tensor(tau)).numpy(), torch.tensor(a).orgqr(torch.tensor(tau)).numpy()
    )
    assert mt.tensor([1.0, 2.0]).vdot(mt.tensor([1.0, 1.0])).item() == 3.0
    with pytest.raises(RuntimeError, match=r"1D tensors expected, but got 2D and 1D tensors"):
        mt.vdot(mt.ones(2, 2), mt.ones(2))
    with pytest.raises(RuntimeError, match=r"inconsistent tensor size, expected tensor \[2\]"):
        mt.vdot(mt.ones(2), mt.ones(3))
