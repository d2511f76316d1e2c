"""linalg.lu, lu_factor, lu_solve and the top-level lu, lu_unpack, lu_solve."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch

SHAPES = [(3, 3), (4, 2), (2, 4), (2, 3, 3), (2, 2, 3)]


@pytest.mark.parametrize("shape", SHAPES)
def test_lu_and_lu_factor_match_torch(shape):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape)
    compare_with_torch(mt.linalg.lu, torch.linalg.lu, [a], rng=rng)
    compare_with_torch(mt.linalg.lu_factor, torch.linalg.lu_factor, [a], rng=rng)
    compare_with_torch(
        lambda x: mt.lu(x, get_infos=True), lambda x: torch.linalg.lu_factor_ex(x), [a]
    )


@pytest.mark.parametrize("shape", [(3, 3), (3, 2), (2, 3)])
def test_lu_gradgradcheck(shape):
    check_gradients(
        lambda x: mt.linalg.lu(x)[1:], [np.random.default_rng(1).standard_normal(shape)]
    )


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
def test_lu_solve_matches_torch(left, adjoint):
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 3, 2) if left else (2, 2, 3))

    def solve(lib):
        return lambda x, y: lib.linalg.lu_solve(
            *lib.linalg.lu_factor(x), y, left=left, adjoint=adjoint
        )

    compare_with_torch(solve(mt), solve(torch), [a, b], rng=rng)
    check_gradients(solve(mt), [a[0], b[0]], second=left and not adjoint)


def test_lu_unpack_and_old_lu_solve():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((3, 1))
    compare_with_torch(
        lambda x: mt.lu_unpack(*mt.linalg.lu_factor(x)),
        lambda x: torch.lu_unpack(*torch.linalg.lu_factor(x)),
        [a],
    )
    compare_with_torch(
        lambda x, y: mt.lu_solve(y, *mt.linalg.lu_factor(x)),
        lambda x, y: torch.lu_solve(y, *torch.linalg.lu_factor(x)),
        [a, b],
    )
    assert mt.tensor(a).lu()[1].dtype == mt.int32


def test_lu_errors():
    with pytest.raises(RuntimeError, match=r"linalg.lu_factor: LU without pivoting is not"):
        mt.linalg.lu_factor(mt.eye(2), pivot=False)
    with pytest.raises(RuntimeError, match=r"linalg.lu: The input tensor A must have at least 2"):
        mt.linalg.lu(mt.ones(2))
    with pytest.raises(RuntimeError, match=r"linalg.lu_solve: Incompatible shapes of A and B"):
        mt.linalg.lu_solve(*mt.linalg.lu_factor(mt.eye(2)), mt.ones(3, 1))


def test_lu_factor_ex_matches_torch():
    a = np.stack([np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 2.0], [2.0, 4.0]])])
    compare_with_torch(mt.linalg.lu_factor_ex, torch.linalg.lu_factor_ex, [a], grad=False)
    compare_with_torch(mt.linalg.lu_factor_ex, torch.linalg.lu_factor_ex, [a[0]])
    with pytest.raises(mt.linalg.LinAlgError, match=r"\(Batch element 1\): The diagonal element 2"):
        mt.linalg.lu_factor_ex(mt.tensor(a), check_errors=True)
