"""matrix_exp and matrix_power."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 2, 2), (0, 0)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matrix_exp_matches_torch(shape, dtype):
    rng = np.random.default_rng(0)
    a = (0.5 * rng.standard_normal(shape)).astype(dtype)
    compare_with_torch(mt.linalg.matrix_exp, torch.linalg.matrix_exp, [a], rng=rng)


def test_matrix_exp_gradgradcheck_and_method():
    a = 0.5 * np.random.default_rng(1).standard_normal((2, 2, 2))
    check_gradients(mt.matrix_exp, [a])
    np.testing.assert_allclose(
        mt.tensor(a).matrix_exp().numpy(), torch.tensor(a).matrix_exp().numpy(), rtol=1e-12
    )


@pytest.mark.parametrize("n", [0, 1, 2, 3, 6, -1, -3])
def test_matrix_power_matches_torch(n):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    compare_with_torch(
        lambda x: mt.linalg.matrix_power(x, n),
        lambda x: torch.linalg.matrix_power(x, n),
        [a],
        rng=rng,
    )
    compare_with_torch(lambda x: x.matrix_power(n), lambda x: x.matrix_power(n), [a[0]], rng=rng)


def test_matrix_power_gradgradcheck_and_copy():
    a = np.random.default_rng(3).standard_normal((3, 3)) + 3 * np.eye(3)
    check_gradients(lambda x: mt.linalg.matrix_power(x, 3), [a])
    check_gradients(lambda x: mt.linalg.matrix_power(x, -2), [a])
    x = mt.tensor(a)
    assert mt.linalg.matrix_power(x, 1) is not x


def test_matrix_function_errors():
    with pytest.raises(RuntimeError, match=r"linalg.matrix_exp: A must be batches of square"):
        mt.linalg.matrix_exp(mt.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"linalg.matrix_power: A must be batches of square"):
        mt.linalg.matrix_power(mt.ones(2, 3), 2)
    with pytest.raises(TypeError, match=r"argument 'n' must be int, not float"):
        mt.linalg.matrix_power(mt.eye(2), 2.0)
    with pytest.raises(mt.linalg.LinAlgError, match=r"linalg.inv: The diagonal element"):
        mt.linalg.matrix_power(mt.zeros(2, 2), -1)
