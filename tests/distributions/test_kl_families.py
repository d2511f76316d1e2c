"""kl_divergence between the added families against torch's closed forms (values, gradients)."""

import numpy as np
import pytest
import torch
import torch.distributions as td

import microtensor as mt
import microtensor.distributions as md

from .test_families import close

RNG = np.random.default_rng(4)
A = RNG.uniform(0.5, 3.0, (2, 3))
B = RNG.uniform(0.5, 3.0, (2, 3))
R = RNG.standard_normal((2, 3))
S = RNG.standard_normal((2, 3))
P = RNG.uniform(0.1, 0.9, (2, 3))
Q = RNG.uniform(0.1, 0.9, (2, 3))
M = RNG.standard_normal((2, 3, 3))
TRIL_P = np.tril(M) + 3 * np.eye(3)
TRIL_Q = np.tril(M[::-1]) + 2 * np.eye(3)

# name: (make(lib, *params) -> (p, q), params)
PAIRS = {
    "beta": (lambda d, a, b: (d.Beta(a, b), d.Beta(b, a)), (A, B)),
    "binomial": (lambda d, p, q: (d.Binomial(4, p), d.Binomial(4, q)), (P, Q)),
    "cauchy": (lambda d, r, a: (d.Cauchy(r, a), d.Cauchy(-r, a + 1)), (R, A)),
    "dirichlet": (lambda d, a, b: (d.Dirichlet(a), d.Dirichlet(b)), (A, B)),
    "exponential": (lambda d, a, b: (d.Exponential(a), d.Exponential(b)), (A, B)),
    "gamma": (lambda d, a, b: (d.Gamma(a, b), d.Gamma(b, a)), (A, B)),
    "chi2": (lambda d, a, b: (d.Chi2(a), d.Chi2(b)), (A, B)),
    "gumbel": (lambda d, r, a: (d.Gumbel(r, a), d.Gumbel(-r, a + 0.5)), (R, A)),
    "geometric": (lambda d, p, q: (d.Geometric(p), d.Geometric(q)), (P, Q)),
    "half_normal": (lambda d, a, b: (d.HalfNormal(a), d.HalfNormal(b)), (A, B)),
    "laplace": (lambda d, r, a: (d.Laplace(r, a), d.Laplace(-r, a + 1)), (R, A)),
    "lognormal": (lambda d, r, a: (d.LogNormal(r, a), d.LogNormal(-r, a + 1)), (R, A)),
    "mvn": (
        lambda d, r, lp, lq: (
            d.MultivariateNormal(r, scale_tril=lp),
            d.MultivariateNormal(r.flip(0), scale_tril=lq),
        ),
        (R, TRIL_P, TRIL_Q.copy()),
    ),
    "onehot": (lambda d, a, b: (d.OneHotCategorical(a), d.OneHotCategorical(logits=b)), (A, B)),
    "pareto": (lambda d, a, b: (d.Pareto(a, b), d.Pareto(a * 0.5, b)), (A, B)),
    "pareto_inf": (lambda d, a, b: (d.Pareto(a, b), d.Pareto(a + 0.5, b)), (A, B)),
    "lowrank_lowrank": (
        lambda d, r, w, v: (
            d.LowRankMultivariateNormal(r, w, v),
            d.LowRankMultivariateNormal(r.flip(0), w.flip(0) * 0.5, v + 1),
        ),
        (R, M[:, :, :2], A),
    ),
    "mvn_lowrank": (
        lambda d, r, lp, w, v: (
            d.MultivariateNormal(r, scale_tril=lp),
            d.LowRankMultivariateNormal(r.flip(0), w, v),
        ),
        (R, TRIL_P, M[:, :, :2], A),
    ),
    "lowrank_mvn": (
        lambda d, r, w, v, lq: (
            d.LowRankMultivariateNormal(r, w, v),
            d.MultivariateNormal(r.flip(0), scale_tril=lq),
        ),
        (R, M[:, :, :2], A, TRIL_Q.copy()),
    ),
    "poisson": (lambda d, a, b: (d.Poisson(a), d.Poisson(b)), (A, B)),
    "independent": (
        lambda d, r, a: (d.Independent(d.Normal(r, a), 1), d.Independent(d.Normal(-r, a), 1)),
        (R, A),
    ),
    "exponential_gamma": (lambda d, a, b: (d.Exponential(a), d.Gamma(b, a)), (A, B)),
    "gamma_exponential": (lambda d, a, b: (d.Gamma(a, b), d.Exponential(b)), (A, B)),
    "laplace_normal": (lambda d, r, a: (d.Laplace(r, a), d.Normal(-r, a)), (R, A)),
    "normal_laplace": (lambda d, r, a: (d.Normal(r, a), d.Laplace(-r, a)), (R, A)),
    "uniform_normal": (lambda d, r, a: (d.Uniform(r, r + a), d.Normal(-r, a)), (R, A)),
    "beta_normal": (lambda d, a, r: (d.Beta(a, a + 1), d.Normal(r, a)), (A, R)),
    "exponential_normal": (lambda d, a, r: (d.Exponential(a), d.Normal(r, a)), (A, R)),
    "gamma_normal": (lambda d, a, r: (d.Gamma(a, a + 1), d.Normal(r, a)), (A, R)),
}


@pytest.mark.parametrize("name", PAIRS)
def test_kl_divergence_and_its_gradients_match_torch(name):
    make, params = PAIRS[name]
    our_params = [mt.tensor(a, requires_grad=True) for a in params]
    their_params = [torch.tensor(a, requires_grad=True) for a in params]
    ours = md.kl_divergence(*make(md, *our_params))
    theirs = td.kl_divergence(*make(td, *their_params))
    close(ours, theirs)
    finite = np.isfinite(theirs.detach().numpy())
    (ours * mt.tensor(finite * 1.0)).sum().backward()
    theirs[torch.tensor(finite)].sum().backward()
    for a, b in zip(our_params, their_params, strict=True):
        if b.grad is not None:
            close(a.grad, b.grad, rtol=1e-8, atol=1e-10)  # torch's trigamma: ~1e-9 relative


def test_kl_errors_match_torch():
    with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
        md.kl_divergence(md.Binomial(2, mt.tensor([0.5])), md.Binomial(3, mt.tensor([0.5])))
    mvn2 = md.MultivariateNormal(mt.zeros(2), mt.eye(2))
    mvn3 = md.MultivariateNormal(mt.zeros(3), mt.eye(3))
    with pytest.raises(ValueError, match="different event shapes"):
        md.kl_divergence(mvn2, mvn3)
    with pytest.raises(NotImplementedError):
        md.kl_divergence(
            md.Independent(md.Normal(mt.zeros(2, 2), 1.0), 1),
            md.Independent(md.Normal(mt.zeros(2, 2), 1.0), 2),
        )
