"""linalg.cholesky, linalg.cholesky_ex and the top-level cholesky."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch


def _positive_definite(rng, shape):
    a = rng.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 4, 4)])
@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cholesky_matches_torch(shape, upper, dtype):
    rng = np.random.default_rng(0)
    a = _positive_definite(rng, shape).astype(dtype)
    compare_with_torch(
        lambda x: mt.linalg.cholesky(x, upper=upper),
        lambda x: torch.linalg.cholesky(x, upper=upper),
        [a],
        rng=rng,
    )
    compare_with_torch(lambda x: mt.cholesky(x, upper), lambda x: torch.cholesky(x, upper), [a])


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_gradgradcheck(upper):
    rng = np.random.default_rng(1)
    check_gradients(
        lambda x: mt.linalg.cholesky(x @ x.mT + mt.eye(3, dtype=mt.float64), upper=upper),
        [rng.standard_normal((3, 3))],
    )


def test_cholesky_ex_reports_the_failing_minor_as_torch():
    a = np.array([[[4.0, 2.0], [2.0, 2.0]], [[1.0, 2.0], [2.0, 1.0]]])
    mine, theirs = mt.linalg.cholesky_ex(mt.tensor(a)), torch.linalg.cholesky_ex(torch.tensor(a))
    assert mine.info.tolist() == theirs.info.tolist() == [0, 2]
    assert mine.info.dtype == mt.int32
    np.testing.assert_allclose(mine.L.numpy(), theirs.L.numpy())


def test_cholesky_errors():
    with pytest.raises(
        mt.linalg.LinAlgError,
        match=r"linalg.cholesky: The factorization could "
        r"not be completed .* leading minor of order 1 is not positive-definite",
    ):
        mt.linalg.cholesky(-mt.eye(3))
    with pytest.raises(RuntimeError, match=r"\(Batch element 1\): The factorization"):
        mt.linalg.cholesky(mt.stack([mt.eye(2), -mt.eye(2)]))
    with pytest.raises(mt.linalg.LinAlgError, match=r"linalg.cholesky_ex: The factorization"):
        mt.linalg.cholesky_ex(-mt.eye(2), check_errors=True)
    with pytest.raises(RuntimeError, match=r"A must be batches of square matrices"):
        mt.linalg.cholesky(mt.ones(2, 3))


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse_match_torch(upper):
    rng = np.random.default_rng(2)
    factor = np.linalg.cholesky(_positive_definite(rng, (2, 3, 3)))
    factor = np.swapaxes(factor, -1, -2) if upper else factor
    b = rng.standard_normal((2, 3, 2))
    compare_with_torch(
        lambda x, y: mt.cholesky_solve(x, y, upper),
        lambda x, y: torch.cholesky_solve(x, y, upper),
        [b, factor],
        rng=rng,
    )
    compare_with_torch(
        lambda x: mt.cholesky_inverse(x, upper),
        lambda x: torch.cholesky_inverse(x, upper),
        [factor[0]],
        rng=rng,
    )
    check_gradients(lambda x, y: mt.cholesky_solve(x, y, upper), [b[0], factor[0]])
    assert np.allclose(
        mt.tensor(b).cholesky_solve(mt.tensor(factor), upper).numpy(),
        torch.tensor(b).cholesky_solve(torch.tensor(factor), upper).numpy(),
    )
    with pytest.raises(RuntimeError, match=r"cholesky_solve: b should have at least 2 dimensions"):
        mt.cholesky_solve(mt.ones(3), mt.eye(3))
