"""linalg.solve, linalg.solve_triangular and linalg.lstsq."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch


def _well_conditioned(rng, shape):
    return rng.standard_normal(shape) + 2 * shape[-1] * np.eye(shape[-1])


@pytest.mark.parametrize(
    "a_shape,b_shape",
    [
        ((3, 3), (3, 2)),
        ((3, 3), (3,)),
        ((2, 3, 3), (2, 3)),
        ((2, 3, 3), (3, 1)),
        ((2, 1, 3, 3), (4, 3, 2)),
        ((2, 3, 3), (1, 3, 2)),
    ],
)
def test_solve_matches_torch(a_shape, b_shape):
    rng = np.random.default_rng(0)
    a, b = _well_conditioned(rng, a_shape), rng.standard_normal(b_shape)
    compare_with_torch(mt.linalg.solve, torch.linalg.solve, [a, b], rng=rng)


def test_solve_left_false_and_gradgradcheck():
    rng = np.random.default_rng(1)
    a, b = _well_conditioned(rng, (3, 3)), rng.standard_normal((2, 3))
    compare_with_torch(
        lambda x, y: mt.linalg.solve(x, y, left=False),
        lambda x, y: torch.linalg.solve(x, y, left=False),
        [a, b],
        rng=rng,
    )
    check_gradients(mt.linalg.solve, [a, b.T])


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [True, False])
def test_solve_triangular_matches_torch(upper, left, unitriangular):
    rng = np.random.default_rng(2)
    a = _well_conditioned(rng, (2, 3, 3))  # the other triangle is ignored, as PyTorch
    b = rng.standard_normal((2, 3, 2) if left else (2, 2, 3))

    def fn(lib):
        return lambda x, y: lib.linalg.solve_triangular(
            x, y, upper=upper, left=left, unitriangular=unitriangular
        )

    compare_with_torch(fn(mt), fn(torch), [a, b], rng=rng)
    check_gradients(fn(mt), [a[0], b[0]], second=upper and left)


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize(
    "a_shape,b_shape", [((5, 3), (5, 2)), ((2, 4, 2), (2, 4, 3)), ((5, 3), (5,))]
)
def test_lstsq_matches_torch(driver, a_shape, b_shape):
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    compare_with_torch(
        lambda x, y: mt.linalg.lstsq(x, y, driver=driver),
        lambda x, y: torch.linalg.lstsq(x, y, driver=driver),
        [a, b],
        rng=rng,
    )


def test_lstsq_gradgradcheck_and_rank_deficient_solution():
    rng = np.random.default_rng(4)
    check_gradients(
        lambda x, y: mt.linalg.lstsq(x, y).solution,
        [rng.standard_normal((4, 2)), rng.standard_normal((4, 1))],
    )
    low_rank = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 3))
    b = rng.standard_normal((4, 2))
    mine = mt.linalg.lstsq(mt.tensor(low_rank), mt.tensor(b), driver="gelsd")
    theirs = torch.linalg.lstsq(torch.tensor(low_rank), torch.tensor(b), driver="gelsd")
    np.testing.assert_allclose(mine.solution.numpy(), theirs.solution.numpy(), atol=1e-10)
    assert mine.rank.item() == theirs.rank.item() == 2


@pytest.mark.parametrize("driver", ["gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("a_shape,b_shape", [((5, 3), (5, 2)), ((2, 3), (2, 3)), ((4, 2), (4,))])
def test_complex_lstsq_outputs_and_gradients_match_torch(driver, a_shape, b_shape):
    # real residuals and singular values; gradients through solution and residuals
    rng = np.random.default_rng(5)
    a = rng.standard_normal(a_shape) + 1j * rng.standard_normal(a_shape)
    b = rng.standard_normal(b_shape) + 1j * rng.standard_normal(b_shape)
    results = []
    for lib in (mt, torch):
        x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        out = lib.linalg.lstsq(x, y, driver=driver)
        grad_rng = np.random.default_rng(6)
        upstream = [grad_rng.standard_normal(out.solution.shape) * (1 - 2j)]
        outputs = [out.solution]
        if out.residuals.numel():
            outputs.append(out.residuals)
            upstream.append(grad_rng.standard_normal(out.residuals.shape))
        grads = lib.autograd.grad(outputs, [x, y], [lib.tensor(u) for u in upstream])
        results.append([*out, *grads])
    for i, (ours, theirs) in enumerate(zip(*results, strict=True)):
        theirs = theirs.detach().numpy()
        assert ours.dtype.numpy == theirs.dtype, f"{i}: {ours.dtype} != {theirs.dtype}"
        np.testing.assert_allclose(ours.detach().numpy(), theirs, atol=1e-10, err_msg=str(i))


def test_solver_errors():
    with pytest.raises(mt.linalg.LinAlgError, match=r"linalg.solve: The solver failed because"):
        mt.linalg.solve(mt.zeros(3, 3), mt.zeros(3))
    with pytest.raises(
        RuntimeError,
        match=r"Incompatible shapes of A and B for the equation AX = B \(3x3 and 2x3\)",
    ):
        mt.linalg.solve(mt.eye(3), mt.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"Expected A and B to have the same dtype"):
        mt.linalg.solve(mt.eye(3), mt.ones(3, dtype=mt.float64))
    with pytest.raises(
        RuntimeError, match=r"solve_triangular: The input tensor B must have at least 2"
    ):
        mt.linalg.solve_triangular(mt.eye(3), mt.ones(3), upper=True)
    with pytest.raises(
        mt.linalg.LinAlgError, match=r"solve_triangular: A has a zero on its diagonal"
    ):
        mt.linalg.solve_triangular(mt.zeros(2, 2), mt.ones(2, 1), upper=True)
    with pytest.raises(RuntimeError, match=r"parameter `driver` should be one of"):
        mt.linalg.lstsq(mt.eye(2), mt.ones(2, 1), driver="x")


def test_solve_ex_matches_torch():
    rng = np.random.default_rng(5)
    a, b = _well_conditioned(rng, (2, 3, 3)), rng.standard_normal((2, 3))
    compare_with_torch(mt.linalg.solve_ex, torch.linalg.solve_ex, [a, b], rng=rng)
    singular = np.stack([np.eye(2), np.array([[1.0, 2.0], [2.0, 4.0]])])
    mine = mt.linalg.solve_ex(mt.tensor(singular), mt.ones(2, 2, dtype=mt.float64))
    theirs = torch.linalg.solve_ex(torch.tensor(singular), torch.ones(2, 2, dtype=torch.float64))
    assert mine.info.tolist() == theirs.info.tolist() == [0, 2]
    np.testing.assert_allclose(mine.result[0].numpy(), theirs.result[0].numpy())
    with pytest.raises(mt.linalg.LinAlgError, match=r"solve_ex: The solver failed"):
        mt.linalg.solve_ex(mt.tensor(singular), mt.ones(2, 2, dtype=mt.float64), check_errors=True)


@pytest.mark.parametrize("dims", [None, (0,), (0, 2)])
def test_tensorsolve_matches_torch(dims):
    rng = np.random.default_rng(6)
    if dims == (0,):
        a = rng.standard_normal((6, 2, 3)) + 3 * np.eye(6).reshape(6, 2, 3)
    else:  # with dims (0, 2), A moves to (3, 2, 6): a random 6 x 6 system
        a = rng.standard_normal((2, 3, 6)) + (0 if dims else 3 * np.eye(6).reshape(2, 3, 6))
    b = rng.standard_normal((2, 3))
    compare_with_torch(
        lambda x, y: mt.linalg.tensorsolve(x, y, dims),
        lambda x, y: torch.linalg.tensorsolve(x, y, dims),
        [a, b],
        rng=rng,
    )
    with pytest.raises(RuntimeError, match=r"linalg.tensorsolve: Expected self to satisfy"):
        mt.linalg.tensorsolve(mt.ones(2, 3, 4), mt.ones(2, 3))


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("transpose", [True, False])
def test_triangular_solve_matches_torch(upper, transpose):
    rng = np.random.default_rng(7)
    a, b = _well_conditioned(rng, (3, 3)), rng.standard_normal((3, 2))
    compare_with_torch(
        lambda y, x: mt.triangular_solve(y, x, upper, transpose),
        lambda y, x: torch.triangular_solve(y, x, upper, transpose),
        [b, a],
        rng=rng,
    )
    mine = mt.tensor(b).triangular_solve(mt.tensor(a), upper, transpose).solution
    assert np.allclose(
        mine.numpy(),
        torch.tensor(b).triangular_solve(torch.tensor(a), upper, transpose).solution.numpy(),
    )
