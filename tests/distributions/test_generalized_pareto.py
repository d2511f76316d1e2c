"""GeneralizedPareto against torch.distributions.GeneralizedPareto (and scipy's genpareto where
torch 2.13 cannot compute: its log_prob and cdf raise for float64 parameters)."""

import numpy as np
import pytest
import scipy.stats
import torch
import torch.distributions as td

import microtensor as mt
import microtensor.distributions as md

RNG = np.random.default_rng(11)
LOC = RNG.standard_normal((3, 1))
SCALE = RNG.uniform(0.5, 2.0, (1, 4))
# positive, negative, zero, nearly zero (isclose to 0: the exponential formulas) and -1 (uniform)
CONC = np.array([[0.3, -0.4, 0.0, 1e-9], [0.7, -1.0, 2.0, -0.2], [0.1, 0.6, -0.05, 0.0]])
# values inside every support (the negative concentrations bound it at loc - scale / c)
VALUE = LOC + SCALE * RNG.uniform(0.01, 0.45, (2, 3, 4))
Q = RNG.uniform(0.02, 0.98, (2, 3, 4))
TOL32 = {"rtol": 2e-5, "atol": 1e-6}


def pair(dtype=np.float64, params=(LOC, SCALE, CONC)):
    ours = [mt.tensor(p.astype(dtype), requires_grad=True) for p in params]
    theirs = [torch.tensor(p.astype(dtype), requires_grad=True) for p in params]
    return md.GeneralizedPareto(*ours), td.GeneralizedPareto(*theirs), ours, theirs


def close(a, b, **tol):
    tol = tol or {"rtol": 1e-10, "atol": 1e-12}
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), equal_nan=True, **tol)


def test_attributes_shapes_and_repr_are_torchs():
    ours, theirs, _, _ = pair()
    assert list(ours.arg_constraints) == list(theirs.arg_constraints)
    assert ours.has_rsample is theirs.has_rsample is True
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape) == (3, 4)
    assert tuple(ours.event_shape) == () == tuple(theirs.event_shape)
    assert repr(ours).replace("microtensor.", "") == repr(theirs).replace("torch.", "")
    close(ours.support.lower_bound, theirs.support.lower_bound)
    close(ours.support.upper_bound, theirs.support.upper_bound)
    scalar_ours, scalar_theirs = (
        md.GeneralizedPareto(0.1, 2.0, 0.4),
        td.GeneralizedPareto(0.1, 2.0, 0.4),
    )
    assert tuple(scalar_ours.batch_shape) == () == tuple(scalar_theirs.batch_shape)
    assert repr(scalar_ours) == repr(scalar_theirs)
    assert scalar_ours.loc.dtype == mt.float32


@pytest.mark.parametrize("method", ["log_prob", "cdf", "log_cdf", "log_survival_function"])
def test_functions_of_a_value_equal_torchs_in_float32_with_gradients(method):
    ours, theirs, our_params, their_params = pair(np.float32)
    value = VALUE.astype(np.float32)
    a = getattr(ours, method)(mt.tensor(value))
    b = getattr(theirs, method)(torch.tensor(value))
    close(a, b, **TOL32)
    upstream = RNG.standard_normal(a.shape).astype(np.float32)
    (a * mt.tensor(upstream)).sum().backward()
    (b * torch.tensor(upstream)).sum().backward()
    for p, q in zip(our_params, their_params, strict=True):
        close(p.grad, q.grad, rtol=2e-4, atol=2e-5)


def test_float64_values_equal_scipys():
    ours, _, _, _ = pair()
    value = mt.tensor(VALUE)
    # scipy's genpareto(c, loc, scale) is this distribution; its c = 1e-9 is not switched to
    # the exponential formula, but agrees with it to about 1e-9
    expected = {
        "log_prob": scipy.stats.genpareto.logpdf(VALUE, CONC, LOC, SCALE),
        "cdf": scipy.stats.genpareto.cdf(VALUE, CONC, LOC, SCALE),
        "log_survival_function": scipy.stats.genpareto.logsf(VALUE, CONC, LOC, SCALE),
        "log_cdf": scipy.stats.genpareto.logcdf(VALUE, CONC, LOC, SCALE),
    }
    for method, want in expected.items():
        got = getattr(ours, method)(value).detach().numpy()
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10, err_msg=method)
    icdf = ours.icdf(mt.tensor(Q)).detach().numpy()
    np.testing.assert_allclose(icdf, scipy.stats.genpareto.ppf(Q, CONC, LOC, SCALE), rtol=1e-8)


def test_icdf_moments_and_entropy_equal_torchs_in_float64_with_gradients():
    ours, theirs, our_params, their_params = pair()
    total_ours = (ours.icdf(mt.tensor(Q)) * mt.tensor(Q)).sum()
    total_theirs = (theirs.icdf(torch.tensor(Q)) * torch.tensor(Q)).sum()
    close(ours.icdf(mt.tensor(Q)), theirs.icdf(torch.tensor(Q)))
    for name in ("mean", "variance", "stddev", "mode"):
        close(getattr(ours, name), getattr(theirs, name))
    for name in ("mean", "variance"):
        total_ours = total_ours + mt.nan_to_num(getattr(ours, name), nan=0.0).sum()
        total_theirs = total_theirs + torch.nan_to_num(getattr(theirs, name), nan=0.0).sum()
    close(ours.entropy(), theirs.entropy())
    (total_ours + ours.entropy().sum()).backward()
    (total_theirs + theirs.entropy().sum()).backward()
    for p, q in zip(our_params, their_params, strict=True):
        close(p.grad, q.grad)
    assert np.isnan(ours.mean.detach().numpy()).sum() == 1
    assert np.isnan(ours.variance.detach().numpy()).sum() == 3


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_draws_and_rsample_gradients_follow_torchs_stream(dtype):
    ours, theirs, our_params, their_params = pair(dtype)
    mt.manual_seed(0), torch.manual_seed(0)
    tol = TOL32 if dtype == np.float32 else {}
    close(ours.sample((5,)), theirs.sample((5,)), **tol)
    a, b = ours.rsample((2,)), theirs.rsample((2,))
    close(a, b, **tol)
    assert a.dtype == ours.loc.dtype and bool(ours.support.check(a).all())
    upstream = RNG.standard_normal(a.shape).astype(dtype)
    (a * mt.tensor(upstream)).sum().backward()
    (b * torch.tensor(upstream)).sum().backward()
    for p, q in zip(our_params, their_params, strict=True):
        close(p.grad, q.grad, **({"rtol": 1e-4, "atol": 1e-5} if tol else {}))


def test_expand_matches_torch():
    ours, theirs, _, _ = pair()
    big_ours, big_theirs = ours.expand((2, 3, 4)), theirs.expand(torch.Size((2, 3, 4)))
    assert tuple(big_ours.batch_shape) == tuple(big_theirs.batch_shape) == (2, 3, 4)
    close(big_ours.icdf(mt.tensor(Q)), big_theirs.icdf(torch.tensor(Q)))
    assert big_ours._validate_args == ours._validate_args


def test_gradcheck_and_gradgradcheck():
    # away from c = 0 and c = -1, where torch's formulas switch branch (as do microtensor's)
    conc = np.where(np.isclose(CONC, 0) | (CONC == -1), 0.45, CONC)
    inputs = [mt.tensor(p, requires_grad=True) for p in (LOC[1:], SCALE, conc[1:])]
    value, q = mt.tensor(VALUE[0, 1:]), mt.tensor(Q[0, 1:])

    def fn(loc, scale, conc):
        d = md.GeneralizedPareto(loc, scale, conc, validate_args=False)
        return d.log_prob(value), d.cdf(value), d.icdf(q), d.entropy()

    assert mt.autograd.gradcheck(fn, inputs)
    assert mt.autograd.gradgradcheck(fn, inputs)


def test_validation_errors_match_torch():
    for lib, dist in ((mt, md), (torch, td)):
        with pytest.raises(ValueError, match="Expected parameter scale"):
            dist.GeneralizedPareto(lib.tensor([0.0]), lib.tensor([-1.0]), lib.tensor([0.5]))
        d = dist.GeneralizedPareto(lib.tensor([0.0]), lib.tensor([1.0]), lib.tensor([-0.5]))
        for outside in (-0.5, 2.5):  # below loc, above loc - scale / c
            with pytest.raises(ValueError, match="to be within the support"):
                d.log_prob(lib.tensor([outside]))
