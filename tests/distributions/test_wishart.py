"""Wishart against torch.distributions: log_prob, entropy, moments, gradients, draws, errors."""

import warnings

import numpy as np
import pytest
import torch
import torch.distributions as td

import microtensor as mt
from microtensor.distributions.wishart import Wishart, mvdigamma

from .test_families import close

RNG = np.random.default_rng(11)
P = 3
FACTORS = RNG.standard_normal((2, P, P))
COVARIANCES = FACTORS @ FACTORS.transpose(0, 2, 1) + np.eye(P)  # batch of 2
DF = np.array([4.5, 7.0])


def random_pd(*batch, p=P, rng=RNG):
    a = rng.standard_normal((*batch, p, p))
    return a @ np.swapaxes(a, -1, -2) + p * np.eye(p)


def pair(matrix_name):
    """Wishart in both libraries, from ``matrix_name``; df and the matrix require grad."""
    matrix = {
        "covariance_matrix": COVARIANCES,
        "precision_matrix": np.linalg.inv(COVARIANCES),
        "scale_tril": np.linalg.cholesky(COVARIANCES),
    }[matrix_name]
    df_mt, df_t = mt.tensor(DF, requires_grad=True), torch.tensor(DF, requires_grad=True)
    m_mt, m_t = mt.tensor(matrix, requires_grad=True), torch.tensor(matrix, requires_grad=True)
    mine = Wishart(df_mt, **{matrix_name: m_mt})
    theirs = td.Wishart(df_t, **{matrix_name: m_t})
    return mine, theirs, (df_mt, m_mt), (df_t, m_t)


def assert_same_value_and_grads(out_mt, out_t, ours, theirs, rtol=1e-9):
    close(out_mt, out_t, rtol=rtol, atol=1e-10)
    upstream = RNG.standard_normal(tuple(out_t.shape))
    grads_mt = mt.autograd.grad((out_mt * mt.tensor(upstream)).sum(), ours)
    grads_t = torch.autograd.grad((out_t * torch.tensor(upstream)).sum(), theirs)
    for g_mt, g_t in zip(grads_mt, grads_t, strict=True):
        close(g_mt, g_t, rtol=rtol, atol=1e-9)


MATRICES = ["covariance_matrix", "precision_matrix", "scale_tril"]


@pytest.mark.parametrize("matrix_name", MATRICES)
def test_log_prob_equals_torch_with_gradients(matrix_name):
    mine, theirs, ours, their_params = pair(matrix_name)
    value = random_pd(4, 2)  # sample dim 4, batch 2
    out_mt, out_t = mine.log_prob(mt.tensor(value)), theirs.log_prob(torch.tensor(value))
    assert tuple(out_mt.shape) == (4, 2)
    assert_same_value_and_grads(out_mt, out_t, ours, their_params)


@pytest.mark.parametrize("name", ["entropy", "mean", "variance", "mode", "stddev"])
def test_entropy_and_moments_equal_torch_with_gradients(name):
    mine, theirs, ours, their_params = pair("scale_tril")
    out_mt, out_t = getattr(mine, name), getattr(theirs, name)
    if name == "entropy":
        out_mt, out_t = out_mt(), out_t()
    assert_same_value_and_grads(out_mt, out_t, ours, their_params)


def test_the_derived_matrices_equal_torchs():
    for given in MATRICES:
        mine, theirs, _, _ = pair(given)
        for name in MATRICES:
            close(getattr(mine, name), getattr(theirs, name), rtol=1e-9, atol=1e-12)


def test_a_number_df_a_broadcast_df_and_mode_where_it_is_undefined():
    cov = random_pd(p=2)
    mine, theirs = Wishart(2.5, mt.tensor(cov)), td.Wishart(2.5, torch.tensor(cov))
    assert mine.batch_shape == () and mine.df.dtype == mt.float64
    close(mine.mode, theirs.mode, equal_nan=True)  # df - p - 1 <= 0: nan, as torch
    df = np.array([[3.0], [5.0]])
    mine = Wishart(mt.tensor(df), scale_tril=mt.tensor(np.linalg.cholesky(COVARIANCES)))
    theirs = td.Wishart(torch.tensor(df), scale_tril=torch.tensor(np.linalg.cholesky(COVARIANCES)))
    assert mine.batch_shape == theirs.batch_shape == (2, 2)
    value = random_pd(2, 2)
    close(mine.log_prob(mt.tensor(value)), theirs.log_prob(torch.tensor(value)), rtol=1e-9)
    close(mine.entropy(), theirs.entropy(), rtol=1e-9)


def test_the_natural_parameters_and_log_normalizer_equal_torchs():
    mine, theirs, _, _ = pair("covariance_matrix")
    x_mt, y_mt = mine._natural_params
    x_t, y_t = theirs._natural_params
    close(x_mt, x_t, rtol=1e-9, atol=1e-12)
    close(mine._log_normalizer(x_mt, y_mt), theirs._log_normalizer(x_t, y_t), rtol=1e-9)


def test_mvdigamma_is_the_derivative_of_mvlgamma():
    x = mt.tensor([2.5, 4.0], dtype=mt.float64, requires_grad=True)
    (grad,) = mt.autograd.grad(mt.mvlgamma(x, 3).sum(), x)
    close(mvdigamma(x, 3), grad)
    with pytest.raises(AssertionError, match="Wrong domain"):
        mvdigamma(mt.tensor([0.9]), 3)


def test_rsample_shapes_support_gradients_and_mean():
    mine, _, (df, matrix), _ = pair("scale_tril")
    mt.manual_seed(0)
    draw = mine.rsample((5,))
    assert tuple(draw.shape) == (5, 2, P, P)
    assert bool(mine.support.check(draw.detach()).all())
    grads = mt.autograd.grad(draw.sum(), (df, matrix))
    assert all(bool(mt.isfinite(g).all()) for g in grads)
    sample = mine.sample((4000,))
    assert not sample.requires_grad
    relative = (sample.mean(0) - mine.mean.detach()).abs() / mine.stddev.detach()
    assert float(relative.max()) < 5 / 4000**0.5  # within 5 standard errors of the mean


def test_expand_keeps_values_and_redraws_in_the_new_shape():
    mine, theirs, _, _ = pair("covariance_matrix")
    wide_mt, wide_t = mine.expand((3, 2)), theirs.expand((3, 2))
    assert wide_mt.batch_shape == (3, 2) and wide_mt.event_shape == (P, P)
    value = random_pd(3, 2)
    close(wide_mt.log_prob(mt.tensor(value)), wide_t.log_prob(torch.tensor(value)), rtol=1e-9)
    assert tuple(wide_mt.rsample((2,)).shape) == (2, 3, 2, P, P)


def test_arg_constraints_match_torch():
    mine, theirs, _, _ = pair("scale_tril")
    assert list(mine.arg_constraints) == list(theirs.arg_constraints)
    assert mine.arg_constraints["df"].lower_bound == theirs.arg_constraints["df"].lower_bound
    assert repr(mine.support) == "PositiveDefinite()"


def test_errors_and_warnings_match_torch():
    eye = np.eye(2)
    for lib, make in ((mt, Wishart), (torch, td.Wishart)):
        with pytest.raises(AssertionError, match="Exactly one of covariance_matrix"):
            make(3.0)
        with pytest.raises(AssertionError, match="Exactly one of covariance_matrix"):
            make(3.0, lib.tensor(eye), scale_tril=lib.tensor(eye))
        with pytest.raises(ValueError, match="must be at least two-dimensional"):
            make(3.0, lib.ones(2))
        with pytest.raises(ValueError, match="expected to be greater than ndim - 1 = 1"):
            make(lib.tensor([3.0, 1.0]), lib.tensor(eye))
        with pytest.warns(UserWarning, match="Low df values detected"):
            make(1.5, lib.tensor(eye))
        with pytest.raises(ValueError, match="within the support"):
            make(3.0, lib.tensor(eye), validate_args=True).log_prob(lib.tensor(-eye))


def test_rsample_does_not_warn_about_valid_draws():
    # Differs from PyTorch: torch warns "Singular sample detected." for valid draws
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Wishart(mt.tensor(6.0), mt.eye(2, dtype=mt.float64)).rsample((3,))
