"""SoftplusTransform and CumulativeDistributionTransform against torch's, and the import paths
torch.distributions has (its submodules and top-level names)."""

import importlib
import types

import numpy as np
import pytest
import torch
import torch.distributions as td
import torch.distributions.transforms as tt

import microtensor as mt
import microtensor.distributions as md
import microtensor.distributions.transforms as mtt

RNG = np.random.default_rng(13)
X = np.concatenate([RNG.standard_normal(6) * 3, [-30.0, 19.0, 25.0, 0.0]])  # both sides of 20


def close(a, b, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)


CASES = {
    "softplus": (lambda t, d, lib: t.SoftplusTransform(), X),
    "normal_cdf": (lambda t, d, lib: t.CumulativeDistributionTransform(d.Normal(0.5, 2.0)), X[:6]),
    "exponential_cdf": (  # a parameter tensor that requires grad: the gradient reaches it too
        lambda t, d, lib: t.CumulativeDistributionTransform(d.Exponential(RATE[lib])),
        np.abs(X[:6]) % 2.5 + 0.1,  # cdf below 1 - 1e-2: icdf stays well conditioned
    ),
}
RATE = {mt: mt.tensor(1.5, dtype=mt.float64, requires_grad=True),
        torch: torch.tensor(1.5, dtype=torch.float64, requires_grad=True)}  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_values_inverse_and_log_jacobian_equal_torchs_with_gradients(name):
    make, x = CASES[name]
    ours, theirs = make(mtt, md, mt), make(tt, td, torch)
    x_ours, x_theirs = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    close(y_ours, y_theirs)
    inv_ours, inv_theirs = ours.inv(y_ours.detach()), theirs.inv(y_theirs.detach())
    close(inv_ours, inv_theirs, rtol=1e-9)
    j_ours = ours.log_abs_det_jacobian(x_ours, y_ours)
    j_theirs = theirs.log_abs_det_jacobian(x_theirs, y_theirs)
    close(j_ours, j_theirs)
    up = [RNG.standard_normal(len(x)) for _ in range(2)]
    total_ours = (y_ours * mt.tensor(up[0])).sum() + (j_ours * mt.tensor(up[1])).sum()
    total_theirs = (y_theirs * torch.tensor(up[0])).sum() + (j_theirs * torch.tensor(up[1])).sum()
    total_ours.backward(), total_theirs.backward()
    close(x_ours.grad, x_theirs.grad)
    if name == "exponential_cdf":
        close(RATE[mt].grad, RATE[torch].grad)
        RATE[mt].grad, RATE[torch].grad = None, None
    assert ours.bijective is theirs.bijective is True and ours.sign == theirs.sign == 1
    assert repr(ours.domain) == repr(theirs.domain) and repr(ours.codomain) == repr(theirs.codomain)
    assert ours == make(mtt, md, mt) if name == "softplus" else ours.with_cache(0) is ours


def test_softplus_is_linear_above_20_and_inverts_large_values():
    t = mtt.SoftplusTransform()
    assert t(mt.tensor([25.0])).item() == 25.0
    close(t.inv(mt.tensor([1e-6, 50.0])), tt.SoftplusTransform().inv(torch.tensor([1e-6, 50.0])))
    assert t != mtt.ExpTransform() and t.with_cache(1)._cache_size == 1


@pytest.mark.parametrize("name", CASES)
def test_gradcheck_and_gradgradcheck(name):
    make, x = CASES[name]
    t = make(mtt, md, mt)

    def fn(v):
        y = t(v)
        return y, t.log_abs_det_jacobian(v, y), t.inv(y)

    assert mt.autograd.gradcheck(fn, [mt.tensor(x, requires_grad=True)])
    assert mt.autograd.gradgradcheck(fn, [mt.tensor(x, requires_grad=True)])


def test_a_gaussian_copula_matches_torchs():
    scale_tril = np.array([[1.0, 0.0], [0.6, 0.8]])
    value = RNG.uniform(0.05, 0.95, (3, 2))
    ours = md.TransformedDistribution(
        md.MultivariateNormal(mt.zeros(2, dtype=mt.float64), scale_tril=mt.tensor(scale_tril)),
        [mtt.CumulativeDistributionTransform(md.Normal(0.0, 1.0))],
    )
    theirs = td.TransformedDistribution(
        td.MultivariateNormal(
            torch.zeros(2, dtype=torch.float64), scale_tril=torch.tensor(scale_tril)
        ),
        [tt.CumulativeDistributionTransform(td.Normal(0.0, 1.0))],
    )
    close(ours.log_prob(mt.tensor(value)), theirs.log_prob(torch.tensor(value)), rtol=1e-6)
    mt.manual_seed(0), torch.manual_seed(0)
    close(ours.sample((4,)), theirs.sample((4,)), rtol=1e-6)


def test_a_softplus_pushed_normal_matches_torch():
    value = np.abs(RNG.standard_normal((4, 3))) + 0.05
    loc = RNG.standard_normal(3)
    ours = md.TransformedDistribution(md.Normal(mt.tensor(loc), 1.0), [mtt.SoftplusTransform()])
    theirs = td.TransformedDistribution(td.Normal(torch.tensor(loc), 1.0), [tt.SoftplusTransform()])
    close(ours.log_prob(mt.tensor(value)), theirs.log_prob(torch.tensor(value)))
    mt.manual_seed(1), torch.manual_seed(1)
    close(ours.rsample((2,)), theirs.rsample((2,)))


def test_torchs_import_paths_exist():
    modules = [n for n in dir(td) if isinstance(getattr(td, n), types.ModuleType)]
    for name in modules:
        assert isinstance(getattr(md, name), types.ModuleType), name
        importlib.import_module(f"microtensor.distributions.{name}")
    assert set(td.__all__) <= set(md.__all__)
    assert set(tt.__all__) == set(mtt.__all__)
    assert md.studentT.StudentT is md.StudentT and md.half_cauchy.HalfCauchy is md.HalfCauchy
    assert md.generalized_pareto.GeneralizedPareto is md.GeneralizedPareto
    assert md.identity_transform is mtt.identity_transform
    assert (
        md.one_hot_categorical.OneHotCategoricalStraightThrough
        is md.OneHotCategoricalStraightThrough
    )
