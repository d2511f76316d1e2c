"""Heavy-tailed, extreme-value, mixture and relaxed distributions against torch.distributions:
values, gradients, shapes, expand, draws (torch's stream where reproduced) and errors."""

import numpy as np
import pytest
import torch
import torch.distributions as td

import microtensor as mt
import microtensor.distributions as md

from .test_families import close, pair

RNG = np.random.default_rng(3)
LOC = RNG.standard_normal((3, 1))
SCALE = RNG.uniform(0.5, 2.0, (1, 4))
POS = RNG.uniform(0.5, 3.0, (3, 4))
DF = RNG.uniform(0.5, 6.0, (3, 4))
PROBS = RNG.uniform(0.1, 0.9, (3, 4))
WEIGHTS = RNG.uniform(0.1, 1.0, (2, 3))
SIMPLEX = RNG.dirichlet(np.ones(3), 2)
ALL = ("mean", "variance", "stddev", "mode")


def temperature(d):
    return (mt if d is md else torch).tensor(0.7, dtype=(mt if d is md else torch).float64)


def mixture(d, logits, loc, scale):
    return d.MixtureSameFamily(d.Categorical(logits=logits), d.Normal(loc, scale))


def mixture_mvn(d, logits, loc):
    eye = (mt if d is md else torch).eye(2, dtype=loc.dtype)
    components = d.Independent(d.Normal(loc, eye[0] + 1.5), 1)
    return d.MixtureSameFamily(d.Categorical(logits=logits), components)


# name: (make, params, value, draws match torch's, moments torch has, has entropy)
CASES = {
    "student_t": (lambda d, f, m, s: d.StudentT(f, m, s), (DF, LOC, SCALE), POS - 1, False, ALL, 1),
    "cauchy": (lambda d, m, s: d.Cauchy(m, s), (LOC, SCALE), POS - 2, True, ALL, 1),
    "half_normal": (lambda d, s: d.HalfNormal(s), (SCALE,), POS, True, ALL, 1),
    "half_cauchy": (lambda d, s: d.HalfCauchy(s), (SCALE,), POS, True, ALL, 1),
    "gumbel": (lambda d, m, s: d.Gumbel(m, s), (LOC, SCALE), POS - 1, True, ALL, 1),
    "weibull": (lambda d, s, c: d.Weibull(s, c), (SCALE, POS), POS[::-1].copy(), True, ALL, 1),
    "pareto": (lambda d, s, a: d.Pareto(s, a), (SCALE, POS), POS + 2, True, ALL, 1),
    "von_mises": (
        lambda d, m, k: d.VonMises(m, k),
        (LOC, POS * 3),
        RNG.uniform(-3, 3, (3, 4)),
        True,
        ALL,
        0,
    ),
    "kumaraswamy": (
        lambda d, a, b: d.Kumaraswamy(a, b),
        (POS, POS[::-1].copy()),
        PROBS,
        True,
        ALL,
        1,
    ),
    "fisher_snedecor": (
        lambda d, a, b: d.FisherSnedecor(a, b),
        (DF, DF[::-1].copy() * 2),
        POS,
        False,
        ALL,
        0,
    ),
    "chi2": (lambda d, f: d.Chi2(f), (DF,), POS, False, ALL, 1),
    "mixture": (
        mixture,
        (WEIGHTS, RNG.standard_normal((2, 3)), RNG.uniform(0.5, 2, (2, 3))),
        RNG.standard_normal((4, 2)),
        True,
        ALL[:3],
        0,
    ),
    "mixture_mvn": (
        mixture_mvn,
        (WEIGHTS[0], RNG.standard_normal((3, 2))),
        RNG.standard_normal((4, 2)),
        True,
        ALL[:3],
        0,
    ),
    "relaxed_bernoulli": (
        lambda d, p: d.RelaxedBernoulli(temperature(d), probs=p),
        (PROBS,),
        PROBS[::-1].copy(),
        True,
        (),
        0,
    ),
    "relaxed_bernoulli_logits": (
        lambda d, x: d.RelaxedBernoulli(temperature(d), logits=x),
        (LOC,),
        PROBS,
        True,
        (),
        0,
    ),
    "relaxed_one_hot": (
        lambda d, p: d.RelaxedOneHotCategorical(temperature(d), probs=p),
        (WEIGHTS,),
        SIMPLEX,
        True,
        (),
        0,
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_values_and_gradients_match_torch(name):
    make, params, value, _, moments, has_entropy = CASES[name]
    ours, theirs, our_params, their_params = pair(make, *params)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    assert repr(ours).replace("microtensor.", "") == repr(theirs).replace("torch.", "")
    assert repr(ours.support).split("=")[0] == repr(theirs.support).split("=")[0]
    assert ours.has_rsample == theirs.has_rsample
    assert list(ours.arg_constraints) == list(theirs.arg_constraints)
    lp_ours = ours.log_prob(mt.tensor(value))
    lp_theirs = theirs.log_prob(torch.tensor(value))
    close(lp_ours, lp_theirs)
    for moment in moments:
        close(getattr(ours, moment), getattr(theirs, moment), equal_nan=True)
    upstream = RNG.standard_normal(tuple(lp_ours.shape))
    total_ours = (lp_ours * mt.tensor(upstream)).sum()
    total_theirs = (lp_theirs * torch.tensor(upstream)).sum()
    if has_entropy:
        close(ours.entropy(), theirs.entropy())
        total_ours = total_ours + ours.entropy().sum()
        total_theirs = total_theirs + theirs.entropy().sum()
    for moment in [m for m in moments if name not in ("cauchy", "half_cauchy")]:
        finite = np.isfinite(getattr(theirs, moment).detach().numpy())
        total_ours = total_ours + (getattr(ours, moment) * mt.tensor(finite * 1.0)).sum()
        total_theirs = total_theirs + (getattr(theirs, moment) * torch.tensor(finite)).nansum()
    total_ours.backward()
    total_theirs.backward()
    for a, b in zip(our_params, their_params, strict=True):
        close(a.grad, b.grad, rtol=1e-8, atol=1e-10)  # torch's trigamma: ~1e-9 relative


@pytest.mark.parametrize(
    "name", ["cauchy", "half_normal", "half_cauchy", "gumbel", "weibull", "pareto", "mixture"]
)
def test_cdf_and_icdf_match_torch(name):
    make, params, value, *_ = CASES[name]
    ours, theirs, _, _ = pair(make, *params)
    close(ours.cdf(mt.tensor(value)), theirs.cdf(torch.tensor(value)))
    if name != "mixture":
        q = RNG.uniform(0.05, 0.95, (3, 4))
        close(ours.icdf(mt.tensor(q)), theirs.icdf(torch.tensor(q)), rtol=1e-9)


@pytest.mark.parametrize("name", CASES)
def test_draws_shapes_and_expand_match_torch(name):
    make, params, _, same_stream, *_ = CASES[name]
    ours, theirs, our_params, their_params = pair(make, *params)
    mt.manual_seed(6)
    torch.manual_seed(6)
    for shape in [(), (5,), (2, 3)]:
        a, b = ours.sample(shape), theirs.sample(shape)
        assert tuple(a.shape) == tuple(b.shape)
        if same_stream:
            close(a, b, rtol=1e-9)
    if theirs.has_rsample:
        a, b = ours.rsample((3,)), theirs.rsample((3,))
        if same_stream:
            close(a, b, rtol=1e-9)
            upstream = RNG.standard_normal(tuple(a.shape))
            (a * mt.tensor(upstream)).sum().backward()
            (b * torch.tensor(upstream)).sum().backward()
            for p, q in zip(our_params, their_params, strict=True):
                close(p.grad, q.grad, rtol=1e-8)
        else:
            a.sum().backward()
            assert all(p.grad is not None for p in our_params)
    batch = (2, *ours.batch_shape)
    big_ours, big_theirs = ours.expand(batch), theirs.expand(torch.Size(batch))
    assert tuple(big_ours.batch_shape) == tuple(big_theirs.batch_shape) == batch
    value = big_theirs.sample()
    close(big_ours.log_prob(mt.tensor(value.numpy())), big_theirs.log_prob(value))


def test_student_t_and_chi2_draws_have_the_right_moments():
    # their draws are torch's (test_families.py::test_gamma_family_draws_are_torchs); a few
    # thousand draws check the transforms built on them
    mt.manual_seed(0)
    draws = md.StudentT(mt.tensor([5.0, 10.0]), 1.0, 2.0).sample((4000,)).double().numpy()
    np.testing.assert_allclose(draws.mean(0), [1.0, 1.0], atol=0.15)
    np.testing.assert_allclose(draws.var(0), [4 * 5 / 3, 4 * 10 / 8], rtol=0.2)
    draws = md.Chi2(mt.tensor([1.0, 4.0])).sample((4000,)).double().numpy()
    np.testing.assert_allclose(draws.mean(0), [1.0, 4.0], rtol=0.08)
    np.testing.assert_allclose(draws.var(0), [2.0, 8.0], rtol=0.2)


def test_relaxed_draws_tend_to_hard_ones_at_low_temperature():
    mt.manual_seed(1)
    cold = md.RelaxedOneHotCategorical(mt.tensor(0.05), probs=mt.tensor([0.2, 0.8]))
    draws = cold.sample((4000,)).numpy()
    assert (draws.max(-1) > 0.99).mean() > 0.9
    assert abs((draws.argmax(-1) == 1).mean() - 0.8) < 0.03


@pytest.mark.parametrize(
    "fn",
    [
        lambda d, t: d.StudentT(t([-1.0])),
        lambda d, t: d.Cauchy(0.0, t(-1.0)),
        lambda d, t: d.HalfNormal(t([0.0])),
        lambda d, t: d.HalfNormal(t([1.0])).log_prob(t([-1.0])),
        lambda d, t: d.Gumbel(t([0.0]), t([-1.0])),
        lambda d, t: d.Weibull(t([1.0]), t([0.0])),
        lambda d, t: d.Pareto(t([1.0]), t([-1.0])),
        lambda d, t: d.Pareto(t([1.0]), t([1.0])).log_prob(t([0.5])),
        lambda d, t: d.Chi2(t([-1.0])),
        lambda d, t: d.Kumaraswamy(t([1.0]), t([-1.0])),
        lambda d, t: d.FisherSnedecor(t([-1.0]), t([1.0])),
        lambda d, t: d.MixtureSameFamily(d.Normal(0.0, 1.0), d.Normal(0.0, 1.0)),
        lambda d, t: d.MixtureSameFamily(d.Categorical(t([1.0, 1.0])), "normal"),
        lambda d, t: d.MixtureSameFamily(d.Categorical(t([1.0, 1.0])), d.Normal(t([0.0] * 3), 1.0)),
        lambda d, t: d.MixtureSameFamily(
            d.Categorical(t([[1.0, 1.0]] * 3)), d.Normal(t([[0.0] * 2] * 2), 1.0)
        ),
        lambda d, t: d.RelaxedBernoulli(t(0.5), probs=t([1.5])),
        lambda d, t: d.RelaxedBernoulli(t(0.5)),
        lambda d, t: d.RelaxedOneHotCategorical(t(0.5), probs=t([0.5, 0.6])).log_prob(t([2.0, 0])),
    ],
)
def test_validation_errors_match_torch(fn):
    errors = []
    for lib, tensor in ((md, mt.tensor), (td, torch.tensor)):
        with pytest.raises(ValueError) as info:
            fn(lib, tensor)
        errors.append(str(info.value).replace("torch.", "microtensor."))
    assert errors[0].split(" ")[:5] == errors[1].split(" ")[:5]


@pytest.mark.parametrize(
    "name",
    ["kumaraswamy", "fisher_snedecor", "student_t", "cauchy", "half_normal", "gumbel", "weibull", "pareto", "von_mises", "mixture",
     "relaxed_bernoulli", "relaxed_one_hot"],
)  # fmt: skip
def test_log_prob_passes_gradcheck_and_gradgradcheck(name):
    make, params, value, *_ = CASES[name]
    value = mt.tensor(value)
    inputs = [mt.tensor(p, requires_grad=True) for p in params]
    assert mt.autograd.gradcheck(lambda *ps: make(md, *ps).log_prob(value), inputs)
    assert mt.autograd.gradgradcheck(lambda *ps: make(md, *ps).log_prob(value), inputs)
