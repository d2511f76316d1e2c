"""linalg.svd, linalg.svdvals and the top-level svd (U, S, V)."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch
from tests.ops.linalg_checks import compare_up_to_signs

SHAPES = [(3, 3), (4, 2), (2, 4), (2, 3, 2), (1, 2, 3)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("full_matrices", [False, True])
def test_svd_matches_torch(shape, full_matrices):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape)
    m, n = shape[-2:]
    if full_matrices and m != n:  # the extra vectors are not determined by A: compare U S Vh
        mine = mt.linalg.svd(mt.tensor(a), full_matrices=True)
        assert mine.U.shape == shape[:-2] + (m, m) and mine.Vh.shape == shape[:-2] + (n, n)
        k = min(m, n)
        product = (mine.U[..., :k] * mine.S.unsqueeze(-2)) @ mine.Vh[..., :k, :]
        np.testing.assert_allclose(product.numpy(), a, atol=1e-12)
        return
    compare_up_to_signs(
        lambda x: mt.linalg.svd(x, full_matrices=full_matrices),
        lambda x: torch.linalg.svd(x, full_matrices=full_matrices),
        a,
        ("cols", None, "rows"),
        rng,
    )


@pytest.mark.parametrize("shape", [(4, 2), (2, 4)])
def test_svd_full_matrices_gradient_ignores_the_extra_vectors(shape):
    """PyTorch narrows U and Vh to the first k vectors before svd_backward."""
    rng = np.random.default_rng(1)
    k = min(shape)

    def first_k(svd):
        return lambda x: (svd(x)[0][..., :k], svd(x)[1], svd(x)[2][..., :k, :])

    compare_up_to_signs(
        first_k(mt.linalg.svd),
        first_k(torch.linalg.svd),
        rng.standard_normal(shape),
        ("cols", None, "rows"),
        rng,
    )


def test_svd_gauge_invariant_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(2)
    for shape in [(3, 2), (2, 3), (2, 2, 2)]:
        check_gradients(
            lambda x: tuple(v * v for v in mt.linalg.svd(x, full_matrices=False)),
            [rng.standard_normal(shape)],
        )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_svdvals_matches_torch(dtype):
    rng = np.random.default_rng(3)
    compare_with_torch(
        mt.linalg.svdvals, torch.linalg.svdvals, [rng.standard_normal((2, 4, 3)).astype(dtype)]
    )
    check_gradients(mt.linalg.svdvals, [rng.standard_normal((3, 2))])


def test_svdvals_gradient_is_defined_for_repeated_singular_values():
    x = mt.eye(3, dtype=mt.float64, requires_grad=True)
    mt.linalg.svdvals(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.eye(3), atol=1e-12)


@pytest.mark.parametrize("some", [True, False])
def test_old_svd_returns_v_not_vh(some):
    rng = np.random.default_rng(4)
    a = rng.standard_normal((4, 3))
    u, s, v = mt.svd(mt.tensor(a), some=some)
    tu, ts, tv = torch.svd(torch.tensor(a), some=some)
    assert u.shape == tuple(tu.shape) and v.shape == tuple(tv.shape)
    assert_same(s, ts)
    np.testing.assert_allclose(np.abs(v.numpy()), np.abs(tv.numpy()), atol=1e-12)
    np.testing.assert_allclose((u[:, :3] * s) @ v.T, a, atol=1e-12)


def test_old_svd_without_uv_gives_zero_matrices_and_s_gradient():
    rng = np.random.default_rng(5)
    compare_with_torch(
        lambda x: mt.svd(x, compute_uv=False),
        lambda x: torch.svd(x, compute_uv=False),
        [rng.standard_normal((4, 3))],
    )


def test_svd_method_and_errors():
    x = mt.tensor([[3.0, 0.0], [0.0, 2.0]])
    assert x.svd().S.tolist() == [3.0, 2.0]
    with pytest.raises(RuntimeError, match=r"linalg.svd: The input tensor A must have at least 2"):
        mt.linalg.svd(mt.ones(3))
    with pytest.raises(RuntimeError, match=r"linalg.svdvals: Expected a floating point or complex tensor"):
        mt.linalg.svdvals(mt.ones(2, 2, dtype=mt.int64))
