"""inverse (linalg.inv), linalg.inv_ex, linalg.pinv and pinverse."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch


def _well_conditioned(rng, shape):
    n = shape[-1]
    return rng.standard_normal(shape) + 2 * n * np.eye(n) if n else np.zeros(shape)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(
    batch=array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=2),
    n=st.integers(0, 3),
    seed=st.integers(0, 2**16),
)
def test_inverse_matches_torch(dtype, batch, n, seed):
    rng = np.random.default_rng(seed)
    a = _well_conditioned(rng, batch + (n, n)).astype(dtype)
    compare_with_torch(mt.linalg.inv, torch.linalg.inv, [a], rng=rng)


def test_inverse_gradgradcheck_and_method():
    a = _well_conditioned(np.random.default_rng(0), (2, 3, 3))
    check_gradients(mt.inverse, [a])
    np.testing.assert_allclose(mt.tensor(a).inverse().numpy(), np.linalg.inv(a))


def test_inv_ex_matches_torch():
    a = np.array([[[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [2.0, 4.0]]])
    mine, theirs = mt.linalg.inv_ex(mt.tensor(a)), torch.linalg.inv_ex(torch.tensor(a))
    assert mine.info.tolist() == theirs.info.tolist() == [0, 2]
    assert mine.info.dtype == mt.int32
    np.testing.assert_allclose(mine.inverse[0].numpy(), theirs.inverse[0].numpy())
    compare_with_torch(mt.linalg.inv_ex, torch.linalg.inv_ex, [a[0]])


@pytest.mark.parametrize("shape", [(4, 2), (2, 4), (3, 3), (2, 3, 2)])
def test_pinv_matches_torch(shape):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shape)
    compare_with_torch(mt.linalg.pinv, torch.linalg.pinv, [a], rng=rng)
    compare_with_torch(mt.pinverse, torch.pinverse, [a], rng=rng)
    check_gradients(mt.linalg.pinv, [a])


def test_pinv_of_rank_deficient_and_hermitian_matrices_matches_torch():
    rng = np.random.default_rng(2)
    low_rank = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 3))
    compare_with_torch(mt.linalg.pinv, torch.linalg.pinv, [low_rank], rng=rng)
    compare_with_torch(
        lambda x: mt.linalg.pinv(x, atol=0.5),
        lambda x: torch.linalg.pinv(x, atol=0.5),
        [rng.standard_normal((3, 3))],
        rng=rng,
    )
    s = rng.standard_normal((3, 3))
    compare_with_torch(
        lambda x: mt.linalg.pinv(x, hermitian=True),
        lambda x: torch.linalg.pinv(x, hermitian=True),
        [s + s.T],
        grad=False,
    )


def test_inverse_errors():
    with pytest.raises(mt.linalg.LinAlgError, match=r"linalg.inv: The diagonal element 1 is zero"):
        mt.linalg.inv(mt.zeros(2, 2))
    with pytest.raises(RuntimeError, match=r"\(Batch element 1\): The diagonal element 2 is zero"):
        mt.linalg.inv(mt.stack([mt.eye(2), mt.tensor([[1.0, 2.0], [2.0, 4.0]])]))
    with pytest.raises(
        RuntimeError, match=r"A must be batches of square matrices, but they are 2 by 3"
    ):
        mt.inverse(mt.zeros(2, 3))
    with pytest.raises(mt.linalg.LinAlgError, match=r"linalg.inv_ex: The diagonal element"):
        mt.linalg.inv_ex(mt.zeros(2, 2), check_errors=True)
    with pytest.raises(RuntimeError, match=r"linalg.pinv: The input tensor A must have at least"):
        mt.linalg.pinv(mt.ones(2))


@pytest.mark.parametrize("shape,ind", [((4, 2, 2), 1), ((2, 3, 6), 2)])
def test_tensorinv_matches_torch(shape, ind):
    rng = np.random.default_rng(3)
    n = int(np.prod(shape[:ind]))
    a = rng.standard_normal(shape) + 3 * np.eye(n).reshape(shape)
    compare_with_torch(
        lambda x: mt.linalg.tensorinv(x, ind), lambda x: torch.linalg.tensorinv(x, ind), [a]
    )
    with pytest.raises(RuntimeError, match=r"tensorinv: Expected a strictly positive integer"):
        mt.linalg.tensorinv(mt.tensor(a), 0)
