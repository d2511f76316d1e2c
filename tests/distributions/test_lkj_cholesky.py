"""LKJCholesky and corr_cholesky against torch.distributions: log_prob, gradients, draws."""

import numpy as np
import pytest
import torch
import torch.distributions as td

import microtensor as mt
from microtensor.distributions.constraints import corr_cholesky
from microtensor.distributions.lkj_cholesky import LKJCholesky

from .test_families import close

RNG = np.random.default_rng(13)


def torch_draws(dim, concentration, n):
    """Valid Cholesky factors of correlation matrices, drawn by torch (float64)."""
    torch.manual_seed(0)
    return td.LKJCholesky(dim, torch.tensor(concentration)).sample((n,)).numpy()


@pytest.mark.parametrize("dim", [2, 3, 5])
def test_log_prob_equals_torch_with_gradients(dim):
    concentration = np.array([0.3, 1.0, 2.5])
    values = torch_draws(dim, concentration, 4)  # (4, 3, dim, dim)
    ours = mt.tensor(concentration, requires_grad=True)
    theirs = torch.tensor(concentration, requires_grad=True)
    out_mt = LKJCholesky(dim, ours).log_prob(mt.tensor(values))
    out_t = td.LKJCholesky(dim, theirs).log_prob(torch.tensor(values))
    assert tuple(out_mt.shape) == (4, 3)
    close(out_mt, out_t, rtol=1e-10)
    upstream = RNG.standard_normal((4, 3))
    (g_mt,) = mt.autograd.grad((out_mt * mt.tensor(upstream)).sum(), ours)
    (g_t,) = torch.autograd.grad((out_t * torch.tensor(upstream)).sum(), theirs)
    close(g_mt, g_t, rtol=1e-10)


def test_log_prob_gradient_with_respect_to_the_value():
    values = torch_draws(3, np.array(1.7), 2)
    v_mt = mt.tensor(values, requires_grad=True)
    v_t = torch.tensor(values, requires_grad=True)
    (g_mt,) = mt.autograd.grad(LKJCholesky(3, 1.7).log_prob(v_mt).sum(), v_mt)
    (g_t,) = torch.autograd.grad(td.LKJCholesky(3, 1.7).log_prob(v_t).sum(), v_t)
    close(g_mt, g_t, rtol=1e-10)


def test_a_number_concentration_and_shapes():
    d = LKJCholesky(4, 0.5)
    assert d.batch_shape == () and d.event_shape == (4, 4) and not d.has_rsample
    assert d.concentration.dtype == mt.get_default_dtype()
    batch = LKJCholesky(3, mt.tensor([[1.0, 2.0, 3.0]]))
    assert batch.batch_shape == (1, 3)
    assert tuple(batch.sample((2,)).shape) == (2, 1, 3, 3, 3)
    wide = batch.expand((4, 3))
    assert wide.batch_shape == (4, 3) and tuple(wide.sample().shape) == (4, 3, 3, 3)
    value = torch_draws(3, np.array(2.0), 1)[0]
    wanted = td.LKJCholesky(3, torch.tensor([[1.0, 2.0, 3.0]])).expand((4, 3))
    close(wide.log_prob(mt.tensor(value)), wanted.log_prob(torch.tensor(value)), rtol=1e-6)


def test_draws_are_cholesky_factors_of_correlation_matrices():
    mt.manual_seed(1)
    draws = LKJCholesky(4, mt.tensor([0.5, 3.0], dtype=mt.float64)).sample((50,))
    assert not draws.requires_grad
    assert bool(corr_cholesky.check(draws).all())
    correlation = draws @ draws.mT
    close(correlation.diagonal(dim1=-2, dim2=-1), mt.ones(50, 2, 4, dtype=mt.float64))


@pytest.mark.parametrize("concentration", [0.5, 2.0])
def test_the_correlation_of_a_2x2_draw_has_the_lkj_variance(concentration):
    # dim 2: the correlation r has density (1 - r^2)^(eta - 1) on (-1, 1), Var r = 1 / (2 eta + 1)
    # 4,000 draws: its Beta draws are torch's sample_gamma, one element at a time
    mt.manual_seed(2)
    r = LKJCholesky(2, mt.tensor(concentration, dtype=mt.float64)).sample((4000,))[..., 1, 0]
    variance = 1 / (2 * concentration + 1)
    assert abs(float(r.mean())) < 5 * (variance / 4000) ** 0.5
    assert abs(float(r.pow(2).mean()) - variance) < 0.02


def test_the_corr_cholesky_constraint_agrees_with_torchs():
    good = torch_draws(3, np.array(1.0), 3)
    not_unit = good * 1.01
    upper = np.swapaxes(good, -1, -2)
    negative = good.copy()
    negative[:, 2, 2] *= -1
    values = np.concatenate([good, not_unit, upper, negative])
    mine = corr_cholesky.check(mt.tensor(values)).tolist()
    assert mine == td.constraints.corr_cholesky.check(torch.tensor(values)).tolist()
    assert mine == [True] * 3 + [False] * 9
    assert corr_cholesky.event_dim == 2 and repr(corr_cholesky) == "CorrCholesky()"


def test_errors_match_torch():
    for make, lib in ((LKJCholesky, mt), (td.LKJCholesky, torch)):
        with pytest.raises(ValueError, match="Expected dim to be an integer greater than or"):
            make(1, 1.0)
        with pytest.raises(ValueError, match="concentration"):
            make(3, lib.tensor([1.0, -0.5]), validate_args=True)
        with pytest.raises(ValueError, match="within the support"):
            make(2, 1.0, validate_args=True).log_prob(lib.tensor([[1.0, 0.0], [0.5, 0.5]]))
