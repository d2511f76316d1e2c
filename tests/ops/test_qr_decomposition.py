"""linalg.qr and the top-level qr."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch

SHAPES = [(3, 3), (4, 2), (2, 4), (2, 3, 2), (2, 2, 3)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("mode", ["reduced", "complete"])
def test_qr_matches_torch(shape, mode):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape)
    differentiable = mode == "reduced" or shape[-2] <= shape[-1]
    compare_with_torch(
        lambda x: mt.linalg.qr(x, mode),
        lambda x: torch.linalg.qr(x, mode),
        [a],
        grad=differentiable,
        rng=rng,
    )


@pytest.mark.parametrize("shape", [(3, 2), (2, 3), (2, 2, 2)])
def test_qr_gradgradcheck(shape):
    check_gradients(mt.linalg.qr, [np.random.default_rng(1).standard_normal(shape)])


def test_qr_mode_r_and_old_api():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((4, 3))
    q, r = mt.linalg.qr(mt.tensor(a), mode="r")
    assert q.shape == (0,)
    np.testing.assert_allclose(r.numpy(), torch.linalg.qr(torch.tensor(a), mode="r")[1].numpy())
    compare_with_torch(
        lambda x: mt.qr(x, some=False), lambda x: torch.linalg.qr(x, "complete"), [a], grad=False
    )
    assert mt.tensor(a).qr().Q.shape == (4, 3)


def test_qr_errors():
    with pytest.raises(RuntimeError, match=r"qr received unrecognized mode 'x'"):
        mt.linalg.qr(mt.eye(2), mode="x")
    x = mt.ones(3, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"not differentiable when mode='complete' and nrows"):
        mt.linalg.qr(x + mt.eye(3, 2), mode="complete").Q.sum().backward()
    with pytest.raises(RuntimeError, match=r"which is not computed when mode='r'"):
        mt.linalg.qr(x + mt.eye(3, 2), mode="r").R.sum().backward()


@pytest.mark.parametrize("shape", [(3, 2), (2, 3), (2, 3, 3)])
def test_geqrf_matches_torch(shape):
    a = np.random.default_rng(3).standard_normal(shape)
    compare_with_torch(mt.geqrf, torch.geqrf, [a], grad=False)
    compare_with_torch(lambda x: x.geqrf(), lambda x: x.geqrf(), [a], grad=False)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("transpose", [True, False])
def test_ormqr_matches_torch(left, transpose):
    rng = np.random.default_rng(4)
    a, tau = torch.geqrf(torch.tensor(rng.standard_normal((3, 2))))
    c = rng.standard_normal((3, 2) if left else (2, 3))
    compare_with_torch(
        lambda x, t, y: mt.ormqr(x, t, y, left, transpose),
        lambda x, t, y: torch.ormqr(x, t, y, left, transpose),
        [a.numpy(), tau.numpy(), c],
        rng=rng,
    )
    check_gradients(
        lambda x, t, y: mt.ormqr(x, t, y, left, transpose),
        [a.numpy(), tau.numpy(), c],
        second=False,
    )
